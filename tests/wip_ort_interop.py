#!/usr/bin/env python3
"""test_ort_interop.py — the QDQ model `cliq quantize` writes for each ../shared model runs in ONNX
Runtime and gives what cliq's int8 plan gives (issue: post-training quantization, acceptance).

For every model in ../shared/models: quantize with cliq (method mse, 16 calibration images with the
model's preprocessing from MODELS.md), then on 3 held-out images preprocessed by cliq itself
(cliq_image_load through ctypes) run the saved file in ONNX Runtime (CPU, graph optimizations off,
so it executes the QDQ graph as written) and in cliq (int8 plan on the OpenCL device) and require:
  - equal top-1 on classifier outputs ([N, K] with K >= 2), and
  - at least 99% of output elements within one output quantum. An output read from a
    DequantizeLinear has that DQ's scale as its quantum; an output computed in float after the last
    DequantizeLinear (cliq keeps heads that feed only graph outputs in float) has the quantum an
    int8 quantization of it would have: max|ONNX Runtime output| / 127.5, and never less than the
    nearest upstream DequantizeLinear's scale.
Why not exact: cliq's int8 plan computes residual adds and requantization in fixed point (the
numerics contract), the file's semantics in float; at near-ties they round differently by one
quantum, and a flip deep in the network propagates. The differences are printed per model.
Prints per model the fraction within one quantum and the max difference. Skips (77) without
numpy/onnx/onnxruntime, ../shared, or the cliq binary.
"""
import os
import subprocess
import sys
import tempfile

SKIP = 77
passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL", what)
    return cond


try:
    import numpy as np
    import onnx
    import onnxruntime as ort
except ImportError as e:
    print("test_ort_interop: SKIPPED: needs numpy, onnx and onnxruntime (%s)" % e)
    sys.exit(SKIP)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cliq_ctypes  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get("CLIQ_SHARED_DIR") or os.path.join(HERE, "..", "..", "shared")
CLIQ = os.environ.get("CLIQ_BIN") or os.path.join(HERE, "..", "build", "cliq")
if not os.path.isdir(os.path.join(SHARED, "models")):
    print("test_ort_interop: SKIPPED: ../shared/models not found (set CLIQ_SHARED_DIR)")
    sys.exit(SKIP)
if not os.path.exists(CLIQ):
    print("test_ort_interop: SKIPPED: cliq binary not found (set CLIQ_BIN)")
    sys.exit(SKIP)
LIB = cliq_ctypes.find_lib()
if not LIB:
    print("test_ort_interop: SKIPPED: libcliq.so not found")
    sys.exit(SKIP)

IMAGENET = os.path.join(SHARED, "data", "imagenet-sample")
# Preprocessing per ../shared/models/MODELS.md: (cliq flags, ctypes preprocess fields, input shape, dims)
MODELS = {
    "ultraface_RFB-320": (["--size", "320x240", "--mean", "127,127,127", "--std", "128,128,128"],
                          dict(width=320, height=240, mean=(127,) * 3, std=(128,) * 3), (1, 3, 240, 320), None),
    "ultraface_slim-320": (["--size", "320x240", "--mean", "127,127,127", "--std", "128,128,128"],
                           dict(width=320, height=240, mean=(127,) * 3, std=(128,) * 3), (1, 3, 240, 320), None),
    "yunet": (["--size", "320x320", "--bgr", "--dims", "height=320,width=320"],
              dict(width=320, height=320, bgr=1), (1, 3, 320, 320), {"height": 320, "width": 320}),
    "blazeface_front_128": (["--size", "128x128", "--mean", "127.5,127.5,127.5", "--std", "127.5,127.5,127.5"],
                            dict(width=128, height=128, mean=(127.5,) * 3, std=(127.5,) * 3), (1, 128, 128, 3), None),
    "ppocr_cls_mobile_v2": (["--size", "192x48", "--bgr", "--mean", "127.5,127.5,127.5", "--std", "127.5,127.5,127.5",
                             "--dims", "p2o.DynamicDimension.1=48,p2o.DynamicDimension.2=192"],
                            dict(width=192, height=48, bgr=1, mean=(127.5,) * 3, std=(127.5,) * 3), (1, 3, 48, 192),
                            {"p2o.DynamicDimension.1": 48, "p2o.DynamicDimension.2": 192}),
    "mlsd_320_tiny": (["--size", "320x320"], dict(width=320, height=320), (1, 320, 320, 4), None),
    "super_resolution-10": (["--size", "224x224", "--gray", "--std", "255"],
                            dict(width=224, height=224, gray=1, std=(255,) * 3), (1, 1, 224, 224), None),
}


def preprocess(fields):
    p = cliq_ctypes.Preprocess()
    p.std[0] = p.std[1] = p.std[2] = 1.0
    for k, v in fields.items():
        if k in ("mean", "std"):
            for i in range(3):
                getattr(p, k)[i] = v[i]
        else:
            setattr(p, k, v)
    return p


def quanta(qpath):
    """Per graph output: (scale of the nearest upstream DequantizeLinear, its output name, direct?)."""
    m = onnx.load(qpath)
    prod = {o: n for n in m.graph.node for o in n.output}
    inits = {t.name: onnx.numpy_helper.to_array(t) for t in m.graph.initializer}
    res = {}
    for out in m.graph.output:
        frontier, seen, found = [out.name], set(), None
        while frontier and not found:
            name = frontier.pop(0)
            if name in seen or name not in prod:
                continue
            seen.add(name)
            n = prod[name]
            if n.op_type == "DequantizeLinear" and n.input[1] in inits and inits[n.input[1]].size == 1:
                found = (float(inits[n.input[1]]), n.output[0], name == out.name)
            else:
                frontier.extend(i for i in n.input if i)
        res[out.name] = found
    return m, res


def main():
    cl = cliq_ctypes.Cliq(LIB)
    names = sorted(l.split("\t")[0] for l in open(os.path.join(IMAGENET, "labels.tsv")) if l.strip() and not l.startswith("file"))
    held_out = [os.path.join(IMAGENET, n) for n in names[400:403]]
    tmp = tempfile.mkdtemp(prefix="cliq-interop-")
    for name, (flags, pre_fields, shape, dims) in MODELS.items():
        fpath = os.path.join(SHARED, "models", name, "model.onnx")
        if not os.path.exists(fpath):
            print("  %s: not in ../shared, skipped" % name)
            continue
        qpath = os.path.join(tmp, name + ".int8.onnx")
        r = subprocess.run([CLIQ, "quantize", fpath, "--calib", "imagenet:" + IMAGENET, "--limit", "16", "--method", "mse",
                            "-o", qpath] + flags, capture_output=True, text=True)
        if not check(r.returncode == 0, "%s: cliq quantize: %s" % (name, r.stderr.strip()[-400:])):
            continue
        qmodel, q = quanta(qpath)
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        sess = ort.InferenceSession(qpath, opts, providers=["CPUExecutionProvider"])
        # also expose upstream DQ outputs for the float-head scaling
        pre = preprocess(pre_fields)
        within = total = 0
        worst = 0.0
        top1_ok = True
        for img in held_out:
            x = cl.image(fpath, img, pre, shape)
            ours, _ = cl.run(qpath, [x], dims=dims)
            theirs = sess.run(None, {sess.get_inputs()[0].name: x})
            for k, out in enumerate(sess.get_outputs()):
                a, b = ours[k].astype(np.float64).ravel(), theirs[k].astype(np.float64).ravel()
                qinfo = q.get(out.name)
                quantum = qinfo[0] if qinfo and qinfo[2] else max(qinfo[0] if qinfo else 0.0, np.abs(b).max() / 127.5)
                diff = np.abs(a - b)
                within += int((diff <= quantum * (1 + 1e-6)).sum())
                total += diff.size
                worst = max(worst, float(diff.max() / quantum))
                if ours[k].ndim == 2 and ours[k].shape[1] >= 2 and ours[k].shape[0] == 1:
                    top1_ok &= int(np.argmax(ours[k])) == int(np.argmax(theirs[k]))
        frac = within / max(1, total)
        print("  %-22s %6.2f%% of %d elements within one output quantum (worst %.2f quanta)%s" %
              (name, 100 * frac, total, worst, "" if top1_ok else "; top-1 differs"))
        check(frac >= 0.99, "%s: %.2f%% of elements within one quantum (need 99%%)" % (name, 100 * frac))
        check(top1_ok, "%s: top-1 differs between cliq and ONNX Runtime" % name)
    print("test_ort_interop: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
