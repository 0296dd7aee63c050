"""harness.py — what the Python tests share, the Python side of tests/harness.{c,h}: checks that
count and print the failure, skipping with exit code 77 (ctest's SKIP_RETURN_CODE), and the summary
line with the exit code.

    import harness as th
    th.check(x == y, "what is checked: %s" % detail)
    th.skip("test_name", "why")          # exits 77
    sys.exit(th.finish("test_name"))     # prints "test_name: N passed, M failed"; 1 on failures

and the helpers of the tests that run the cliq binary on MNIST-format data they write (numpy only
inside them, so a test that needs neither still imports this without numpy).
"""
import gzip
import os
import struct
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


def find_cliq():
    """The cliq binary: $CLIQ_BIN, ../build/cliq beside tests/, or ./cliq (ctest's working folder)."""
    here = os.path.dirname(os.path.abspath(__file__))
    for p in [os.environ.get("CLIQ_BIN"), os.path.join(here, "..", "build", "cliq"), os.path.join(os.getcwd(), "cliq")]:
        if p and os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    return None


def write_mnist(d, images):
    """IDX files as the MNIST distribution has them (gzip, big-endian headers), labels i % 10."""
    n = len(images)
    with gzip.open(os.path.join(d, "images-idx3-ubyte.gz"), "wb") as f:
        f.write(struct.pack(">IIII", 0x803, n, 28, 28) + images.astype("uint8").tobytes())
    with gzip.open(os.path.join(d, "labels-idx1-ubyte.gz"), "wb") as f:
        f.write(struct.pack(">II", 0x801, n) + bytes(i % 10 for i in range(n)))


def blobs(rng, n):
    """n smooth 28x28 images of random strokes in 0..255, like digits (not noise: activations
    have structure). rng: a numpy Generator."""
    import numpy as np
    y, x = np.mgrid[0:28, 0:28]
    out = np.zeros((n, 28, 28))
    for i in range(n):
        for _ in range(3):
            cy, cx, s = rng.uniform(6, 22), rng.uniform(6, 22), rng.uniform(2, 5)
            out[i] += 255 * np.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2 * s * s))
    return np.clip(out, 0, 255)
