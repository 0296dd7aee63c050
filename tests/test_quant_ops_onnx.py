#!/usr/bin/env python3
"""test_quant_ops_onnx.py — cliq's ONNX quantization ops against the ONNX reference implementation.

Random single-node models of QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, QLinearConv,
QLinearMatMul, ConvInteger and MatMulInteger (int8 and uint8, per-tensor and per-channel, constant
and runtime parameters, strides/pads/dilations/groups/auto_pad, batch broadcasting) are run by
onnx.reference.ReferenceEvaluator and by cliq on the OpenCL device and on the C reference; the
outputs must be identical (integers exactly, floats bit for bit). This validates the references of
host/ref/quant_linear.c and qlinear.c beyond the few ONNX node tests.
Skips (exit 77) without numpy/onnx or libcliq.
"""
import os
import sys
import tempfile

SKIP = 77
try:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from onnx.reference import ReferenceEvaluator
except Exception as e:  # noqa: BLE001
    print("test_quant_ops_onnx: SKIPPED: needs numpy and onnx (%s)" % e)
    sys.exit(SKIP)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cliq_ctypes import Cliq, NoDevice, find_lib  # noqa: E402

LIB = find_lib()
if not LIB:
    print("test_quant_ops_onnx: SKIPPED: libcliq.so not found (set CLIQ_BIN)")
    sys.exit(SKIP)
try:
    DEV = Cliq(LIB)
except NoDevice as e:
    print("test_quant_ops_onnx: SKIPPED: no OpenCL device: %s" % e)
    sys.exit(SKIP)
REF = Cliq(LIB, device="ref")

seed = int(os.environ.get("CLIQ_TEST_SEED", "0") or 0) or int.from_bytes(os.urandom(4), "little")
print("test_quant_ops_onnx: seed %d (replay with CLIQ_TEST_SEED=%d)" % (seed, seed))
rng = np.random.default_rng(seed)
passes = failures = 0
TP = {np.dtype(np.int8): TensorProto.INT8, np.dtype(np.uint8): TensorProto.UINT8, np.dtype(np.int32): TensorProto.INT32,
      np.dtype(np.float32): TensorProto.FLOAT}


def qrand(dt, shape):
    lo, hi = (-128, 127) if dt == np.int8 else (0, 255)
    return rng.integers(lo, hi + 1, shape).astype(dt)


def scale(shape=()):
    return np.ldexp(rng.uniform(0.5, 1.0, shape), rng.integers(-20, 5, shape)).astype(np.float32)


def check_case(tmp, name, op, inputs, attrs, runtime, opset=19):
    """inputs: list of (name, array or None); runtime: names fed at run time (the rest constant)."""
    global passes, failures
    node = helper.make_node(op, [n if a is not None else "" for n, a in inputs], ["y"], **attrs)
    feeds = [(n, a) for n, a in inputs if a is not None and n in runtime]
    inits = [numpy_helper.from_array(a, n) for n, a in inputs if a is not None and n not in runtime]
    graph = helper.make_graph([node], name, [helper.make_tensor_value_info(n, TP[a.dtype], a.shape) for n, a in feeds],
                              [helper.make_tensor_value_info("y", TensorProto.UNDEFINED, None)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 9
    path = os.path.join(tmp, name + ".onnx")
    onnx.save(model, path)
    want = ReferenceEvaluator(model).run(None, {n: a for n, a in feeds})[0]
    for label, c in (("device", DEV), ("reference", REF)):
        got = c.run(path, [a for _, a in feeds])[0][0]
        ok = got.dtype == want.dtype and got.shape == want.shape and got.tobytes() == np.ascontiguousarray(want).tobytes()
        if ok:
            passes += 1
        else:
            failures += 1
            bad = "shape/dtype %s %s vs %s %s" % (got.shape, got.dtype, want.shape, want.dtype)
            if got.shape == want.shape:
                idx = np.argwhere(got != want)
                bad = "%d of %d differ, first at %s: got %s want %s" % (len(idx), got.size, tuple(idx[0]), got[tuple(idx[0])],
                                                                     want[tuple(idx[0])]) if len(idx) else "bitwise (NaN/-0)"
            print("FAIL %s on the %s: %s (seed %d)" % (name, label, bad, seed))


def conv_cases(tmp):
    geoms = [((1, 3, 7, 9), 4, (3, 3), dict(pads=[1, 1, 1, 1])), ((2, 4, 8, 8), 6, (3, 3), dict(strides=[2, 2], group=2)),
             ((1, 8, 9, 7), 8, (3, 3), dict(group=8, dilations=[2, 1], pads=[2, 1, 2, 1])),
             ((1, 5, 7, 8), 3, (2, 4), dict(auto_pad="SAME_UPPER", strides=[2, 3])),
             ((1, 2, 13), 3, (3,), dict(pads=[1, 0])), ((1, 2, 4, 5, 3), 2, (2, 3, 2), dict())]
    for i, (xs, m, k, attrs) in enumerate(geoms):
        c, g = xs[1], attrs.get("group", 1)
        for xt, wt, yt in ((np.uint8, np.int8, np.uint8), (np.int8, np.int8, np.int8), (np.uint8, np.uint8, np.int8)):
            # the ONNX reference expands per-channel w_scale / w_zero_point for 2-D convolutions only
            per_ch = i % 2 == 0 and len(xs) == 4
            x, w = qrand(xt, xs), qrand(wt, (m, c // g) + k)
            xsc, wsc = scale(), scale((m,) if per_ch else ())
            taps = (c // g) * int(np.prod(k))
            ysc = np.float32(xsc * (wsc.flat[0]) * 60 * np.sqrt(taps))
            ins = [("x", x), ("x_scale", xsc), ("x_zero_point", qrand(xt, ())), ("w", w), ("w_scale", wsc),
                   ("w_zero_point", qrand(wt, (m,) if per_ch else ())), ("y_scale", np.array(ysc, np.float32)),
                   ("y_zero_point", qrand(yt, ())), ("B", rng.integers(-5000, 5000, (m,)).astype(np.int32) if i % 3 else None)]
            rt = {"x", "x_scale"} if i % 2 else {"x", "x_scale", "x_zero_point", "w", "w_scale", "y_scale", "y_zero_point", "B"}
            check_case(tmp, "qlinearconv_%d_%s%s%s" % (i, xt.__name__, wt.__name__, yt.__name__), "QLinearConv", ins, attrs, rt, 10)
            pc_i = per_ch
            ins_i = [("x", x), ("w", w), ("x_zero_point", qrand(xt, ())), ("w_zero_point", qrand(wt, (m,) if pc_i else ()))]
            check_case(tmp, "convinteger_%d_%s%s" % (i, xt.__name__, wt.__name__), "ConvInteger", ins_i, attrs, {"x", "w"}, 10)


def matmul_cases(tmp):
    shapes = [((4, 7), (7, 5)), ((2, 3, 6), (6, 4)), ((2, 1, 3, 5), (4, 5, 2)), ((7,), (7, 3)), ((3, 8), (8,))]
    for i, (sa, sb) in enumerate(shapes):
        for at, bt, yt in ((np.uint8, np.int8, np.uint8), (np.int8, np.int8, np.int8), (np.uint8, np.uint8, np.uint8)):
            a, b = qrand(at, sa), qrand(bt, sb)
            m = sa[-2] if len(sa) > 1 else 1
            n = sb[-1] if len(sb) > 1 else 1
            per = i % 2 == 1 and len(sa) > 1 and len(sb) > 1
            asc = scale((m, 1)) if per else scale(())
            bsc = scale((n,)) if per else scale(())
            ysc = np.float32(asc.flat[0] * bsc.flat[0] * 60 * np.sqrt(sa[-1]))
            ins = [("a", a), ("a_scale", asc), ("a_zero_point", qrand(at, (m, 1) if per else ())), ("b", b), ("b_scale", bsc),
                   ("b_zero_point", qrand(bt, (n,) if per else ())), ("y_scale", np.array(ysc, np.float32)),
                   ("y_zero_point", qrand(yt, ()))]
            rt = {"a"} if i % 2 else {n_ for n_, _ in ins}
            check_case(tmp, "qlinearmatmul_%d_%s%s%s" % (i, at.__name__, bt.__name__, yt.__name__), "QLinearMatMul", ins, {}, rt, 10)
            ins_i = [("A", a), ("B", b), ("a_zero_point", qrand(at, ())), ("b_zero_point", qrand(bt, (n,) if per else ()))]
            check_case(tmp, "matmulinteger_%d_%s%s" % (i, at.__name__, bt.__name__), "MatMulInteger", ins_i, {}, {"A", "B"}, 10)


def qdq_cases(tmp):
    for i, (shape, axis) in enumerate([((2, 3, 5, 4), None), ((2, 3, 5, 4), 1), ((6, 7), 0), ((1, 4, 3), -1), ((9,), None)]):
        for qt in (np.int8, np.uint8):
            n = shape[axis] if axis is not None else None
            s = scale((n,)) if n else scale(())
            z = qrand(qt, (n,) if n else ())
            bs = s.reshape([-1 if d == (axis % len(shape)) else 1 for d in range(len(shape))]) if n else s
            x = ((rng.integers(-300, 300, shape) + rng.choice([0.5, 0.25, -0.5, 0.0], shape)) * bs).astype(np.float32)
            attrs = {"axis": axis} if axis is not None else {}
            rt = {"x"} if i % 2 else {"x", "s", "z"}
            check_case(tmp, "quantizelinear_%d_%s" % (i, qt.__name__), "QuantizeLinear", [("x", x), ("s", s), ("z", z)], attrs, rt)
            q = qrand(qt, shape)
            check_case(tmp, "dequantizelinear_%d_%s" % (i, qt.__name__), "DequantizeLinear", [("x", q), ("s", s), ("z", z)], attrs, rt)
        x = (rng.standard_normal(shape) * rng.uniform(0.1, 10)).astype(np.float32)
        if i == 3:
            x = np.abs(x)
        node = helper.make_node("DynamicQuantizeLinear", ["x"], ["y", "ys", "yz"])
        graph = helper.make_graph([node], "dyn", [helper.make_tensor_value_info("x", TensorProto.FLOAT, x.shape)],
                                  [helper.make_tensor_value_info(o, TensorProto.UNDEFINED, None) for o in ("y", "ys", "yz")])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)])
        model.ir_version = 9
        path = os.path.join(tmp, "dyn%d.onnx" % i)
        onnx.save(model, path)
        want = ReferenceEvaluator(model).run(None, {"x": x})
        global passes, failures
        for label, c in (("device", DEV), ("reference", REF)):
            got = c.run(path, [x])[0]
            ok = all(np.asarray(g).dtype == np.asarray(w).dtype and np.asarray(g).tobytes() == np.asarray(w).tobytes()
                     for g, w in zip(got, want))
            passes += ok
            failures += not ok
            if not ok:
                print("FAIL DynamicQuantizeLinear %s on the %s: got scale %r zp %r, want %r %r (seed %d)" % (shape, label, got[1], got[2],
                                                                                                       want[1], want[2], seed))


def main():
    with tempfile.TemporaryDirectory() as tmp:
        qdq_cases(tmp)
        conv_cases(tmp)
        matmul_cases(tmp)
    print("test_quant_ops_onnx: %d passed, %d failed" % (passes, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
