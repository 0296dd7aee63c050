#!/usr/bin/env python3
"""test_qdq_export.py — the int8 models `cliq quantize` writes are standard ONNX that other runtimes run.

For a small float CNN built here (Conv+bias, Relu, MaxPool, Conv, Add of a per-channel constant,
GlobalAveragePool, MatMul + Add) and calibration images written as an MNIST-format dataset, and for
../shared's mnist-8 when present:
  - `cliq quantize` succeeds for every method and granularity option;
  - onnx.checker.check_model(full_check=True) accepts the model;
  - its structure is the documented QDQ form: int8 weights behind per-axis DequantizeLinear, int32
    biases, int8 Q/DQ pairs, no Q/DQ between a Conv and its Relu, preprocessing and quantization
    metadata;
  - ONNX Runtime runs it and its outputs are close to the float model's (SQNR);
  - `cliq compare` reports the SQNR ONNX Runtime measures (cliq runs the QDQ model the same way).
Skips (exit 77) without numpy/onnx/onnxruntime, without the cliq binary, or when this build lacks
an op the models need (e.g. QuantizeLinear before the int8 ops are merged).
"""
import json
import os
import subprocess
import sys
import tempfile

import harness as th
from harness import check


def skip(why):
    th.skip("test_qdq_export", why)


try:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    import onnxruntime as ort
except ImportError as e:
    skip("needs numpy, onnx and onnxruntime (%s)" % e)


CLIQ = th.find_cliq()
if not CLIQ:
    skip("the cliq binary was not found (set CLIQ_BIN)")
rng = np.random.default_rng(int(os.environ.get("CLIQ_TEST_SEED", "1234")) % (2**32))
print("test_qdq_export: cliq %s, onnxruntime %s, onnx %s" % (CLIQ, ort.__version__, onnx.__version__), flush=True)


def small_cnn(path):
    def init(name, a):
        return numpy_helper.from_array(a.astype(np.float32), name)

    w1 = rng.normal(0, 0.05, (8, 1, 3, 3))
    b1 = rng.normal(0, 0.5, (8,))
    w2 = rng.normal(0, 0.1, (16, 8, 3, 3))
    c2 = rng.normal(0, 0.5, (1, 16, 1, 1))
    w3 = rng.normal(0, 0.3, (16, 10))
    b3 = rng.normal(0, 0.1, (1, 10))
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node("MaxPool", ["r1"], ["p1"], name="pool1", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["p1", "w2"], ["c2"], name="conv2"),
        helper.make_node("Add", ["c2", "c2b"], ["a2"], name="bias2"),
        helper.make_node("Relu", ["a2"], ["r2"], name="relu2"),
        helper.make_node("GlobalAveragePool", ["r2"], ["g"], name="gap"),
        helper.make_node("Flatten", ["g"], ["f"], name="flat"),
        helper.make_node("MatMul", ["f", "w3"], ["m"], name="fc"),
        helper.make_node("Add", ["m", "b3"], ["y"], name="fc_bias"),
    ]
    g = helper.make_graph(
        nodes, "small_cnn",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 28, 28])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])],
        [init("w1", w1), init("b1", b1), init("w2", w2), init("c2b", c2), init("w3", w3), init("b3", b3)])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="test_qdq_export")
    m.ir_version = 8
    onnx.checker.check_model(m)
    onnx.save(m, path)


def cliq(*args):
    return subprocess.run([CLIQ] + list(args), capture_output=True, text=True, timeout=600)


def ort_outputs(path, x):
    s = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    name = s.get_inputs()[0].name
    return [s.run(None, {name: x[i:i + 1]}) for i in range(len(x))]


def sqnr_db(ref, got):
    """Per output, over all images: 10 log10(sum ref^2 / sum (ref - got)^2)."""
    out = []
    for k in range(len(ref[0])):
        r = sum(float((a[k].astype(np.float64) ** 2).sum()) for a in ref)
        d = sum(float(((a[k].astype(np.float64) - b[k]) ** 2).sum()) for a, b in zip(ref, got))
        out.append(10 * np.log10(r / d) if d > 0 else float("inf"))
    return out


def check_structure(q, what, per_tensor=False, asym_w=False, sym_act=False):
    init = {t.name: numpy_helper.to_array(t) for t in q.graph.initializer}
    prod = {o: n for n in q.graph.node for o in n.output}
    meta = {p.key: p.value for p in q.metadata_props}
    ok = True
    for n in q.graph.node:
        if n.op_type not in ("Conv", "Gemm", "MatMul"):
            continue
        dq = prod.get(n.input[1])
        ok &= check(dq is not None and dq.op_type == "DequantizeLinear", "%s: %s weight behind a DequantizeLinear" % (what, n.name))
        if not dq:
            continue
        wq, ws, wz = init.get(dq.input[0]), init.get(dq.input[1]), init.get(dq.input[2])
        ok &= check(wq is not None and wq.dtype == np.int8, "%s: %s weight is int8" % (what, n.name))
        axis = [a.i for a in dq.attribute if a.name == "axis"]
        if per_tensor:
            ok &= check(ws.ndim == 0, "%s: %s per-tensor weight scale" % (what, n.name))
        else:
            ok &= check(ws.ndim == 1 and len(axis) == 1 and ws.shape[0] == wq.shape[axis[0]],
                        "%s: %s per-channel weight scale along axis %s" % (what, n.name, axis))
        if not asym_w:
            ok &= check(not np.any(wz) and wq.min() >= -127, "%s: %s symmetric weights in [-127,127]" % (what, n.name))
        if len(n.input) > 2 and n.input[2]:
            db = prod.get(n.input[2])
            bq = init.get(db.input[0]) if db is not None else None
            ok &= check(bq is not None and bq.dtype == np.int32, "%s: %s bias is int32 behind a DequantizeLinear" % (what, n.name))
    for n in q.graph.node:
        if n.op_type == "Relu":
            p = prod.get(n.input[0])
            ok &= check(p is not None and p.op_type in ("Conv", "Gemm"), "%s: %s reads its Conv directly (no Q/DQ inside)" % (what, n.name))
        if n.op_type == "QuantizeLinear":
            z = init[n.input[2]]
            ok &= check(z.dtype == np.int8 and (not sym_act or z == 0), "%s: activation zero point int8%s" % (what, " and 0" if sym_act else ""))
    ok &= check("cliq.quantize.method" in meta and "cliq.preprocess.mean" in meta, "%s: metadata has cliq.quantize.* and cliq.preprocess.*" % what)
    return ok


def main():
    tmp = tempfile.mkdtemp(prefix="cliq_qdq_")
    data = os.path.join(tmp, "digits")
    os.makedirs(data)
    imgs = th.blobs(rng, 48)
    th.write_mnist(data, imgs)
    fpath = os.path.join(tmp, "small.onnx")
    small_cnn(fpath)
    x = imgs[32:].reshape(-1, 1, 28, 28).astype(np.float32)  # held out: calibration uses 32
    ref = ort_outputs(fpath, x)

    variants = [("mse", []), ("minmax", []), ("percentile:99.99", []), ("entropy", []), ("auto", []),
                ("mse", ["--per-tensor"]), ("mse", ["--asymmetric-weights"]), ("mse", ["--symmetric-activations"])]
    for method, extra in variants:
        what = "small CNN, %s %s" % (method, " ".join(extra))
        qpath = os.path.join(tmp, "small.%s%s.int8.onnx" % (method.replace(":", "_"), "".join(extra)))
        r = cliq("quantize", fpath, "--calib", "mnist:" + data, "--limit", "32", "--method", method, "-o", qpath, "--json", *extra)
        if r.returncode != 0 and "not supported by cliq" in r.stderr:
            skip("this build lacks an op the test models need: " + r.stderr.strip().splitlines()[-1])
        if not check(r.returncode == 0, "%s: cliq quantize exit %d: %s" % (what, r.returncode, r.stderr.strip())):
            continue
        rep = json.loads(r.stdout)
        check(rep["images"] == 32 and rep["quantized_ops"] > 0, "%s: report %s" % (what, r.stdout.strip()))
        q = onnx.load(qpath)
        try:
            onnx.checker.check_model(q, full_check=True)
            check(True, "checker")
        except Exception as e:  # noqa: BLE001 — any checker complaint is a failure
            check(False, "%s: onnx.checker: %s" % (what, e))
        check_structure(q, what, per_tensor="--per-tensor" in extra, asym_w="--asymmetric-weights" in extra,
                        sym_act="--symmetric-activations" in extra)
        got = ort_outputs(qpath, x)
        s = sqnr_db(ref, got)
        print("  %-40s ONNX Runtime SQNR %s dB" % (what, " ".join("%.1f" % v for v in s)), flush=True)
        check(min(s) > 25, "%s: ONNX Runtime output SQNR %.1f dB > 25" % (what, min(s)))
        if method == "mse" and not extra:
            c = cliq("compare", fpath, qpath, "--images", "mnist:" + data, "--skip", "32", "--json")
            if check(c.returncode == 0, "cliq compare exit %d: %s" % (c.returncode, c.stderr.strip())):
                cs = json.loads(c.stdout)["min_sqnr_db"]
                check(abs(cs - min(s)) < 0.5, "cliq compare says %.2f dB, ONNX Runtime %.2f dB" % (cs, min(s)))

    # --target-sqnr (calib/fallback.c): bypassed quantizers leave a QDQ file the checker accepts and
    # ONNX Runtime runs as cliq does, with that many fewer activation QuantizeLinear nodes
    def act_q(m):
        inits = {t.name for t in m.graph.initializer}
        return sum(1 for n in m.graph.node if n.op_type == "QuantizeLinear" and n.input[0] not in inits)
    plain = os.path.join(tmp, "small.mse.int8.onnx")
    qpath = os.path.join(tmp, "small.target.int8.onnx")
    r = cliq("quantize", fpath, "--calib", "mnist:" + data, "--limit", "32", "--target-sqnr", "150", "--max-float", "2",
             "-o", qpath, "--json")
    if check(r.returncode == 0 and os.path.exists(plain), "--target-sqnr: cliq quantize: %s" % r.stderr.strip()):
        rep = json.loads(r.stdout)
        q = onnx.load(qpath)
        try:
            onnx.checker.check_model(q, full_check=True)
            check(True, "checker")
        except Exception as e:  # noqa: BLE001
            check(False, "--target-sqnr: onnx.checker: %s" % e)
        meta = {p.key: p.value for p in q.metadata_props}
        check(rep["float_activations"] <= 2 and act_q(onnx.load(plain)) - act_q(q) == rep["float_activations"] and
              "cliq.fallback.sqnr_db" in meta,
              "--target-sqnr: %s activations in float, the file has that many fewer: %d vs %d" %
              (rep["float_activations"], act_q(q), act_q(onnx.load(plain))))
        s = sqnr_db(ref, ort_outputs(qpath, x))
        c = cliq("compare", fpath, qpath, "--images", "mnist:" + data, "--skip", "32", "--json")
        if check(c.returncode == 0, "cliq compare exit %d: %s" % (c.returncode, c.stderr.strip())):
            cs = json.loads(c.stdout)["min_sqnr_db"]
            print("  %-40s ONNX Runtime SQNR %.1f dB, cliq %.1f dB" % ("small CNN, --target-sqnr 150 --max-float 2", min(s), cs))
            check(abs(cs - min(s)) < 0.5, "--target-sqnr: cliq compare says %.2f dB, ONNX Runtime %.2f dB" % (cs, min(s)))

    shared = os.environ.get("CLIQ_SHARED_DIR")
    mnist = os.path.join(shared or "", "models", "mnist-8", "model.onnx")
    if shared and os.path.isfile(mnist) and os.path.isdir(os.path.join(shared, "data", "mnist")):
        qpath = os.path.join(tmp, "mnist-8.int8.onnx")
        r = cliq("quantize", mnist, "--calib", "mnist:" + os.path.join(shared, "data", "mnist"), "--limit", "200", "-o", qpath)
        if check(r.returncode == 0, "mnist-8: cliq quantize: " + r.stderr.strip()):
            q = onnx.load(qpath)
            onnx.checker.check_model(q, full_check=True)
            check_structure(q, "mnist-8")
            xs = imgs.reshape(-1, 1, 28, 28).astype(np.float32)
            s = sqnr_db(ort_outputs(mnist, xs), ort_outputs(qpath, xs))
            print("  %-40s ONNX Runtime SQNR %.1f dB" % ("mnist-8, mse", s[0]), flush=True)
            check(s[0] > 30, "mnist-8: ONNX Runtime SQNR %.1f dB > 30" % s[0])
    else:
        print("  (../shared absent: mnist-8 not checked)")
    return th.finish("test_qdq_export")


sys.exit(main())
