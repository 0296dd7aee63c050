#!/usr/bin/env bash
# sanitize.sh — `make sanitize`: the C test programs built with AddressSanitizer and
# UndefinedBehaviorSanitizer (CMake option CLIQ_SANITIZE) in their own build folder. Fails on any
# ASan report (ASan stops the program) and on any UBSan "runtime error" outside Debian's stb
# headers (stb_image_write's shifts, used by tests to write images, are not ours to fix).
# Leak checking is off: the OpenCL ICD loader and PoCL keep allocations until exit.
# Of the Python tests, test_cli runs too, against the sanitized cliq binary (CLIQ_BIN): it
# captures the binary's stderr, so the sanitizers write their reports to files (log_path) that
# are checked afterwards. The other Python tests load libcliq into a Python built without ASan.
# usage: scripts/sanitize.sh [BUILD_DIR] [SHARED_DIR] [JOBS]
set -u
R=$(cd "$(dirname "$0")/.." && pwd)
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
if command -v python3 >/dev/null; then
  logs=$(pwd)/san-cli
  rm -rf "$logs" && mkdir -p "$logs"
  CLIQ_BIN=$(pwd)/cliq CLIQ_SHARED_DIR="$S" ASAN_OPTIONS=detect_leaks=0:log_path="$logs/asan" \
    UBSAN_OPTIONS=print_stacktrace=1:log_path="$logs/ubsan" python3 "$R/tests/test_cli.py" >"$logs/test_cli.out" 2>&1
  cli=$?
  tail -1 "$logs/test_cli.out"
  [ $cli -eq 0 ] || { echo "sanitize: test_cli failed under the sanitized cliq (see $logs/test_cli.out)"; rc=1; }
  if cat "$logs"/asan.* 2>/dev/null | grep -q .; then
    echo "sanitize: AddressSanitizer reports from cliq (test_cli):"
    cat "$logs"/asan.*
    rc=1
  fi
  ub=$(cat "$logs"/ubsan.* 2>/dev/null | grep "runtime error" | grep -v "/usr/include/stb/" | sort -u)
  if [ -n "$ub" ]; then
    echo "sanitize: undefined behaviour reported by cliq (test_cli):"
    echo "$ub"
    rc=1
  fi
fi
exit $rc
