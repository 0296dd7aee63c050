#!/usr/bin/env python3
"""test_onnx_export_ort.py — a model cliq writes at a higher opset than some of its nodes keeps
their meaning in ONNX Runtime (host/onnx_upgrade.c; the C side is tests/test_onnx_export.c).

The model: Conv with its weight behind a per-axis DequantizeLinear (which needs opset 13), then
Softmax-11 at axis 1 over the rank-4 result (normalises C*H*W together), LogSoftmax-11 with the
default axis over a rank-3 view, ReduceSum-11 with the axes attribute; the batch is symbolic.
cliq loads it (declared opset 11) and saves it (cliq_model_save through ctypes): the file declares
opset 13 and must pass onnx.checker. ONNX Runtime runs the saved file and, as the reference, the
same model at opset 11 with the weights dequantized in numpy (no QDQ, so no rewrite); cliq runs the
saved file too. All three must agree to float rounding. Skips (77) without numpy, onnx,
onnxruntime or libcliq.
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as th  # noqa: E402
from harness import check  # noqa: E402

try:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    import onnxruntime as ort
except ImportError as e:
    th.skip("test_onnx_export_ort", "needs numpy, onnx and onnxruntime (%s)" % e)
import cliq_ctypes  # noqa: E402


def model(qdq, wq, scale):
    """Opset 11; qdq: the weight is DequantizeLinear(int8, per-channel scale, axis 0)."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 5, 6])
    outs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, d)
            for n, d in (("soft", ["N", 4, 5, 6]), ("logsoft", ["N", 4, 30]), ("rsum", ["N", 1, 5, 1]))]
    inits, nodes = [], []
    if qdq:
        inits += [numpy_helper.from_array(wq, "w_int8"), numpy_helper.from_array(scale, "w_scale")]
        nodes.append(helper.make_node("DequantizeLinear", ["w_int8", "w_scale"], ["w"], axis=0))
    else:
        inits.append(numpy_helper.from_array(wq.astype(np.float32) * scale[:, None, None, None], "w"))
    inits.append(numpy_helper.from_array(np.array([0, 4, 30], dtype=np.int64), "shape3"))
    nodes += [
        helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("Softmax", ["c"], ["soft"], axis=1),
        helper.make_node("Reshape", ["c", "shape3"], ["c3"]),
        helper.make_node("LogSoftmax", ["c3"], ["logsoft"]),
        helper.make_node("ReduceSum", ["c"], ["rsum"], axes=[1, 3], keepdims=1),
    ]
    g = helper.make_graph(nodes, "export_upgrade", [x], outs, inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 11)], ir_version=7)


def main():
    lib = cliq_ctypes.find_lib()
    if not lib:
        th.skip("test_onnx_export_ort", "libcliq.so not found (build first)")
    try:
        cq = cliq_ctypes.Cliq(lib)
    except cliq_ctypes.NoDevice as e:
        th.skip("test_onnx_export_ort", "no OpenCL device (%s)" % e)
    rng = np.random.default_rng(int(os.environ.get("CLIQ_TEST_SEED", "20240611")) % (2**32))
    wq = rng.integers(-127, 128, size=(4, 3, 3, 3)).astype(np.int8)
    scale = rng.uniform(0.01, 0.05, size=4).astype(np.float32)
    x = rng.uniform(-40, 40, size=(2, 3, 5, 6)).astype(np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        src, ref, out = (os.path.join(tmp, n) for n in ("qdq_opset11.onnx", "float_opset11.onnx", "saved.onnx"))
        onnx.save(model(True, wq, scale), src)
        onnx.save(model(False, wq, scale), ref)
        cq.save(src, out)
        saved = onnx.load(out)
        opset = [o.version for o in saved.opset_import if o.domain in ("", "ai.onnx")]
        check(opset == [13], "the saved model declares opset 13 (got %s)" % opset)
        try:
            onnx.checker.check_model(saved, full_check=True)
            check(True, "onnx.checker")
        except Exception as e:  # noqa: BLE001
            check(False, "onnx.checker rejects the saved model: %s" % e)
        ops = [n.op_type for n in saved.graph.node]
        check("Flatten" in ops and "Reshape" in ops, "Softmax-11 at axis 1 became Flatten/Softmax/Reshape: %s" % ops)
        so = ort.SessionOptions()
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        want = ort.InferenceSession(ref, so, providers=["CPUExecutionProvider"]).run(None, {"x": x})
        got_ort = ort.InferenceSession(out, so, providers=["CPUExecutionProvider"]).run(None, {"x": x})
        got_cliq, _ = cq.run(out, [x], dims={"N": x.shape[0]})
        for name, w, go, gc in zip(("soft", "logsoft", "rsum"), want, got_ort, got_cliq):
            tol = 1e-5 * max(1.0, float(np.abs(w).max()))
            check(go.shape == w.shape and np.abs(go - w).max() <= tol,
                  "%s: ONNX Runtime on the saved file vs the opset-11 model: max diff %g" % (name, np.abs(go - w).max()))
            check(gc.shape == w.shape and np.abs(gc - w).max() <= tol,
                  "%s: cliq on the saved file vs ONNX Runtime on the opset-11 model: max diff %g" % (name, np.abs(gc - w).max()))
        # the case must discriminate: Softmax at 13 over axis 1 alone differs
        s13 = helper.make_model(helper.make_graph(
            [helper.make_node("Softmax", ["c"], ["s"], axis=1)], "s13",
            [helper.make_tensor_value_info("c", TensorProto.FLOAT, None)],
            [helper.make_tensor_value_info("s", TensorProto.FLOAT, None)]),
            opset_imports=[helper.make_opsetid("", 13)], ir_version=7)
        conv_only = model(False, wq, scale)
        conv_only.graph.output.append(helper.make_tensor_value_info("c", TensorProto.FLOAT, None))
        conv_path = os.path.join(tmp, "conv.onnx")
        onnx.save(conv_only, conv_path)
        cval = ort.InferenceSession(conv_path, so, providers=["CPUExecutionProvider"]).run(["c"], {"x": x})[0]
        s13_path = os.path.join(tmp, "s13.onnx")
        onnx.save(s13, s13_path)
        naive = ort.InferenceSession(s13_path, so, providers=["CPUExecutionProvider"]).run(None, {"c": cval})[0]
        check(np.abs(naive - want[0]).max() > 1e-3, "Softmax-13 at axis 1 really means something else here")
    return th.finish("test_onnx_export_ort")


if __name__ == "__main__":
    sys.exit(main())
