#!/usr/bin/env bash
# Builds the libFuzzer target over the whole netcalc pipeline and runs it.
#   Fuzz/run.sh [SECONDS] [fuzzer|address] [prototxt|onnx]     default: 600 seconds, libFuzzer alone, every mode;
#   a reader's name fuzzes that model reader's modes only (a campaign on the Caffe or the ONNX reader)
# The seed corpus is made from specs/, specs/homework/, the golden error cases, the model fixtures and Fuzz/regressions/;
# crashes are written to Fuzz/regressions/ (commit each with its fix: CI replays them).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
sanitizer=${2:-fuzzer}
reader=${3:-}
scratch=.build-fuzz-$sanitizer
if [ -n "$reader" ]; then export NETCALC_FUZZ_READER=$reader; fi
# A network at the layer limit takes about a second in a release build, and three to ten times that
# sanitized: the time limit is the same bound, scaled.
timeout=10
[ "$sanitizer" = address ] && timeout=30
flags=(--sanitize=fuzzer)
# With a second sanitizer SwiftPM drops the coverage instrumentation libFuzzer is guided by: ask for it.
[ "$sanitizer" = address ] && flags+=(--sanitize=address -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp)
# FUZZING turns the target's replay main off and its libFuzzer entry point on.
swift build -c release --scratch-path "$scratch" "${flags[@]}" -Xswiftc -DFUZZING --product netcalc-fuzz
corpus=$scratch/corpus${reader:+-$reader}
mkdir -p "$corpus" Fuzz/regressions
# The fuzzing entry point reads its mode from an input's first byte: each seed goes in once per mode.
modes=28
seed_files=(specs/*.net specs/homework/*.net Tests/NetCalcTests/Golden/errors/* Tests/NetCalcTests/Fixtures/*/* Fuzz/regressions/*)
# Deep block structures, which random bytes rarely build.
deep=$scratch/deep
mkdir -p "$deep"
{ echo 'b0 = RELU'; for i in $(seq 1 40); do echo "b$i = b$((i-1)) -> b$((i-1))"; done; echo 'INPUT[8x8x1] -> b40'; } > "$deep/doubling.net"
{ printf 'INPUT[8x8x2] -> '; for i in $(seq 1 60); do printf 'ADD(ID | '; done; printf 'RELU'; for i in $(seq 1 60); do printf ')'; done; echo; } > "$deep/merges.net"
{ printf 'INPUT[8x8x2] -> '; for i in $(seq 1 60); do printf '['; done; printf 'RELU'; for i in $(seq 1 60); do printf ']*2'; done; echo; } > "$deep/repeats.net"
{ echo 'a(c) = CONV(c,1) -> [RELU]*c'; echo 'b(c) = a(c*2) -> a(c/2) as t -> ADD(@t | ID)'; echo 'INPUT[8x8x4] -> b(4) -> b(8)'; } > "$deep/blocks.net"
for file in "${seed_files[@]}" "$deep"/*; do
  [ -f "$file" ] || continue
  name=$(echo "$file" | tr '/' '_')
  for mode in $(seq 0 $((modes - 1))); do
    { printf "\\$(printf '%03o' "$mode")"; cat "$file"; } > "$corpus/$mode-$name"
  done
done
# Swift's crash handler would hide crashes from libFuzzer.
SWIFT_BACKTRACE=enable=no "$scratch/release/netcalc-fuzz" "$corpus" \
  -max_total_time="$seconds" -max_len=8192 -timeout="$timeout" -rss_limit_mb=4096 -dict=Fuzz/netcalc.dict \
  -artifact_prefix=Fuzz/regressions/ -print_final_stats=1
