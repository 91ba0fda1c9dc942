#!/usr/bin/env bash
# Builds the libFuzzer target over the whole netcalc pipeline and runs it.
#   Fuzz/run.sh [SECONDS] [fuzzer|address]     default: 600 seconds, libFuzzer alone
# The seed corpus is made from specs/, specs/homework/, the golden error cases, the model fixtures and Fuzz/regressions/;
# crashes are written to Fuzz/regressions/ (commit each with its fix: CI replays them).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
sanitizer=${2:-fuzzer}
scratch=.build-fuzz-$sanitizer
flags=(--sanitize=fuzzer)
# With a second sanitizer SwiftPM drops the coverage instrumentation libFuzzer is guided by: ask for it.
[ "$sanitizer" = address ] && flags+=(--sanitize=address -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp)
# FUZZING turns the target's replay main off and its libFuzzer entry point on.
swift build -c release --scratch-path "$scratch" "${flags[@]}" -Xswiftc -DFUZZING --product netcalc-fuzz
corpus=$scratch/corpus
mkdir -p "$corpus" Fuzz/regressions
for file in specs/*.net specs/homework/*.net Tests/NetCalcTests/Golden/errors/* Tests/NetCalcTests/Fixtures/*/* Fuzz/regressions/*; do
  [ -f "$file" ] && cp "$file" "$corpus/$(echo "$file" | tr '/' '_')"
done
# Swift's crash handler would hide crashes from libFuzzer.
SWIFT_BACKTRACE=enable=no "$scratch/release/netcalc-fuzz" "$corpus" \
  -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=4096 \
  -artifact_prefix=Fuzz/regressions/ -print_final_stats=1
