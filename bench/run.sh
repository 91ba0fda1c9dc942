#!/usr/bin/env bash
# Times netcalc on generated networks of 1 to 1M layers, a deep residual network and a heavily repeated
# spec, in table, JSON, Markdown and CSV output, --emit pytorch and check on inputs four times apart, and
# VGG16 against a Swift hello world, and writes
# bench/RESULTS.md. Usage: bench/run.sh [RUNS]   (default 3)
# Each figure is the median of RUNS runs (ten times as many below 100k layers): elapsed time from bash's
# $EPOCHREALTIME around each run (no process forked to read the clock), peak resident memory from
# /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
[ -n "${EPOCHREALTIME:-}" ] || { echo "bench/run.sh: needs bash 5 or later (\$EPOCHREALTIME)" >&2; exit 2; }
swift build -c release --product netcalc > /dev/null
netcalc=.build/release/netcalc
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A Swift hello world built the same way, for the start-up that any Swift program pays.
mkdir -p "$work/hello/Sources/hello"
cat > "$work/hello/Package.swift" <<'SWIFT'
// swift-tools-version:6.0
import PackageDescription
let package = Package(name: "hello", targets: [.executableTarget(name: "hello")])
SWIFT
echo 'print("hello, world")' > "$work/hello/Sources/hello/main.swift"
swift build -c release --package-path "$work/hello" > /dev/null
hello=$work/hello/.build/release/hello

# Chains written out layer by layer: INPUT then N-1 more (CONV and RELU in turn).
chain() {
  { printf 'INPUT[32x32x16]\n'
    yes '  -> CONV(16,3,p1) -> RELU' | head -n $(( ($1 - 1) / 2 )) || true  # yes ends on SIGPIPE
    [ $(( ($1 - 1) % 2 )) = 1 ] && printf '  -> RELU\n'
    true; } > "$work/chain_$1.net"
}
for n in 1 1000 10000 100000 1000000; do chain $n; done  # chain_1 is INPUT alone: the start-up
# A deep residual network: 1,000 bottleneck blocks of 10 rows each, through a parametric block.
cat > "$work/residual.net" <<'SPEC'
@rounding floor
bottleneck(c) = ADD(CONV(c/4,1,nobias) -> BN -> RELU -> CONV(c/4,3,p1,nobias) -> BN -> RELU -> CONV(c,1,nobias) -> BN | ID) -> RELU
deep = INPUT[56x56x256] -> [bottleneck(256)]*1000 -> GAP -> FC(1000)
SPEC
# A heavily repeated spec: a short chain written once, expanded to 1,000,000 rows.
echo 'INPUT[32x32x16] -> [[CONV(16,3,p1) -> RELU]*1000]*500' > "$work/repeated.net"

# Other modes on inputs four times apart, for their growth: --emit pytorch on a spec of N block uses, and
# check on a sheet of N answers (a list of 4N numbers after INPUT, each run of four a shape answer).
emitting() {
  printf 'b(c) = CONV(c,3,p1) -> RELU\nr(c, n) = [b(c)]*n\nINPUT[8x8x8] -> [b(8) -> RELU]*%s -> r(8, %s)\n' "$1" "$1" > "$work/emit_$1.net"
}
answering() {
  { printf 'INPUT[8x8x1] {'; { yes 1 || true; } | head -n $(( $1 * 4 )) | paste -s -d, -; printf '}\n'; } > "$work/answers_$1.net"
}
for n in 4000 16000; do emitting $n; done
for n in 25000 100000; do answering $n; done

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
# The median microseconds of RUNS runs of a netcalc command line (its exit status is not the point).
timed() {
  local runs=$1 times=() start end
  shift
  for _ in $(seq "$runs"); do
    start=${EPOCHREALTIME//[!0-9]/}
    "$netcalc" "$@" > /dev/null 2>&1 || true
    end=${EPOCHREALTIME//[!0-9]/}
    times+=($((end - start)))
  done
  printf '%s\n' "${times[@]}" | median
}
measure() {  # FILE FORMAT RUNS -> "microseconds kilobytes"
  local times=() memories=() start end m
  for _ in $(seq "$3"); do
    start=${EPOCHREALTIME//[!0-9]/}
    /usr/bin/time -f '%M' -o "$work/time" "$netcalc" --format "$2" "$1" > /dev/null
    end=${EPOCHREALTIME//[!0-9]/}
    read -r m < "$work/time"
    times+=($((end - start))); memories+=("$m")
  done
  echo "$(printf '%s\n' "${times[@]}" | median) $(printf '%s\n' "${memories[@]}" | median)"
}

declare -A result
{
  echo "# Benchmark results"
  echo
  echo "Made by \`bench/run.sh $runs\` on $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m): the median of $runs runs"
  echo "($((runs * 10)) below 100k layers), process start to output written (to /dev/null), timed with bash's"
  echo "\`\$EPOCHREALTIME\` around \`/usr/bin/time\`, which gives the peak resident memory. \"After start-up\" takes"
  echo "away the time of chain_1 (INPUT alone) in the same format: what each layer adds."
  echo
  echo "| spec | layers | format | seconds | µs per layer | µs per layer after start-up | peak memory |"
  echo "|---|---:|---|---:|---:|---:|---:|"
  for case in chain_1:1 chain_1000:1000 chain_10000:10000 chain_100000:100000 chain_1000000:1000000 \
              residual:10003 repeated:1000001; do
    spec=${case%%:*}
    layers=${case#*:}  # rows in the table, INPUT included
    file="$work/$spec.net"
    reps=$runs
    [ "$layers" -lt 100000 ] && reps=$((runs * 10))
    for format in table json markdown csv; do
      read -r micros kilobytes <<< "$(measure "$file" "$format" "$reps")"
      seconds=$(awk -v u="$micros" 'BEGIN { printf "%.3f", u / 1e6 }')
      per=$(awk -v u="$micros" -v n="$layers" 'BEGIN { printf "%.2f", u / n }')
      net=–
      [ "$layers" -gt 1 ] && net=$(awk -v u="$micros" -v b="${result[chain_1.$format.micros]}" -v n="$layers" \
                                     'BEGIN { printf "%.2f", (u - b) / (n - 1) }')
      echo "| $spec | $layers | $format | $seconds | $per | $net | $((kilobytes / 1024)) MiB |"
      result["$spec.$format.micros"]=$micros
      result["$spec.$format.seconds"]=$seconds
      result["$spec.$format.net"]=$net
      result["$spec.$format.mib"]=$((kilobytes / 1024))
    done
  done
  echo
  # VGG16 and a hello world, process start to output: many runs, alternating so that the machine's noise
  # hits both, the medians, timed in microseconds.
  vgg=(); hi=()
  for _ in $(seq 201); do
    start=${EPOCHREALTIME//[!0-9]/}; "$hello" > /dev/null; end=${EPOCHREALTIME//[!0-9]/}
    hi+=($((end - start)))
    start=${EPOCHREALTIME//[!0-9]/}; "$netcalc" specs/vgg16.net > /dev/null; end=${EPOCHREALTIME//[!0-9]/}
    vgg+=($((end - start)))
  done
  vgg_median=$(printf '%s\n' "${vgg[@]}" | median)
  hello_median=$(printf '%s\n' "${hi[@]}" | median)
  echo "VGG16 (\`netcalc specs/vgg16.net\`), process start to table: median $vgg_median µs; a Swift hello world"
  echo "(\`print(\"hello, world\")\`, built with \`swift build -c release\` as netcalc is): median $hello_median µs."
  echo "201 runs of each, alternating, timed with bash's \`\$EPOCHREALTIME\` around each run, so both include"
  echo "starting the process from bash."
  echo
  # A model file with its weights against the same graph with them stripped (needs python3 and onnx).
  model_rows=""
  if python3 -c "import onnx, numpy" 2> /dev/null \
      && python3 tools/inflate_onnx.py Tests/NetCalcTests/Fixtures/onnx/vgg11.onnx "$work/vgg11_full.onnx"; then
    echo "## Model files"
    echo
    echo "VGG11's ONNX export with its weights ($(( $(stat -c %s "$work/vgg11_full.onnx") >> 20 )) MiB, made by \`tools/inflate_onnx.py\` from the"
    echo "stripped fixture) against the stripped fixture itself ($(stat -c %s Tests/NetCalcTests/Fixtures/onnx/vgg11.onnx) bytes): the same graph. Median of $runs runs, table."
    echo
    echo "| file | seconds | peak memory |"
    echo "|---|---:|---:|"
    for model in "$work/vgg11_full.onnx" Tests/NetCalcTests/Fixtures/onnx/vgg11.onnx; do
      read -r micros kb < <(measure "$model" table "$runs")
      echo "| $(basename "$model") | $(awk -v u="$micros" 'BEGIN { printf "%.3f", u / 1e6 }') | $((kb / 1024)) MiB |"
      model_rows+="$micros $kb "
    done
    echo
  fi
  # --emit pytorch and check on inputs four times apart: linear time is four times as long.
  emit_small=$(timed "$runs" --emit pytorch "$work/emit_4000.net")
  emit_large=$(timed "$runs" --emit pytorch "$work/emit_16000.net")
  check_small=$(timed "$runs" check "$work/answers_25000.net")
  check_large=$(timed "$runs" check "$work/answers_100000.net")
  echo "## Targets"
  echo
  verdict() { awk -v v="$1" -v t="$2" 'BEGIN { if (v <= t) print "met"; else printf "missed, %.2fx the target", v / t }'; }
  if [ -n "$model_rows" ]; then
    read -r full_micros full_kb _ <<< "$model_rows"
    echo "- a 500 MB model file (VGG11 with weights): $(awk -v u="$full_micros" 'BEGIN { printf "%.1f", u / 1000 }') ms (target 50 ms: $(verdict "$((full_micros / 1000))" 50)); $((full_kb / 1024)) MiB (target 30 MiB: $(verdict "$((full_kb / 1024))" 30))."
  fi
  ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
  for spec in chain_1000000 repeated; do
    for format in table json; do
      s=${result[$spec.$format.seconds]}; m=${result[$spec.$format.mib]}
      echo "- $spec, $format: $s s (target 2 s: $(verdict "$s" 2)); $m MiB (target 300 MiB: $(verdict "$m" 300))."
    done
    for format in markdown csv; do
      r=$(ratio "${result[$spec.$format.micros]}" "${result[$spec.table.micros]}")
      echo "- $spec, $format: ${result[$spec.$format.seconds]} s, ${r}x the table's ${result[$spec.table.seconds]} s (target within 1.5x: $(verdict "$r" 1.5))."
    done
  done
  for format in table json markdown csv; do
    a=${result[chain_1000.$format.net]}; b=${result[chain_10000.$format.net]}
    c=${result[chain_100000.$format.net]}; d=${result[chain_1000000.$format.net]}
    spread=$(printf '%s\n' "$a" "$b" "$c" "$d" | sort -g | awk 'NR == 1 { low = ($1 > 0 ? $1 : 0.01) } END { printf "%.2f", $1 / low }')
    echo "- time per layer after start-up, $format: $a µs at 1k, $b at 10k, $c at 100k and $d at 1M layers; the largest is ${spread}x the smallest (target flat, within 1.5x: $(verdict "$spread" 1.5))."
  done
  r=$(ratio "$emit_large" "$emit_small")
  echo "- \`--emit pytorch\` on 4,000 and 16,000 block uses: $(ratio "$emit_small" 1000) ms and $(ratio "$emit_large" 1000) ms, ${r}x for 4x the uses (target linear, under 5x: $(verdict "$r" 5))."
  r=$(ratio "$check_large" "$check_small")
  echo "- \`check\` on 25,000 and 100,000 answers in one list: $(ratio "$check_small" 1000) ms and $(ratio "$check_large" 1000) ms, ${r}x for 4x the answers (target linear, under 5x: $(verdict "$r" 5))."
  r=$(ratio "$vgg_median" "$hello_median")
  echo "- VGG16 from process start to table: $(ratio "$vgg_median" 1000) ms, ${r}x a Swift hello world's $(ratio "$hello_median" 1000) ms (target within 1.3x: $(verdict "$r" 1.3))."
  cat <<'NOTES'

## Where the time and memory go

Profiled with `perf record` and `valgrind --tool=massif` on the 1M-layer chain. A written-out chain
spends about a quarter of its time lexing and parsing (ten tokens a layer), a third walking the network
(each layer applied to its input and made a row) and a third writing the output; a repeated spec skips
most of the parsing. What made these fast (issue 13):

- Output goes to standard output in 64 KiB pieces as it is made, so no output is ever held whole, and
  writing stops as soon as the reader has gone.
- Calls written the same way share one parse of their arguments and one resolved layer, found by a
  number the parser gives each distinct call text (no dictionary of every call's position).
- A row is 248 bytes: counts and shapes in 64 bits, its small numbers and source offsets in 32, its
  text taken from its resolved layer. A chain element is 72 bytes. At the peak, the end of the walk,
  a million rows (200 MB) and the million chain elements (72 MB) are alive together, with the file, its
  line table and the liveness table: about 296 MiB.
- Renderers write digits and padding straight into bytes, and cells that repeat (byte sizes, share
  bars) are made once.

The machine is a shared 2-core VM: runs of the same command vary by up to 40% from one session to the
next, and by more while other work runs.
NOTES
  # Sections added by hand after a run (other ## headings) are carried over.
  if [ -f bench/RESULTS.md ]; then
    awk '/^## / { keep = ($0 != "## Targets" && $0 != "## Where the time goes" && $0 != "## Where the time and memory go" && $0 != "## Model files") } keep' bench/RESULTS.md | sed '1s/^/\n/'
  fi
} > bench/RESULTS.md.new
mv bench/RESULTS.md.new bench/RESULTS.md
cat bench/RESULTS.md
