#!/usr/bin/env python3
"""Writes bench/shapes/*.txt: one line per distinct conv layer shape,
   name Cin H W Cout KH KW stride pad dilation group
shared_models.txt from the real models in ../shared (ONNX shape inference, symbolic dims bound
to the sizes MODELS.md gives); mobilenet_v2.txt and resnet50.txt from the published architectures
at 224x224 (MobileNetV2: Sandler et al. 2018, table 2; ResNet-50: He et al. 2016, table 1, with
the stride on the 3x3 conv as torchvision does). Asymmetric pads are written as the larger one.
Bench-time tool only; the library never needs Python."""
import os, sys

HERE = os.path.dirname(os.path.abspath(__file__))
HEADER = "# name Cin H W Cout KH KW stride pad dilation group  (input H x W; one line per distinct shape)\n"


def write(name, rows, note):
    seen, out = set(), []
    for r in rows:
        key = tuple(r[1:])
        if key in seen:
            continue
        seen.add(key)
        out.append(" ".join(str(v) for v in r))
    with open(os.path.join(HERE, name), "w") as f:
        f.write(f"# {note}\n" + HEADER + "\n".join(out) + "\n")
    print(name, len(out), "shapes")


def mobilenet_v2():
    rows, hw, cin, i = [], 224, 3, 0
    rows.append(["stem", 3, hw, hw, 32, 3, 3, 2, 1, 1, 1]); hw, cin = 112, 32
    for t, c, n, s in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]:
        for k in range(n):
            st, e = (s if k == 0 else 1), cin * t
            i += 1
            if t != 1:
                rows.append([f"b{i}_expand", cin, hw, hw, e, 1, 1, 1, 0, 1, 1])
            rows.append([f"b{i}_dw", e, hw, hw, e, 3, 3, st, 1, 1, e])
            hw = (hw + st - 1) // st
            rows.append([f"b{i}_project", e, hw, hw, c, 1, 1, 1, 0, 1, 1])
            cin = c
    rows.append(["head", 320, 7, 7, 1280, 1, 1, 1, 0, 1, 1])
    rows.append(["fc", 1280, 1, 1, 1000, 1, 1, 1, 0, 1, 1])
    write("mobilenet_v2.txt", rows, "MobileNetV2 1.0 at 224x224")


def resnet50():
    rows = [["conv1", 3, 224, 224, 64, 7, 7, 2, 3, 1, 1]]
    hw, cin = 56, 64
    for stage, (w, n) in enumerate([(64, 3), (128, 4), (256, 6), (512, 3)]):
        for k in range(n):
            s = 2 if (k == 0 and stage > 0) else 1
            nm = f"s{stage + 2}b{k + 1}"
            rows.append([nm + "_1x1a", cin, hw, hw, w, 1, 1, 1, 0, 1, 1])
            rows.append([nm + "_3x3", w, hw, hw, w, 3, 3, s, 1, 1, 1])
            if k == 0:
                rows.append([nm + "_down", cin, hw, hw, 4 * w, 1, 1, s, 0, 1, 1])
            hw = (hw + s - 1) // s
            rows.append([nm + "_1x1b", w, hw, hw, 4 * w, 1, 1, 1, 0, 1, 1])
            cin = 4 * w
    rows.append(["fc", 2048, 1, 1, 1000, 1, 1, 1, 0, 1, 1])
    write("resnet50.txt", rows, "ResNet-50 v1.5 at 224x224")


def runtime_shapes(path, model, dims):
    """Shapes of every Conv input from one ONNX Runtime run (for models whose static shape
    inference stops at dynamic Resize/Reshape chains)."""
    import numpy as np
    import onnx
    import onnxruntime as ort
    m = onnx.load(path)
    names = [n.input[0] for n in m.graph.node if n.op_type == "Conv"]
    known = {o.name for o in m.graph.output}
    for nm in names:
        if nm not in known:
            m.graph.output.append(onnx.helper.make_value_info(nm, onnx.TypeProto()))
            known.add(nm)
    so = ort.SessionOptions()
    so.log_severity_level = 3
    s = ort.InferenceSession(m.SerializeToString(), so, providers=["CPUExecutionProvider"])
    feeds = {}
    inits = {i.name for i in m.graph.initializer}
    for i in s.get_inputs():
        if i.name in inits:
            continue
        shp = [d if isinstance(d, int) else dims.get(d, 1) for d in i.shape]
        feeds[i.name] = np.random.rand(*shp).astype(np.float32)
    outs = s.run(None, feeds)
    return {o.name: list(v.shape) for o, v in zip(s.get_outputs(), outs)}


def shared_models(shared):
    import onnx
    from onnx import helper, shape_inference
    dims = {"yunet": {"height": 320, "width": 320}, "super_resolution-10": {"batch_size": 1},
            "ppocr_cls_mobile_v2": {"p2o.DynamicDimension.0": 1, "p2o.DynamicDimension.1": 48, "p2o.DynamicDimension.2": 192}}
    rows = []
    for name in sorted(os.listdir(os.path.join(shared, "models"))):
        path = os.path.join(shared, "models", name, "model.onnx")
        if not os.path.exists(path):
            continue
        m = onnx.load(path)
        for inp in m.graph.input:
            for d in inp.type.tensor_type.shape.dim:
                if d.dim_param and d.dim_param in dims.get(name, {}):
                    d.dim_value = dims[name][d.dim_param]
        m = shape_inference.infer_shapes(m)
        shp = {vi.name: [d.dim_value for d in vi.type.tensor_type.shape.dim]
               for vi in list(m.graph.value_info) + list(m.graph.input) + list(m.graph.output)}
        if any(n.op_type == "Conv" and not all(shp.get(n.input[0], [0])) for n in m.graph.node):
            shp.update(runtime_shapes(path, m, dims.get(name, {})))
        wdims = {t.name: list(t.dims) for t in m.graph.initializer}
        for n in m.graph.node:
            if n.op_type == "Constant":
                wdims[n.output[0]] = list(n.attribute[0].t.dims)
        for k, n in enumerate(m.graph.node):
            if n.op_type != "Conv":
                continue
            a = {at.name: helper.get_attribute_value(at) for at in n.attribute}
            x, w = shp.get(n.input[0]), wdims.get(n.input[1])
            if not x or not w or len(x) != 4 or not all(x):
                continue
            s, d = a.get("strides", [1, 1]), a.get("dilations", [1, 1])
            p = max(a.get("pads", [0, 0, 0, 0]) or [0])
            if a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
                p = ((w[2] - 1) * d[0]) // 2
            rows.append([f"{name}:{k}", x[1], x[2], x[3], w[0], w[2], w[3], s[0], p, d[0], a.get("group", 1)])
    write("shared_models.txt", rows, "every Conv of the models in ../shared/models (batch 1)")


if __name__ == "__main__":
    mobilenet_v2()
    resnet50()
    shared = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "..", "shared")
    shared_models(shared)
