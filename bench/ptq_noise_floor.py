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
import gzip
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
MODELS = ["mnist-8", "ultraface_RFB-320", "ultraface_slim-320", "yunet", "blazeface_front_128", "ppocr_cls_mobile_v2",
          "mlsd_320_tiny", "super_resolution-10"]
EXCLUDED = {"mlsd_320_tiny": {"scores"}}  # as bench/ptq_accuracy.sh: a peak mask, not a value


def model_setup(model):
    """(calibration source, cliq preprocessing flags, symbolic dims) from bench/model_setup.sh."""
    script = '. "$1"; SHARED="$2"; model_setup "$3" || exit 3; echo "$CALIB"; printf "%s\\n" "${PRE[@]}"; echo ";$DIMS"'
    r = subprocess.run(["bash", "-c", script, "-", os.path.join(HERE, "model_setup.sh"), SHARED, model],
                       capture_output=True, text=True, check=True)
    lines = r.stdout.splitlines()
    dims = dict(kv.split("=") for kv in lines[-1][1:].split(",") if kv)
    return lines[0], lines[1:-1], {k: int(v) for k, v in dims.items()}


def preprocess(flags, mean_shift=0.0):
    """cliq_preprocess fields from cliq's preprocessing flags (the subset model_setup.sh uses)."""
    p = cliq_ctypes.Preprocess()
    for c in range(3):
        p.std[c] = 1.0
    it = iter(flags)
    for f in it:
        if f == "--size":
            p.width, p.height = (int(v) for v in next(it).split("x"))
        elif f in ("--mean", "--std"):
            v = [float(x) for x in next(it).split(",")]
            for c in range(3):
                getattr(p, f[2:])[c] = v[c] if len(v) == 3 else v[0]
        elif f == "--bgr":
            p.bgr = 1
        elif f == "--gray":
            p.gray = 1
        else:
            raise SystemExit("ptq_noise_floor: preprocessing flag %s not handled" % f)
    for c in range(3):
        p.mean[c] += mean_shift
    return p


def inputs(model, path, sess, first, count):
    """[(x, dx)]: the preprocessed input and, per element, the change one gray level makes."""
    calib, flags, dims = model_setup(model)
    if calib.startswith("mnist:"):
        with gzip.open(os.path.join(calib[6:], "images-idx3-ubyte.gz"), "rb") as f:
            px = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
        return [(px[i * 784:(i + 1) * 784].astype(np.float32).reshape(1, 1, 28, 28), np.ones((1, 1, 28, 28), np.float32))
                for i in range(first, first + count)]
    shape = tuple(1 if i == 0 and not isinstance(d, int) else d if isinstance(d, int) else dims[d]
                  for i, d in enumerate(sess.get_inputs()[0].shape))
    names = sorted(l.split("\t")[0] for l in open(os.path.join(calib, "labels.tsv")) if l.strip() and not l.startswith("file"))
    p0, p1 = preprocess(flags), preprocess(flags, 1.0)
    out = []
    for n in names[first:first + count]:
        x = CL.image(path, os.path.join(calib, n), p0, shape)
        out.append((x, x - CL.image(path, os.path.join(calib, n), p1, shape)))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("models", nargs="*", default=MODELS)
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
                  if outs[k] not in EXCLUDED.get(model, ())}
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
    import cliq_ctypes
    if not os.path.isdir(os.path.join(SHARED, "models")):
        sys.exit("ptq_noise_floor: %s/models not found (set CLIQ_SHARED_DIR)" % SHARED)
    lib = cliq_ctypes.find_lib()
    if not lib:
        sys.exit("ptq_noise_floor: libcliq.so not found (build first)")
    CL = cliq_ctypes.Cliq(lib)
    sys.exit(main())
