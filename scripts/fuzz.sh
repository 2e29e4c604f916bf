#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz/ with clang (ASan + UBSan) in
# build-fuzz/ and runs each for a bounded time from its seed corpus.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET]      default 60; CI uses 20
#
# A crash, leak, sanitizer report or timeout fails the run; the input that
# caused it is kept in build-fuzz/crashes/ (make it a regression test: add
# it to tests/fuzz/corpus/TARGET/ and fix the code). The corpora grow in
# build-fuzz/corpus/; the seeds in the repository stay small.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
seconds=${1:-60}
case "$seconds" in '' | *[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS]" >&2; exit 2 ;; esac
scripts/setup.sh --test # clang, libFuzzer, CivetWeb's source
CC=clang cmake -S . -B build-fuzz -DBORGERBOT_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j"$(nproc 2>/dev/null || echo 2)" --target fuzz_all
mkdir -p build-fuzz/crashes
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
failed=0
for seeds in tests/fuzz/corpus/*/; do
	name=$(basename "$seeds")
	work=build-fuzz/corpus/$name
	mkdir -p "$work"
	cp -n "$seeds"* "$work"/ 2>/dev/null || true
	log=build-fuzz/logs/$name.log
	mkdir -p build-fuzz/logs
	if build-fuzz/"$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-max_len=65536 -artifact_prefix=build-fuzz/crashes/"$name"- "$work" >"$log" 2>&1; then
		runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
		[ -n "$runs" ] || runs=$(grep -oE '#[0-9]+' "$log" | tail -1 | tr -d '#')
		echo "fuzz: $name ok (${runs:-?} runs in ${seconds}s, corpus $(ls "$work" | wc -l))"
	else
		echo "fuzz: $name FAILED, see $log and build-fuzz/crashes/" >&2
		tail -40 "$log" >&2
		failed=1
	fi
done
exit "$failed"
