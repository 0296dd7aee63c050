#!/usr/bin/env python3
"""ptq_noise_floor.py — how much SQNR a shared model's own float outputs keep when its input image
changes by a gray level or less: the yardstick for the int8 SQNR of bench/ptq_accuracy.sh.

Some models' outputs are ill-conditioned (a detector's objectness probabilities of ~1e-4 on photos
without faces, a line detector's offsets decoded from a peak map): their float outputs move by tens
of percent when the pixels move by one level out of 255, so no 8-bit quantization can keep 30 dB on
them. For each model this script runs the float model in ONNX Runtime on the same images as
bench/ptq_accuracy.sh compares on (imagenet-sample 300-399, mnist digits 300-399), preprocessed by
libcliq itself (tests/cliq_ctypes.py) with the flags of bench/model_setup.sh, once clean and once
with Gaussian noise of SD gray levels added to every pixel (before normalisation: noise / std per
channel; a constant channel such as M-LSD's ones gets none), and prints the worst-output SQNR (dB,
10*log10(sum y^2 / sum (y - y_noisy)^2) over all images, the same definition and the same excluded
output, mlsd's peak mask 'scores', as ptq_accuracy.sh).

  CLIQ_SHARED_DIR=../shared python3 bench/ptq_noise_floor.py [--sd 0.5,1] [--images 100] [MODEL...]

Bench-time only (numpy, onnxruntime); cliq never needs Python.
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def inputs(model, path, sess, first, count):
    """[(x, dx)]: the preprocessed inputs (bench/ptq_ort_peer.py's readers: the images cliq quantize /
    compare read) and, per element, the change one gray level makes."""
    spec, dims, flags = peer.model_setup(SHARED, model)
    shape = tuple(1 if i == 0 and not isinstance(d, int) else d if isinstance(d, int) else dims[d]
                  for i, d in enumerate(sess.get_inputs()[0].shape))
    idx = list(range(first, first + count))
    p0 = peer.preprocess(flags)
    p1 = peer.preprocess(flags)
    for c in range(3):
        p1.mean[c] += 1.0
    x0 = peer.load_inputs(CL, spec, path, p0, shape, idx)
    x1 = peer.load_inputs(CL, spec, path, p1, shape, idx)
    return [(a, a - b) for a, b in zip(x0, x1)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("models", nargs="*", default=peer.ALL_MODELS)
    ap.add_argument("--sd", default="0.5,1", help="noise SDs in gray levels (0..255), comma-separated")
    ap.add_argument("--images", type=int, default=100, help="images from #300 (default 100)")
    a = ap.parse_args()
    sds = [float(s) for s in a.sd.split(",")]
    rng = np.random.default_rng(0)
    print("%-22s %s   (worst-output SQNR dB of the float model with input noise; worst output)" %
          ("model", " ".join("%9s" % ("sd %g" % s) for s in sds)))
    for model in a.models:
        path = os.path.join(SHARED, "models", model, "model.onnx")
        o = ort.SessionOptions()
        o.log_severity_level = 3
        sess = ort.InferenceSession(path, o, providers=["CPUExecutionProvider"])
        name = sess.get_inputs()[0].name
        outs = [x.name for x in sess.get_outputs()]
        data = inputs(model, path, sess, 300, a.images)
        ref = [sess.run(None, {name: x}) for x, _ in data]
        row, worst_names = [], []
        for sd in sds:
            rr, dd = np.zeros(len(outs)), np.zeros(len(outs))
            for (x, dx), r in zip(data, ref):
                y = sess.run(None, {name: x + (rng.standard_normal(x.shape) * sd).astype(np.float32) * dx})
                for k in range(len(outs)):
                    rk = r[k].astype(np.float64)
                    rr[k] += (rk ** 2).sum()
                    dd[k] += ((rk - y[k]) ** 2).sum()
            db = {outs[k]: 10 * np.log10(rr[k] / dd[k]) if dd[k] > 0 else float("inf") for k in range(len(outs))
                  if outs[k] not in peer.EXCLUDED.get(model, ())}
            w = min(db, key=db.get)
            row.append(db[w])
            worst_names.append(w)
        print("%-22s %s   %s" % (model, " ".join("%9.1f" % v for v in row), ", ".join(sorted(set(worst_names)))), flush=True)
    return 0


if __name__ == "__main__":
    SHARED = os.environ.get("CLIQ_SHARED_DIR") or os.path.join(HERE, "..", "..", "shared")
    try:
        import numpy as np
        import onnxruntime as ort
    except ImportError as e:
        sys.exit("ptq_noise_floor: needs numpy and onnxruntime (%s)" % e)
    import ptq_ort_peer as peer  # one reader of model_setup.sh, preprocessing flags and datasets
    CL = peer.script_setup("ptq_noise_floor", SHARED)
    sys.exit(main())
