#!/usr/bin/env python3
"""ptq_weights_floor.py — the SQNR a shared model keeps with int8 weights and every activation in
float: the floor no choice of activation ranges can beat (README, "Where the error comes from").

For each model: `cliq quantize` on the first 200 images (the calibrator of bench/ptq_sensitivity.sh,
--no-bias-correction so no bias is tuned to the activations' error), then in ONNX Runtime on images
300-399 (preprocessed by libcliq, as bench/ptq_accuracy.sh compares): the worst-output SQNR of the
int8 file as written, and of the same file with every activation QuantizeLinear/DequantizeLinear
pair removed (weights stay int8 behind their DequantizeLinear). mlsd is judged on offsets.

  CLIQ_SHARED_DIR=../shared python3 bench/ptq_weights_floor.py [--images 100] [MODEL...]

Bench-time only (numpy, onnx, onnxruntime); cliq never needs Python.
"""
import argparse
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
METHOD = {"yunet": "minmax", "blazeface_front_128": "minmax"}  # the best calibrator; mse otherwise


def without_activation_quantizers(m):
    """The model with every Q(x)->DQ pair of a computed tensor or input removed: readers read x."""
    inits = {t.name for t in m.graph.initializer}
    qs = {n.output[0]: n.input[0] for n in m.graph.node if n.op_type == "QuantizeLinear" and n.input[0] not in inits}
    ren = {n.output[0]: qs[n.input[0]] for n in m.graph.node if n.op_type == "DequantizeLinear" and n.input[0] in qs}
    for n in m.graph.node:
        for i, name in enumerate(n.input):
            if name in ren:
                n.input[i] = ren[name]
    for o in m.graph.output:
        if o.name in ren:
            raise RuntimeError("a graph output is read from an activation DequantizeLinear")
    return m, len(qs)


def worst(model, ref, got, names):
    db = {}
    for k, n in enumerate(names):
        if n in peer.EXCLUDED.get(model, ()):
            continue
        rr = sum(float((r[k].astype(np.float64) ** 2).sum()) for r in ref)
        dd = sum(float(((r[k].astype(np.float64) - g[k]) ** 2).sum()) for r, g in zip(ref, got))
        db[n] = 10 * np.log10(rr / dd) if dd > 0 else float("inf")
    return min(db.values())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("models", nargs="*", default=peer.ALL_MODELS)
    ap.add_argument("--images", type=int, default=100, help="images from #300 (default 100)")
    ap.add_argument("--cliq", default=os.path.join(HERE, "..", "build", "cliq"))
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="cliq-wfloor-")
    o = ort.SessionOptions()
    o.log_severity_level = 3
    o.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    print("%-22s %7s %10s %12s %12s" % ("model", "method", "quantizers", "int8 file", "weights only"))
    for model in a.models:
        fpath = os.path.join(SHARED, "models", model, "model.onnx")
        spec, dims, flags = peer.model_setup(SHARED, model)
        method = METHOD.get(model, "mse")
        qpath = os.path.join(work, model + ".onnx")
        r = subprocess.run([a.cliq, "quantize", fpath, "--calib", spec, "--limit", "200", "--method", method,
                            "--no-bias-correction", "-o", qpath] + flags, capture_output=True, text=True)
        if r.returncode != 0:
            print("%-22s FAIL %s" % (model, r.stderr.strip()[-200:]))
            continue
        fs = ort.InferenceSession(fpath, o, providers=["CPUExecutionProvider"])
        shape = tuple(1 if i == 0 and not isinstance(d, int) else d if isinstance(d, int) else dims[d]
                      for i, d in enumerate(fs.get_inputs()[0].shape))
        xs = peer.load_inputs(CL, spec, fpath, peer.preprocess(flags), shape, list(range(300, 300 + a.images)))
        name, outs = fs.get_inputs()[0].name, [x.name for x in fs.get_outputs()]
        ref = [fs.run(None, {name: x}) for x in xs]
        q = onnx.load(qpath)
        qs = ort.InferenceSession(q.SerializeToString(), o, providers=["CPUExecutionProvider"])
        w, n_q = without_activation_quantizers(q)
        ws = ort.InferenceSession(w.SerializeToString(), o, providers=["CPUExecutionProvider"])
        full = worst(model, ref, [qs.run(None, {name: x}) for x in xs], outs)
        floor = worst(model, ref, [ws.run(None, {name: x}) for x in xs], outs)
        print("%-22s %7s %10d %12.1f %12.1f" % (model, method, n_q, full, floor), flush=True)
    return 0


if __name__ == "__main__":
    SHARED = os.environ.get("CLIQ_SHARED_DIR") or os.path.join(HERE, "..", "..", "shared")
    try:
        import numpy as np
        import onnx
        import onnxruntime as ort
    except ImportError as e:
        sys.exit("ptq_weights_floor: needs numpy, onnx and onnxruntime (%s)" % e)
    import ptq_ort_peer as peer  # one reader of model_setup.sh, preprocessing flags and datasets
    CL = peer.script_setup("ptq_weights_floor", SHARED)
    sys.exit(main())
