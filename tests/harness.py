"""harness.py — what the Python tests share, the Python side of tests/harness.{c,h}: checks that
count and print the failure, skipping with exit code 77 (ctest's SKIP_RETURN_CODE), and the summary
line with the exit code.

    import harness as th
    th.check(x == y, "what is checked: %s" % detail)
    th.skip("test_name", "why")          # exits 77
    sys.exit(th.finish("test_name"))     # prints "test_name: N passed, M failed"; 1 on failures
"""
import sys

SKIP = 77
passed = failed = 0


def check(cond, what):
    """Counts a check; a failed one prints FAIL and `what`. Returns cond."""
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL " + what, flush=True)
    return cond


def skip(name, why):
    print("%s: SKIPPED: %s" % (name, why), flush=True)
    sys.exit(SKIP)


def finish(name):
    print("%s: %d passed, %d failed" % (name, passed, failed), flush=True)
    return 1 if failed else 0
