#!/usr/bin/env python3
"""quantize_ort.py — int8 QDQ copies of float ONNX models made by ONNX Runtime's quantize_static,
for timing cliq's int8 plan against the float model (`cliq bench MODEL.onnx` on both). Bench-time
helper only: cliq itself never needs Python (its own quantizer is `cliq quantize`).

  python3 bench/quantize_ort.py OUT_DIR MODEL.onnx... [--act s8|u8] [--dims name=V,...]

BatchNormalization after Conv is folded into the conv first (as a deployment export, and cliq's
own quantizer, would), then ONNX Runtime's recommended pre-processing (quant_pre_process), then
per-channel int8 weights, int8 (default) or uint8 activations, QDQ format, opset raised to
13 where lower (per-axis QDQ needs it). Calibration is 8 batches of uniform [-1.5, 1.5) noise: the
scales it gives are fine for timing (the work does not depend on them) but not for accuracy.
Symbolic input dims take --dims values, else 1 for batch-like and 320 for spatial dims.
Writes OUT_DIR/<model folder or file stem>.int8.onnx and prints each path.
"""
import argparse
import logging
import os
import sys
import tempfile

import numpy as np
import onnx
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
from onnxruntime.quantization.shape_inference import quant_pre_process


def fold_batchnorm(model):
    """Conv -> BatchNormalization with constant parameters (the conv output read by the BN alone)
    folded into the conv's weights and bias, as a deployment export (and cliq's own quantizer)
    does; otherwise the QDQ graph keeps each BN as a separate int8 op."""
    from onnx import numpy_helper
    g = model.graph
    consts = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    for n in g.node:
        if n.op_type == "Constant" and n.attribute and n.attribute[0].name == "value":
            consts[n.output[0]] = numpy_helper.to_array(n.attribute[0].t)
    readers = {}
    for n in g.node:
        for i in n.input:
            readers[i] = readers.get(i, 0) + 1
    producer = {o: n for n in g.node for o in n.output}
    graph_outputs = {o.name for o in g.output}
    drop, folded = [], 0
    for bn in g.node:
        if bn.op_type != "BatchNormalization" or len(bn.output) != 1:
            continue
        conv = producer.get(bn.input[0])
        if conv is None or conv.op_type != "Conv" or readers.get(conv.output[0]) != 1 or conv.output[0] in graph_outputs:
            continue
        if conv.input[1] not in consts or (len(conv.input) > 2 and conv.input[2] not in consts) or \
                any(i not in consts for i in bn.input[1:5]):
            continue
        eps = next((a.f for a in bn.attribute if a.name == "epsilon"), 1e-5)
        gamma, beta, mean, var = (consts[i].astype(np.float64) for i in bn.input[1:5])
        k = gamma / np.sqrt(var + eps)
        w = consts[conv.input[1]].astype(np.float64)
        b = consts[conv.input[2]].astype(np.float64) if len(conv.input) > 2 and conv.input[2] else np.zeros(w.shape[0])
        w = (w * k.reshape((-1,) + (1,) * (w.ndim - 1))).astype(np.float32)
        b = ((b - mean) * k + beta).astype(np.float32)
        wn, bname = conv.output[0] + "_folded_w", conv.output[0] + "_folded_b"
        g.initializer.extend([numpy_helper.from_array(w, wn), numpy_helper.from_array(b, bname)])
        del conv.input[1:]
        conv.input.extend([wn, bname])
        conv.output[0] = bn.output[0]
        drop.append(bn)
        folded += 1
    for bn in drop:
        g.node.remove(bn)
    return folded


class Noise(CalibrationDataReader):
    def __init__(self, shapes, batches):
        self.rng = np.random.default_rng(1)
        self.shapes, self.left = shapes, batches

    def get_next(self):
        if self.left == 0:
            return None
        self.left -= 1
        return {n: self.rng.uniform(-1.5, 1.5, s).astype(np.float32) for n, s in self.shapes}


def input_shapes(model, dims):
    inits = {i.name for i in model.graph.initializer}
    out = []
    for i in model.graph.input:
        if i.name in inits:
            continue
        shape = []
        for k, d in enumerate(i.type.tensor_type.shape.dim):
            if d.dim_value > 0:
                shape.append(d.dim_value)
            else:
                shape.append(dims.get(d.dim_param, 1 if k < 2 else 320))
        out.append((i.name, shape))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir")
    ap.add_argument("models", nargs="+")
    ap.add_argument("--act", choices=("s8", "u8"), default="s8")
    ap.add_argument("--dims", default="")
    a = ap.parse_args()
    dims = {kv.split("=")[0]: int(kv.split("=")[1]) for kv in a.dims.split(",") if "=" in kv}
    logging.getLogger().setLevel(logging.ERROR)
    os.makedirs(a.out_dir, exist_ok=True)
    a.out_dir = os.path.abspath(a.out_dir)
    a.models = [os.path.abspath(m) for m in a.models]
    for path in a.models:
        stem = os.path.basename(os.path.dirname(path)) if os.path.basename(path) == "model.onnx" else \
            os.path.splitext(os.path.basename(path))[0]
        m = onnx.load(path)
        with tempfile.TemporaryDirectory() as tmp:
            os.chdir(tmp)  # ORT's pre-processing and calibration write scratch files into the working directory
            if m.opset_import[0].version < 13:
                from onnx import version_converter
                m = version_converter.convert_version(m, 13)
            fold_batchnorm(m)
            raw = os.path.join(tmp, "float.onnx")
            onnx.save(m, raw)
            src = os.path.join(tmp, "prep.onnx")
            try:
                quant_pre_process(raw, src, skip_symbolic_shape=True)
            except Exception as e:  # noqa: BLE001
                print("%s: pre-processing failed (%s); quantizing the model as it is" % (path, e), file=sys.stderr)
                src = raw
            out = os.path.join(a.out_dir, stem + ".int8.onnx")
            for attempt in (src, raw) if src != raw else (raw,):
                try:
                    quantize_static(attempt, out, Noise(input_shapes(m, dims), 8), quant_format=QuantFormat.QDQ,
                                    per_channel=True, weight_type=QuantType.QInt8,
                                    activation_type=QuantType.QInt8 if a.act == "s8" else QuantType.QUInt8)
                    break
                except Exception as e:  # noqa: BLE001
                    print("%s: quantize_static failed%s (%s)" % (path, " after pre-processing" if attempt == src else "", e),
                          file=sys.stderr)
            else:
                continue
        print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
