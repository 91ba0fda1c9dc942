#!/usr/bin/env bash
# Gradescope runs this once when it builds the autograder's image, with the zip unpacked in
# /autograder/source. netcalc is linked with Swift's standard library inside it (gradescope/build.sh),
# so nothing is installed: this only checks that the binary runs on the image, and fails the build if not.
set -euo pipefail
root="${NETCALC_AUTOGRADER_ROOT:-/autograder}"
chmod +x "$root/source/netcalc" "$root/source/run_autograder"
"$root/source/netcalc" --version
# The key must grade: a key with errors fails here, at upload, not on every student's submission.
"$root/source/netcalc" check --key "$root/source/key.net" --format gradescope --no-pager "$root/source/key.net" > /dev/null || {
  status=$?
  [ "$status" = 1 ] || { echo "setup.sh: netcalc cannot grade with key.net (exit status $status)"; exit 1; }
}
