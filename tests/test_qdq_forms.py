#!/usr/bin/env python3
"""test_qdq_forms.py — one QDQ model in the forms other exporters write gives cliq the same int8 plan
(issue: post-training quantization, "Loading a QDQ model, ours or one from onnxruntime.quantization,
a PyTorch export or a QAT flow, gives the same int8 plan").

A model `cliq quantize` wrote ("ours") is rewritten, keeping every number it means, into:
  - pytorch: what torch.onnx.export writes for a fake-quantized (QAT or PTQ) model: float weights
    quantized in the graph (float initializer -> QuantizeLinear -> DequantizeLinear, per axis), the
    bias a float initializer read by the Conv/Gemm directly, uint8 activations (zero points + 128),
    scales and zero points from Constant nodes instead of initializers;
  - dedicated: ONNX Runtime's DedicatedQDQPair option: each reader of an activation gets its own
    QuantizeLinear/DequantizeLinear pair.
Each form must pass onnx.checker, run in cliq with the same outputs bit for bit as ours (cliq
compare: infinite SQNR on every output) and the same int8 plan (cliq bench --json: the same op
types with the same launch counts). Models: a small CNN built here (Conv+bias+Relu, depthwise
Conv, residual Add, Sigmoid table, GlobalAveragePool, Gemm), calibrated on MNIST-format images
written here; with ../shared also yunet, ppocr_cls_mobile_v2 (HardSwish tables, Softmax) and
mlsd_320_tiny (NHWC input, Resize, Concat). Skips (77) without numpy/onnx or the cliq binary.
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as th  # noqa: E402

NAME = "test_qdq_forms"
try:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
except ImportError as e:
    th.skip(NAME, "needs numpy and onnx (%s)" % e)

CLIQ = th.find_cliq()
if not CLIQ:
    th.skip(NAME, "the cliq binary was not found (set CLIQ_BIN)")
HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get("CLIQ_SHARED_DIR") or os.path.join(HERE, "..", "..", "shared")
rng = np.random.default_rng(int(os.environ.get("CLIQ_TEST_SEED", "4321")) % (2**32))

# shared model -> (quantize/compare flags, bench dims)
SHARED_MODELS = {
    "yunet": (["--size", "320x320", "--bgr"], "height=320,width=320"),
    "ppocr_cls_mobile_v2": (["--size", "192x48", "--bgr", "--mean", "127.5,127.5,127.5", "--std", "127.5,127.5,127.5"],
                            "p2o.DynamicDimension.1=48,p2o.DynamicDimension.2=192"),
    "mlsd_320_tiny": (["--size", "320x320"], None),
}


def cliq(*args):
    return subprocess.run([CLIQ] + list(args), capture_output=True, text=True, timeout=600)


def small_cnn(path):
    def init(name, a):
        return numpy_helper.from_array(a.astype(np.float32), name)

    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node("Conv", ["r1", "w2", "b2"], ["c2"], name="dw", pads=[1, 1, 1, 1], group=8),
        helper.make_node("Relu", ["c2"], ["r2"], name="relu2"),
        helper.make_node("Add", ["r1", "r2"], ["a"], name="residual"),
        helper.make_node("Conv", ["a", "w3", "b3"], ["c3"], name="conv3", strides=[2, 2]),
        helper.make_node("Sigmoid", ["c3"], ["s3"], name="sig3"),
        helper.make_node("GlobalAveragePool", ["s3"], ["g"], name="gap"),
        helper.make_node("Flatten", ["g"], ["f"], name="flat"),
        helper.make_node("Gemm", ["f", "w4", "b4"], ["y"], name="fc", transB=1),
    ]
    inits = [init("w1", rng.normal(0, 0.05, (8, 1, 3, 3))), init("b1", rng.normal(0, 0.5, (8,))),
             init("w2", rng.normal(0, 0.3, (8, 1, 3, 3))), init("b2", rng.normal(0, 0.2, (8,))),
             init("w3", rng.normal(0, 0.2, (12, 8, 3, 3))), init("b3", rng.normal(0, 0.2, (12,))),
             init("w4", rng.normal(0, 0.3, (10, 12))), init("b4", rng.normal(0, 0.1, (10,)))]
    g = helper.make_graph(nodes, "small_cnn", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 28, 28])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name=NAME)
    m.ir_version = 8
    onnx.checker.check_model(m)
    onnx.save(m, path)


def pytorch_form(m):
    """Rewrites model m (ours) in place as torch.onnx.export writes a fake-quantized model."""
    g = m.graph
    init = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    nodes, drop, add, made = [], set(), [], set()

    def constant(name, value):
        out = name + "_const"
        if out not in made:
            made.add(out)
            nodes.append(helper.make_node("Constant", [], [out], name=out, value=numpy_helper.from_array(value, out + "_value")))
        return out

    for n in g.node:
        if n.op_type == "DequantizeLinear" and n.input[0] in init:
            q, s = init[n.input[0]], init[n.input[1]]
            z = init[n.input[2]] if len(n.input) > 2 and n.input[2] else np.zeros(s.shape, q.dtype)
            axis = next((a.i for a in n.attribute if a.name == "axis"), 1)
            drop.add(n.input[0])
            if q.dtype == np.int32:  # a bias: the float value, read directly
                add.append(numpy_helper.from_array((q.astype(np.float64) * s).astype(np.float32), n.output[0]))
                continue
            shape = [1] * q.ndim
            if s.size > 1:
                shape[axis % q.ndim] = -1
            w = ((q.astype(np.float32) - z.reshape(shape).astype(np.float32)) * s.reshape(shape)).astype(np.float32)
            add.append(numpy_helper.from_array(w, n.input[0] + "_float"))
            nodes.append(helper.make_node("QuantizeLinear", [n.input[0] + "_float", n.input[1], n.input[2]], [n.input[0]],
                                          name=n.name + "_weight_q", axis=axis))
        elif n.op_type in ("QuantizeLinear", "DequantizeLinear"):
            s, z = init[n.input[1]], init[n.input[2]]
            if z.dtype == np.int8:
                z = (z.astype(np.int32) + 128).astype(np.uint8)
            n.input[1] = constant(n.input[1], s)
            n.input[2] = constant(n.input[2] + "_u8", z)
        nodes.append(n)
    keep = [t for t in g.initializer if t.name not in drop] + add
    del g.initializer[:]
    g.initializer.extend(keep)
    del g.node[:]
    g.node.extend(nodes)
    del g.value_info[:]


def dedicated_form(m):
    """Rewrites model m (ours) in place with one Q/DQ pair per reader of each activation."""
    g = m.graph
    init = {t.name for t in g.initializer}
    readers = {}
    for n in g.node:
        for i in n.input:
            readers.setdefault(i, []).append(n)
    outputs = {o.name for o in g.output}
    nodes = []
    for n in g.node:
        nodes.append(n)
        if n.op_type != "QuantizeLinear" or n.input[0] in init:
            continue
        dqs = readers.get(n.output[0], [])
        if len(dqs) != 1 or dqs[0].op_type != "DequantizeLinear" or dqs[0].output[0] in outputs:
            continue
        users = readers.get(dqs[0].output[0], [])
        for k, u in enumerate(users[1:], 1):  # the first reader keeps the original pair
            q = helper.make_node("QuantizeLinear", list(n.input), ["%s_q%d" % (n.output[0], k)], name="%s_q%d" % (n.name, k))
            dq = helper.make_node("DequantizeLinear", [q.output[0]] + list(dqs[0].input[1:]),
                                  ["%s_dq%d" % (dqs[0].output[0], k)], name="%s_dq%d" % (dqs[0].name, k))
            nodes += [q, dq]
            for j, i in enumerate(u.input):
                if i == dqs[0].output[0]:
                    u.input[j] = dq.output[0]
    # a reader may now come before its dedicated pair: sort topologically
    ready = set(init) | {i.name for i in g.input} | {""}
    ordered, pending = [], nodes
    while pending:
        rest = []
        for n in pending:
            if all(i in ready for i in n.input):
                ordered.append(n)
                ready.update(n.output)
            else:
                rest.append(n)
        if len(rest) == len(pending):
            raise RuntimeError("dedicated_form: a cycle")
        pending = rest
    del g.node[:]
    g.node.extend(ordered)


def plan_ops(path, dims):
    r = cliq("bench", path, "--batch", "1", "--runs", "1", "--warmup", "0", "--no-save", "--json", *(["--dims", dims] if dims else []))
    if r.returncode != 0:
        return None, r.stderr.strip()[-300:]
    ops = json.loads(r.stdout)["results"][0]["ops"]
    return sorted((o["op"], o["launches"]) for o in ops), ""


def check_forms(name, ours, images, flags, dims, tmp):
    base_ops, err = plan_ops(ours, dims)
    if not th.check(base_ops is not None, "%s: cliq bench on ours: %s" % (name, err)):
        return
    th.check(any(op.startswith("Q") for op, _ in base_ops), "%s: ours runs int8 ops (%s)" % (name, base_ops))
    for form, rewrite in (("pytorch", pytorch_form), ("dedicated", dedicated_form)):
        m = onnx.load(ours)
        rewrite(m)
        path = os.path.join(tmp, "%s.%s.onnx" % (name, form))
        onnx.save(m, path)
        try:
            onnx.checker.check_model(path)
            th.check(True, "")
        except onnx.checker.ValidationError as e:
            th.check(False, "%s, %s form: onnx.checker: %s" % (name, form, e))
        ops, err = plan_ops(path, dims)
        th.check(ops == base_ops, "%s, %s form: the int8 plan's ops and launches %s equal ours %s %s" % (name, form, ops, base_ops, err))
        r = cliq("compare", ours, path, "--images", images, "--limit", "3", "--json", *flags)
        if not th.check(r.returncode == 0, "%s, %s form: cliq compare: %s" % (name, form, r.stderr.strip()[-300:])):
            continue
        outs = json.loads(r.stdout)["outputs"]
        # infinite SQNR (JSON null): not one output element differs
        th.check(outs and all(o["sqnr_db"] is None for o in outs),
                 "%s, %s form: outputs bit-identical to ours: %s" % (name, form, [(o["name"], o["sqnr_db"]) for o in outs]))
        print("  %-22s %-9s form: %d nodes, same int8 plan (%d op types) and outputs" % (name, form, len(m.graph.node), len(ops or [])),
              flush=True)


def main():
    tmp = tempfile.mkdtemp(prefix="cliq-qdq-forms-")
    data = os.path.join(tmp, "mnist")
    os.makedirs(data)
    th.write_mnist(data, th.blobs(rng, 24))
    fpath, qpath = os.path.join(tmp, "small.onnx"), os.path.join(tmp, "small.int8.onnx")
    small_cnn(fpath)
    r = cliq("quantize", fpath, "--calib", "mnist:" + data, "--limit", "16", "-o", qpath)
    if th.check(r.returncode == 0, "small CNN: cliq quantize: %s" % r.stderr.strip()[-300:]):
        check_forms("small CNN", qpath, "mnist:" + data, [], None, tmp)
    imagenet = os.path.join(SHARED, "data", "imagenet-sample")
    if not os.path.isdir(os.path.join(SHARED, "models")) or not os.path.isdir(imagenet):
        print("  (../shared absent: set CLIQ_SHARED_DIR; shared models not checked)")
    else:
        for name, (flags, dims) in SHARED_MODELS.items():
            fpath = os.path.join(SHARED, "models", name, "model.onnx")
            if not os.path.exists(fpath):
                print("  %s: not in ../shared, skipped" % name)
                continue
            qpath = os.path.join(tmp, name + ".int8.onnx")
            r = cliq("quantize", fpath, "--calib", "imagenet:" + imagenet, "--limit", "4", "-o", qpath, *flags)
            if th.check(r.returncode == 0, "%s: cliq quantize: %s" % (name, r.stderr.strip()[-300:])):
                check_forms(name, qpath, "imagenet:" + imagenet, flags, dims, tmp)
    return th.finish(NAME)


if __name__ == "__main__":
    sys.exit(main())
