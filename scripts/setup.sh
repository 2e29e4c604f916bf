#!/usr/bin/env bash
# Installs what Borgerbot needs on Debian 12 and fetches CivetWeb's Debian source
# package. Idempotent: installs only missing packages and re-uses what it fetched.
#
#   scripts/setup.sh            build dependencies
#   scripts/setup.sh --test     build + test and lint dependencies (wrk, chromium,
#                               clang-format, clang-tidy ...)
#
# The CivetWeb source lands in .deps/civetweb (ignored by git). Its host is
# derived from the machine's own apt configuration; no registry is named here.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
deps="$top/.deps"
want_test=0
[ "${1:-}" = "--test" ] && want_test=1

say() { printf 'setup: %s\n' "$*" >&2; }

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { say "need root or sudo to install packages"; exit 1; }
	sudo_cmd=(sudo)
fi

build_pkgs=(build-essential cmake pkg-config git ca-certificates openssl
	libssl-dev libjansson-dev libpcre2-dev libsqlite3-dev libcurl4-openssl-dev
	dpkg-dev)
# clang-format and clang-tidy: scripts/lint.sh, run by CI after the tests;
# clang and its runtime libraries (libFuzzer): scripts/fuzz.sh.
test_pkgs=(python3 libcmocka-dev wrk curl sqlite3 chromium clang-format clang-tidy
	clang libclang-rt-14-dev)

pkgs=("${build_pkgs[@]}")
[ "$want_test" -eq 1 ] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

updated=0
apt_update() {
	[ "$updated" -eq 1 ] && return 0
	say "apt-get update"
	"${sudo_cmd[@]}" apt-get update -qq
	updated=1
}

if [ "${#missing[@]}" -gt 0 ]; then
	apt_update
	say "installing: ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
	say "all packages present"
fi

# Node.js and npm drive Chromium in the browser tests. Any installed node >= 18
# will do (it may come from elsewhere than Debian), so look for the commands.
if [ "$want_test" -eq 1 ]; then
	node_pkgs=()
	command -v node >/dev/null || node_pkgs+=(nodejs)
	command -v npm >/dev/null || node_pkgs+=(npm)
	if [ "${#node_pkgs[@]}" -gt 0 ]; then
		apt_update
		say "installing: ${node_pkgs[*]}"
		DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${node_pkgs[@]}" >/dev/null
	fi
	# playwright-core from the npm registry (never a downloaded browser: the
	# tests use Debian's /usr/bin/chromium). Re-used when the lock is unchanged.
	browser="$top/tests/browser"
	stamp="$browser/node_modules/.borgerbot-lock"
	if ! cmp -s "$browser/package-lock.json" "$stamp" 2>/dev/null; then
		say "npm ci in tests/browser"
		(cd "$browser" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >/dev/null)
		cp "$browser/package-lock.json" "$stamp"
	else
		say "tests/browser dependencies present"
	fi
fi

# --- CivetWeb source from Debian's source package -------------------------
src="$deps/civetweb"
if [ -f "$src/src/civetweb.c" ] && [ -f "$src/include/civetweb.h" ]; then
	say "civetweb source present in .deps/civetweb"
	exit 0
fi

mkdir -p "$deps/apt/lists/partial" "$deps/apt/sources.d" "$deps/dl"
# Derive a deb-src entry from the system's own deb822 or one-line sources.
srcfile="$deps/apt/sources.d/debian-src.sources"
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
	sed -e 's/^Types:.*/Types: deb-src/' /etc/apt/sources.list.d/debian.sources >"$srcfile"
elif [ -f /etc/apt/sources.list ]; then
	srcfile="$deps/apt/sources.d/debian-src.list"
	grep -E '^deb ' /etc/apt/sources.list | sed -e 's/^deb /deb-src /' >"$srcfile"
else
	say "no apt sources found to derive a deb-src entry from"
	exit 1
fi

aptopts=(-o "Dir::Etc::SourceParts=$deps/apt/sources.d" -o "Dir::Etc::SourceList=/dev/null"
	-o "Dir::State::Lists=$deps/apt/lists")
say "fetching the civetweb source package"
"${sudo_cmd[@]}" apt-get "${aptopts[@]}" update -qq
(cd "$deps/dl" && apt-get "${aptopts[@]}" source --download-only civetweb >/dev/null)

dsc=$(ls "$deps/dl"/civetweb_*.dsc | head -n1)
rm -rf "$deps/dl/extract"
dpkg-source --no-check -x "$dsc" "$deps/dl/extract" >/dev/null
rm -rf "$src"
mkdir -p "$src"
cp -r "$deps/dl/extract/src" "$deps/dl/extract/include" "$src/"
say "civetweb source ready in .deps/civetweb"
