#!/usr/bin/env bash
# Lints Borgerbot's C code exactly as CI does (.ci/run), so a developer can run
# the same thing before pushing:
#
#   scripts/lint.sh [--format | --tidy] [BUILD_DIR]     both by default; build/
#
# format: clang-format (.clang-format) must find nothing to change in any .c/.h
#         under server/, intents/, tests/ and bench/ (never .deps/).
# tidy:   clang-tidy (.clang-tidy, every warning an error) over the same .c
#         files as they appear in BUILD_DIR/compile_commands.json, headers of
#         server/ and intents/ included. The build is configured, not built,
#         when that file is missing. Two files at a time (LINT_JOBS): about a
#         minute on two cores.
#
# The tools come from Debian's clang-format and clang-tidy packages
# (scripts/setup.sh --test installs them).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

say() { printf 'lint: %s\n' "$*" >&2; }

want_format=1 want_tidy=1
case "${1:-}" in
--format) want_tidy=0; shift ;;
--tidy) want_format=0; shift ;;
esac
build=${1:-build}
jobs=${LINT_JOBS:-2}

tool() { # first of the given commands that exists
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null && { echo "$c"; return 0; }
	done
	say "none of $* found; run scripts/setup.sh --test"
	return 1
}

c_files() { # project C sources and headers, sorted, one per line
	find server intents panel tests bench -name node_modules -prune -o \
		-type f \( -name '*.c' -o -name '*.h' \) -print | LC_ALL=C sort
}

run_format() {
	local fmt
	fmt=$(tool clang-format clang-format-14)
	mapfile -t files < <(c_files)
	say "clang-format over ${#files[@]} files"
	"$fmt" --dry-run -Werror "${files[@]}"
}

run_tidy() {
	local runner tidy regex
	[ -f "$build/compile_commands.json" ] ||
		cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	tidy=$(tool clang-tidy clang-tidy-14)
	regex="^$(printf '%s' "$top" | sed 's/[][\.*^$+?(){}|]/\\&/g')/(server|intents|panel|tests|bench)/.*\.c\$"
	say "clang-tidy over the project's .c files in $build/compile_commands.json, $jobs at a time"
	if runner=$(tool run-clang-tidy run-clang-tidy-14 2>/dev/null); then
		"$runner" -quiet -clang-tidy-binary "$(command -v "$tidy")" -p "$build" \
			-j "$jobs" "$regex" >"$build/clang-tidy.log" 2>&1 ||
			{ diagnostics <"$build/clang-tidy.log" >&2; return 1; }
	else
		db_files "$regex" | xargs -r -P "$jobs" -n 1 "$tidy" --quiet -p "$build"
	fi
}

diagnostics() { # run-clang-tidy's log without its command lines and counts
	local strip='s/\x1b\[[0-9;]*m//g'
	[ -t 2 ] && strip=''
	sed -e "$strip" | grep -v -E '^(\S*clang-tidy\S* --use-color |[0-9]+ warnings? (and [0-9]+ errors? )?generated\.$)' || true
}

db_files() { # the files of compile_commands.json that match a regex
	python3 -c 'import json,re,sys
for e in json.load(open(sys.argv[1])):
    f = e["file"] if e["file"].startswith("/") else e["directory"] + "/" + e["file"]
    if re.search(sys.argv[2], f):
        print(f)' "$build/compile_commands.json" "$1"
}

status=0
if [ "$want_format" -eq 1 ]; then
	run_format || { say "clang-format: run clang-format -i on the files above"; status=1; }
fi
if [ "$want_tidy" -eq 1 ]; then
	run_tidy || { say "clang-tidy found problems (above)"; status=1; }
fi
[ "$status" -eq 0 ] && say "clean"
exit "$status"
