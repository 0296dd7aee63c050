#!/usr/bin/env python3
"""test_lower_qdq_ort.py — QDQ models written by ONNX Runtime's quantize_static, run by cliq.

For a small synthetic CNN and the shared models (when ../shared is present), float models are
quantized with onnxruntime.quantization.quantize_static (QDQ format, per-channel int8 weights,
uint8 and int8 activations) and run three ways: cliq with QDQ lowering (the int8 plan), cliq with
CLIQ_LOWER_QDQ=0 (float with fake quantization) and ONNX Runtime without graph optimizations
(fake quantization too). Checks:
  - cliq fake-quant agrees with ORT (same float semantics) within one output quantum almost
    everywhere;
  - the int8 plan agrees with fake quantization: the QDQ semantics up to int8 rounding, which may
    move an intermediate by one quantum and propagate: most outputs within 1 quantum, all within
    a few;
  - the int8 plan really is int8: the profile shows cliq's int8 ops and no float convolutions.
Skips (exit 77) without numpy/onnx/onnxruntime or libcliq; a model whose ops this tree does not
implement yet is reported as skipped. libcliq is used through ctypes (public API only).
"""
import logging
import os
import sys
import tempfile
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as th  # noqa: E402
from harness import check  # noqa: E402

NAME = "test_lower_qdq_ort"


def skip(msg):
    th.skip(NAME, msg)


try:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    import onnxruntime as ort
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
except Exception as e:  # noqa: BLE001
    skip("needs numpy, onnx and onnxruntime (%s)" % e)


from cliq_ctypes import Cliq, NoDevice, Unsupported, find_lib  # noqa: E402

logging.getLogger().setLevel(logging.ERROR)  # quantize_static's pre-processing advice
ort.set_default_logger_severity(3)
LIB = find_lib()
if not LIB:
    skip("libcliq.so not found (set CLIQ_BIN to the build's cliq binary)")
try:
    CLIQ = Cliq(LIB)
except NoDevice as e:
    skip("no OpenCL device: %s" % e)


def cliq_run(path, feeds, lowered):
    """(outputs, op types, device ms) of model `path`, lowered to int8 or in fake-quant float."""
    outs, prof = CLIQ.run(path, feeds, env=None if lowered else {"CLIQ_LOWER_QDQ": "0"}, runs=2)
    return outs, [p[0] for p in prof], sum(p[1] for p in prof)


class Reader(CalibrationDataReader):
    def __init__(self, name_shapes, n, seed):
        rng = np.random.default_rng(seed)
        self.data = [{k: rng.uniform(-1.5, 1.5, s).astype(np.float32) for k, s in name_shapes} for _ in range(n)]
        self.i = 0

    def get_next(self):
        if self.i >= len(self.data):
            return None
        self.i += 1
        return self.data[self.i - 1]


def synthetic_cnn(path):
    rng = np.random.default_rng(3)
    inits, nodes = [], []

    def w(name, shape, scale=0.2):
        inits.append(numpy_helper.from_array((rng.standard_normal(shape) * scale).astype(np.float32), name))
        return name

    nodes += [helper.make_node("Conv", ["x", w("w1", [16, 3, 3, 3]), w("b1", [16], 0.1)], ["c1"], pads=[1, 1, 1, 1]),
              helper.make_node("Relu", ["c1"], ["r1"]),
              helper.make_node("Conv", ["r1", w("w2", [16, 16, 3, 3], 0.1), w("b2", [16], 0.1)], ["c2"], pads=[1, 1, 1, 1]),
              helper.make_node("Add", ["c2", "r1"], ["a1"]),
              helper.make_node("Relu", ["a1"], ["r2"]),
              helper.make_node("MaxPool", ["r2"], ["p1"], kernel_shape=[2, 2], strides=[2, 2]),
              helper.make_node("Conv", ["p1", w("w3", [16, 1, 3, 3], 0.3), w("b3", [16], 0.1)], ["c3"], pads=[1, 1, 1, 1],
                               group=16),
              helper.make_node("Clip", ["c3", "lo", "hi"], ["r3"]),
              helper.make_node("Concat", ["r3", "p1"], ["cat"], axis=1),
              helper.make_node("AveragePool", ["cat"], ["ap"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
              helper.make_node("Sigmoid", ["ap"], ["sg"]),
              helper.make_node("Mul", ["ap", "sg"], ["sw"]),
              helper.make_node("GlobalAveragePool", ["sw"], ["gp"]),
              helper.make_node("Flatten", ["gp"], ["fl"]),
              helper.make_node("Gemm", ["fl", w("wf", [10, 32], 0.3), w("bf", [10], 0.1)], ["y"], transB=1)]
    inits += [numpy_helper.from_array(np.array(0.0, np.float32), "lo"), numpy_helper.from_array(np.array(6.0, np.float32), "hi")]
    g = helper.make_graph(nodes, "synthetic", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 17, 19])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    onnx.save(m, path)


def output_scales(qdq_path):
    """Scale of the DequantizeLinear producing each graph output (None when not a DQ)."""
    m = onnx.load(qdq_path)
    inits = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    prod = {o: n for n in m.graph.node for o in n.output}
    res = []
    for o in m.graph.output:
        n = prod.get(o.name)
        res.append(float(inits[n.input[1]]) if n is not None and n.op_type == "DequantizeLinear" and n.input[1] in inits else None)
    return res


def run_case(name, float_path, tmp, act_type, tol_fq, tol_q8, frac_q8, extra=None):
    """Quantizes with ORT (extra_options `extra`), runs and checks; returns (int8 outputs, launches)."""
    fm = onnx.load(float_path)
    if fm.opset_import[0].version < 13:  # per-axis QDQ needs opset 13; ORT's own upgrade stops at 11
        from onnx import version_converter
        fm = version_converter.convert_version(fm, 13)
        float_path = os.path.join(tmp, name + "_opset13.onnx")
        onnx.save(fm, float_path)
    inits = {i.name for i in fm.graph.initializer}
    inputs = [i for i in fm.graph.input if i.name not in inits]
    shapes = [(i.name, [d.dim_value if d.dim_value > 0 else 1 for d in i.type.tensor_type.shape.dim]) for i in inputs]
    qpath = os.path.join(tmp, "%s_%s%s.onnx" % (name, act_type, "_x" if extra else ""))
    quantize_static(float_path, qpath, Reader(shapes, 8, 1), quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QUInt8 if act_type == "u8" else QuantType.QInt8, weight_type=QuantType.QInt8,
                    extra_options=extra or {})
    rng = np.random.default_rng(7)
    feeds = [rng.uniform(-1.5, 1.5, s).astype(np.float32) for _, s in shapes]
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    ref = ort.InferenceSession(qpath, so, providers=["CPUExecutionProvider"]).run(None, {n: f for (n, _), f in zip(shapes, feeds)})
    label = "%s (%s activations%s)" % (name, act_type, ", %s" % extra if extra else "")
    try:
        q8, ops, ms8 = cliq_run(qpath, feeds, True)
        fq, ops_f, msf = cliq_run(qpath, feeds, False)
    except Unsupported as e:
        print("SKIPPED %s: %s" % (label, e))
        return None
    scales = output_scales(qpath)
    int8_ops = sorted(set(o for o in ops if o.startswith("Q") and o not in ("QuantizeLinear",)))
    float_convs = [o for o in ops if o.startswith("Conv") or o.startswith("Gemm") or o.startswith("MatMul")]
    print("  %s: %d launches int8 (%.2f ms: %s), %d fake-quant (%.2f ms)" % (label, len(ops), ms8, ", ".join(int8_ops),
                                                                          len(ops_f), msf))
    check(len(int8_ops) > 0 and not float_convs, "%s: the plan is int8 (ops %s)" % (label, " ".join(ops)))
    for i, (a, f, r) in enumerate(zip(q8, fq, ref)):
        s = scales[i] or 1e-3
        d_fq = np.abs(f.astype(np.float64) - r) / s
        d_q8 = np.abs(a.astype(np.float64) - f) / s
        within = float(np.mean(d_q8 <= 1.0001))
        print("    output %d: cliq fake-quant vs ORT max %.2f quanta; int8 vs fake-quant max %.2f quanta, %.2f%% within 1"
              % (i, d_fq.max(), d_q8.max(), 100 * within))
        check(float(np.mean(d_fq <= 1.0001)) >= 0.99 and d_fq.max() <= tol_fq,
              "%s output %d: cliq fake-quant vs ORT: max %.2f quanta" % (label, i, d_fq.max()))
        check(within >= frac_q8 and d_q8.max() <= tol_q8,
              "%s output %d: int8 vs fake-quant: max %.2f quanta, %.2f%% within 1" % (label, i, d_q8.max(), 100 * within))
    return q8, sorted(ops)


def main():
    print("test_lower_qdq_ort: onnxruntime %s, libcliq %s" % (ort.__version__, LIB))
    with tempfile.TemporaryDirectory() as tmp:
        syn = os.path.join(tmp, "synthetic.onnx")
        synthetic_cnn(syn)
        for act in ("u8", "s8"):
            one = run_case("synthetic", syn, tmp, act, 2, 4, 0.9)
            # DedicatedQDQPair: a Q/DQ pair per reader of a tensor (r1, p1 and ap have two); the
            # lowering merges twins, so the plan and its outputs are those of one pair per tensor
            ded = run_case("synthetic", syn, tmp, act, 2, 4, 0.9, {"DedicatedQDQPair": True})
            if one and ded:
                check(ded[1] == one[1], "%s, DedicatedQDQPair: the same kernel launches %s as one pair per tensor %s"
                      % (act, ded[1], one[1]))
                check(all(np.array_equal(a, b) for a, b in zip(ded[0], one[0])),
                      "%s, DedicatedQDQPair: outputs bit-identical to one pair per tensor" % act)
        shared = os.environ.get("CLIQ_SHARED_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared"))
        models = os.path.join(shared, "models")
        if not os.path.isdir(models):
            print("SKIPPED shared models: %s is absent" % models)
        else:
            for mname in ("mnist-8", "ultraface_slim-320"):
                p = os.path.join(models, mname, "model.onnx")
                if os.path.exists(p):
                    run_case(mname, p, tmp, "u8", 3, 12, 0.8)
    return th.finish(NAME)


if __name__ == "__main__":
    sys.exit(main())
