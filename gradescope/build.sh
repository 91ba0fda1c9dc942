#!/usr/bin/env bash
# Builds the zip to upload as a Gradescope autograder: gradescope/build.sh KEY.net [OUT.zip]
# It holds setup.sh, run_autograder, the key (as key.net) and netcalc built with Swift's standard
# library linked in (--static-swift-stdlib), so that it runs on Gradescope's image, which has no Swift.
# Build it on Linux x86_64 (Gradescope's machines are). The binary still needs the C library (as
# new as the build machine's: glibc 2.35 from Debian 12, which Ubuntu 22.04 has), libstdc++ and
# libgcc_s. The course settings are at the top of run_autograder. NETCALC_BINARY=PATH zips that binary as it is instead of building one (the test
# suite gives its debug build).
set -euo pipefail
[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: gradescope/build.sh KEY.net [OUT.zip]" >&2; exit 2; }
key=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
out=${2:-autograder.zip}
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
cd "$(dirname "$0")/.."
if [ -n "${NETCALC_BINARY:-}" ]; then
  binary=$NETCALC_BINARY
else
  swift build -c release --static-swift-stdlib --product netcalc
  binary="$(swift build -c release --static-swift-stdlib --show-bin-path)/netcalc"
  if ldd "$binary" 2>/dev/null | grep -q libswift; then
    echo "build.sh: $binary still needs Swift's runtime libraries:" >&2
    ldd "$binary" >&2
    exit 1
  fi
fi
staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
cp gradescope/setup.sh gradescope/run_autograder "$staging/"
cp "$key" "$staging/key.net"
cp "$binary" "$staging/netcalc"
chmod +x "$staging/setup.sh" "$staging/run_autograder" "$staging/netcalc"
"$staging/netcalc" check --key "$staging/key.net" --no-pager "$staging/key.net" > /dev/null || [ $? = 1 ] \
  || { echo "build.sh: netcalc cannot grade with $1" >&2; exit 1; }
rm -f "$out"
(cd "$staging" && python3 -m zipfile -c "$out" setup.sh run_autograder key.net netcalc)
echo "wrote $out: upload it as the assignment's autograder (Configure Autograder, zip file upload)"
