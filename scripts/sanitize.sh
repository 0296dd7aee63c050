#!/usr/bin/env bash
# sanitize.sh — `make sanitize`: the C test programs built with AddressSanitizer and
# UndefinedBehaviorSanitizer (CMake option CLIQ_SANITIZE) in their own build folder. Fails on any
# ASan report (ASan stops the program) and on any UBSan "runtime error" outside Debian's stb
# headers (stb_image_write's shifts, used by tests to write images, are not ours to fix).
# Leak checking is off: the OpenCL ICD loader and PoCL keep allocations until exit.
# The Python tests are left out: they load libcliq into a Python built without ASan.
# usage: scripts/sanitize.sh [BUILD_DIR] [SHARED_DIR] [JOBS]
set -u
B=${1:-build-san} S=${2:-$(cd "$(dirname "$0")/../.." && pwd)/shared} J=${3:-2}
cmake -S "$(dirname "$0")/.." -B "$B" -DCMAKE_BUILD_TYPE=Debug -DCLIQ_SANITIZE=ON -DCLIQ_SHARED_DIR="$S" >/dev/null || exit 1
cmake --build "$B" -j "$J" || exit 1
cd "$B" || exit 1
ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 ctest -j "$J" -E '^py_' --output-on-failure
rc=$?
ub=$(grep -h "runtime error" Testing/Temporary/LastTest*.log 2>/dev/null | grep -v "/usr/include/stb/" | sort -u)
if [ -n "$ub" ]; then
  echo "sanitize: undefined behaviour reported:"
  echo "$ub"
  exit 1
fi
exit $rc
