#!/usr/bin/env python3
"""ptq_ort_peer.py — ONNX Runtime's own post-training quantizer (onnxruntime.quantization.
quantize_static) on the shared models, measured exactly as bench/ptq_accuracy.sh measures
`cliq quantize`, so the two can be compared: a peer baseline for the README's accuracy table.
Bench-time only; the library and the CLI never need Python.

  python3 bench/ptq_ort_peer.py [--models a,b] [--methods minmax,entropy,percentile,distribution]
                                [--act s8[,u8]] [--cliq minmax,mse] [--out DIR] [--md FILE]

Per model in ../shared/models (preprocessing and data source from bench/model_setup.sh):
 - inputs: calibration = images 0..199 of the data source, comparison = images 300..399, the
   windows of `cliq quantize --limit 200` and `cliq compare --skip 300 --limit 100`. imagenet:DIR
   is DIR/labels.tsv in file order (host/io/dataset.c), each image preprocessed by libcliq itself
   (cliq_image_load through tests/cliq_ctypes.py); mnist:DIR is read from the IDX files here with
   numpy. The first image of each window is checked bit for bit against libcliq's own dataset
   reader (cliq_dataset_get), so order, selection and preprocessing are the ones cliq uses.
 - ORT cells: BatchNormalization folded into the Conv before it (bench/quantize_ort.py's
   fold_batchnorm, as cliq's quantizer folds it), opset raised to 13 where lower (per-axis QDQ),
   quant_pre_process, then quantize_static: QDQ format, per-channel symmetric int8 weights, int8
   asymmetric activations (QInt8; --act u8 for QUInt8), calibrated on the same 200 tensors with
   MinMax / Entropy / Percentile (99.99) / Distribution, ORT's defaults otherwise. Calibration is
   fed --calib-chunk images at a time (CalibStridedMinMax): ORT keeps every intermediate tensor of
   a chunk in memory (up to 70 MB per image here); chunks give MinMax the same ranges, and merge
   the histogram methods' histograms as ORT does for any chunked calibration. Distribution is
   ORT's float8 calibrator: with int8 its ranges are symmetric (zero point 0) while ORT still drops
   Relu/Clip from the QDQ graph (it does so for asymmetric activations, trusting the zero point to
   clip), so negative values pass; --keep-activations (QDQKeepRemovableActivations) keeps them.
   ORT quantizes the graph outputs too, where cliq keeps a head feeding only graph outputs in
   float; --float-outputs OPS leaves the outputs of those op types in float.
 - cliq cells: bench/ptq_accuracy.sh itself (METHODS=--cliq, default passes) writes cliq's int8
   model and `cliq compare`'s JSON; the same model is also run in ONNX Runtime here, so a reader
   sees that this script's SQNR and cliq's agree before trusting the ORT columns.
 - SQNR per output (tools/cmd_compare.c): 10*log10(sum y^2 / sum (y - y_q)^2) over every element
   of the 100 comparison images, y from the float model and y_q from the int8 model, both run in
   ONNX Runtime (CPU, default graph optimizations, so QDQ models execute as int8 kernels); the
   cell is the worst output (mlsd_320_tiny: 'scores' excluded, as ptq_accuracy.sh does).
A cell that fails prints FAIL and its reason goes to the log (OUT/peer.log); the run goes on.
Prints a markdown table; --md also writes it with the command, date and versions.
Needs numpy, onnx, onnxruntime, ../shared (CLIQ_SHARED_DIR) and a build (libcliq.so, cliq).
"""
import argparse
import contextlib
import datetime
import gzip
import json
import logging
import os
import platform
import shlex
import subprocess
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ALL_MODELS = ["mnist-8", "ultraface_RFB-320", "ultraface_slim-320", "yunet", "blazeface_front_128",
              "ppocr_cls_mobile_v2", "mlsd_320_tiny", "super_resolution-10"]
ORT_METHODS = {"minmax": "MinMax", "entropy": "Entropy", "percentile": "Percentile", "distribution": "Distribution"}
CLIQ_METHODS = ("minmax", "percentile", "entropy", "mse", "auto")
# outputs left out of the worst-output figure, as bench/ptq_accuracy.sh does (a peak mask)
EXCLUDED = {"mlsd_320_tiny": {"scores"}}


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    ap.add_argument("--models", default=",".join(ALL_MODELS), help="comma-separated shared models (default: all 8)")
    ap.add_argument("--methods", default="minmax,entropy,percentile,distribution",
                    help="ORT calibration methods: minmax, entropy, percentile, distribution (default: all; "
                    "'none' for none)")
    ap.add_argument("--act", default="s8", help="ORT activation types, s8 (QInt8) and/or u8 (QUInt8); default s8")
    ap.add_argument("--cliq", default="minmax,mse", help="cliq quantize methods for the like-for-like columns "
                    "(default minmax,mse; 'none' for none)")
    ap.add_argument("--cliq-flags", default="", help="extra `cliq quantize` flags for the cliq columns, written with '=', e.g. "
                    "--cliq-flags='--no-equalize --no-weight-rounding --no-bias-correction' (default: none, cliq's "
                    "defaults)")
    ap.add_argument("--percentile", type=float, default=99.99, help="ORT CalibPercentile (default 99.99, as ptq_accuracy.sh)")
    ap.add_argument("--calib", type=int, default=200, help="calibration images, from the first (default 200)")
    ap.add_argument("--skip", type=int, default=300, help="first comparison image (default 300)")
    ap.add_argument("--limit", type=int, default=100, help="comparison images (default 100)")
    ap.add_argument("--calib-chunk", type=int, default=20,
                    help="images per ORT calibration pass (CalibStridedMinMax; must divide --calib; 0 = all at once)")
    ap.add_argument("--keep-activations", action="store_true",
                    help="ORT QDQKeepRemovableActivations: keep Relu/Clip in the QDQ graph (ORT drops them when "
                    "activations are asymmetric, trusting the zero point to clip; Distribution's symmetric ranges "
                    "then let negative values through)")
    ap.add_argument("--float-outputs", metavar="OPS", default="",
                    help="ORT OpTypesToExcludeOutputQuantization, e.g. Gemm,Sigmoid: outputs of these op types stay "
                    "float. ORT quantizes graph outputs where cliq keeps a head that feeds only graph outputs in "
                    "float; naming the head's op type (mnist-8 Gemm, yunet Sigmoid) comes close, but it applies to "
                    "every node of that type")
    ap.add_argument("--threads", type=int, default=2, help="ONNX Runtime intra-op threads (default 2)")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"), help="build folder with cliq and libcliq.so")
    ap.add_argument("--shared", default=os.environ.get("CLIQ_SHARED_DIR") or os.path.join(ROOT, "..", "shared"),
                    help="the shared folder (default $CLIQ_SHARED_DIR, else ../shared beside the checkout)")
    ap.add_argument("--out", default="/tmp/cliq-ptq-peer", help="work folder: models, logs (default /tmp/cliq-ptq-peer)")
    ap.add_argument("--md", help="also write the table, with command, date and versions, to this markdown file")
    a = ap.parse_args()
    a.models = [m for m in a.models.split(",") if m]
    a.methods = [] if a.methods == "none" else [m for m in a.methods.split(",") if m]
    a.act = [t for t in a.act.split(",") if t]
    a.cliq = [] if a.cliq == "none" else [m for m in a.cliq.split(",") if m]
    for m in a.methods:
        if m not in ORT_METHODS:
            ap.error("--methods: unknown '%s' (expected %s)" % (m, ", ".join(ORT_METHODS)))
    for t in a.act:
        if t not in ("s8", "u8"):
            ap.error("--act: unknown '%s' (expected s8 or u8)" % t)
    for m in a.cliq:
        if m not in CLIQ_METHODS:
            ap.error("--cliq: unknown '%s' (expected %s)" % (m, ", ".join(CLIQ_METHODS)))
    for m in a.models:
        if m not in ALL_MODELS:
            ap.error("--models: unknown '%s' (expected %s)" % (m, ", ".join(ALL_MODELS)))
    if a.calib_chunk and a.calib % a.calib_chunk:
        ap.error("--calib-chunk %d must divide --calib %d (ORT's CalibStridedMinMax rule)" % (a.calib_chunk, a.calib))
    return a


def die(msg):
    print("ptq_ort_peer: " + msg, file=sys.stderr)
    sys.exit(1)


# --- data: the images cliq quantize / cliq compare read ------------------------------------------

def model_setup(shared, model):
    """CALIB, DIMS and PRE of bench/model_setup.sh (one table for every bench script)."""
    r = subprocess.run(["bash", "-c", 'SHARED="$1"; . "$2"; model_setup "$3" || exit 3; '
                        'printf "%s\\n" "$CALIB" "$DIMS" "${PRE[@]}"', "_", shared,
                        os.path.join(HERE, "model_setup.sh"), model], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("bench/model_setup.sh does not know '%s'" % model)
    lines = r.stdout.split("\n")[:-1]
    calib, dims, pre = lines[0], lines[1], lines[2:]
    spec = calib if calib.startswith("mnist:") else "imagenet:" + calib
    dims = {kv.split("=")[0]: int(kv.split("=")[1]) for kv in dims.split(",") if "=" in kv}
    return spec, dims, pre


def preprocess(flags):
    """cliq's preprocessing flags (tools/tool_common.c) -> cliq_preprocess (mean/std in 0..255 units)."""
    p = cliq_ctypes.Preprocess()
    for c in range(3):
        p.std[c] = 1.0
    i = 0
    while i < len(flags):
        f = flags[i]
        if f == "--bgr":
            p.bgr = 1
        elif f in ("--gray", "--grey"):
            p.gray = 1
        elif f in ("--size", "--mean", "--std"):
            i += 1
            v = flags[i]
            if f == "--size":
                p.width, p.height = (int(s) for s in v.split("x"))
            else:
                vals = [float(s) for s in v.split(",")]
                vals = vals * 3 if len(vals) == 1 else vals
                for c in range(3):
                    getattr(p, f[2:])[c] = vals[c]
        else:
            raise RuntimeError("preprocessing flag '%s' from bench/model_setup.sh is not handled here" % f)
        i += 1
    return p


def imagenet_files(folder):
    """DIR/labels.tsv in file order; a first line whose class field is not a number is the header
    (host/io/dataset.c open_imagenet)."""
    files = []
    with open(os.path.join(folder, "labels.tsv")) as f:
        for n, line in enumerate(f):
            line = line.rstrip("\r\n")
            if not line:
                continue
            fields = line.split("\t")
            try:
                int(fields[1])
            except (IndexError, ValueError):
                if n == 0:
                    continue
                raise
            files.append(os.path.join(folder, fields[0]))
    return files


def mnist_images(folder):
    """DIR/images-idx3-ubyte.gz: big-endian IDX header (magic 0x00000803, count, rows, cols), then
    count*rows*cols grey bytes (http://yann.lecun.com/exdb/mnist/), as host/io/dataset.c reads it."""
    with gzip.open(os.path.join(folder, "images-idx3-ubyte.gz"), "rb") as f:
        raw = f.read()
    if raw[:4] != b"\x00\x00\x08\x03":
        raise RuntimeError("%s: not an IDX file of 3-dim unsigned bytes" % folder)
    n, h, w = (int.from_bytes(raw[4 + 4 * k:8 + 4 * k], "big") for k in range(3))
    return np.frombuffer(raw, dtype=np.uint8, count=n * h * w, offset=16).reshape(n, h, w)


def load_inputs(cl, spec, fpath, pre, shape, indices):
    """Model inputs (float32, `shape`) for dataset `spec` at `indices`."""
    if spec.startswith("mnist:"):
        if pre.width or pre.height or pre.gray or pre.bgr:
            raise RuntimeError("mnist: only --mean/--std preprocessing is done here")
        imgs = mnist_images(spec[6:])
        return [((imgs[i].astype(np.float32) - np.float32(pre.mean[0])) / np.float32(pre.std[0])).reshape(shape)
                for i in indices]
    files = imagenet_files(spec[9:])
    return [cl.image(fpath, files[i], pre, shape) for i in indices]


def dataset_get(cl, spec, fpath, pre, index, shape):
    """Image `index` as libcliq's own dataset reader gives it (cliq_dataset_open/get), the check
    that load_inputs reads what cliq quantize / compare read."""
    lib, ctx = cl.cl, cl.ctx
    m, ds = ctypes.c_void_p(), ctypes.c_void_p()
    if lib.cliq_model_load(ctx, fpath.encode(), ctypes.byref(m)) != 0:
        raise RuntimeError("loading %s: %s" % (fpath, cl.error()))
    try:
        if lib.cliq_dataset_open(ctx, spec.encode(), m, ctypes.byref(pre), ctypes.byref(ds)) != 0:
            raise RuntimeError("dataset %s: %s" % (spec, cl.error()))
        try:
            a = np.empty(shape, dtype=np.float32)
            if lib.cliq_dataset_get(ds, ctypes.c_size_t(index), a.ctypes.data_as(ctypes.c_void_p), None, None) != 0:
                raise RuntimeError("dataset %s image %d: %s" % (spec, index, cl.error()))
            return a
        finally:
            lib.cliq_dataset_destroy(ds)
    finally:
        lib.cliq_model_destroy(m)


# --- measuring ----------------------------------------------------------------------------------

def session(path, threads):
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.log_severity_level = 3
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def run_all(path, name, xs, threads):
    s = session(path, threads)
    return [s.run(None, {name: x}) for x in xs], [o.name for o in s.get_outputs()]


def sqnr(ref, names, outs, excluded):
    """Per output SQNR (dB) over every element of every image (tools/cmd_compare.c), and the worst
    over the outputs not excluded."""
    per = {}
    for k, name in enumerate(names):
        rr = dd = 0.0
        for r, q in zip(ref, outs):
            y, yq = r[k].astype(np.float64).ravel(), q[k].astype(np.float64).ravel()
            rr += float(np.dot(y, y))
            dd += float(np.dot(y - yq, y - yq))
        per[name] = float("nan") if dd == 0 and rr == 0 else float("inf") if dd == 0 else 10 * np.log10(rr / dd)
    judged = [v for n, v in per.items() if n not in excluded]
    return min(judged), per


def make_feed_class():
    class _Feed(CalibrationDataReader):
        """The calibration tensors, one image per batch; set_range serves CalibStridedMinMax."""

        def __init__(self, name, xs):
            self.name, self.xs = name, xs
            self.set_range(0, len(xs))

        def __len__(self):
            return len(self.xs)

        def set_range(self, start_index, end_index):
            self.pos, self.end = start_index, min(end_index, len(self.xs))

        def get_next(self):
            if self.pos >= self.end:
                return None
            self.pos += 1
            return {self.name: self.xs[self.pos - 1]}
    return _Feed


def prepare_float(fpath, work, log):
    """float model -> opset >= 13, BN folded, quant_pre_process: the file quantize_static gets."""
    m = onnx.load(fpath)
    opset = next(o.version for o in m.opset_import if o.domain in ("", "ai.onnx"))
    if opset < 13:
        m = version_converter.convert_version(m, 13)
    folded = fold_batchnorm(m)
    raw = os.path.join(work, "float_folded.onnx")
    onnx.save(m, raw)
    prep = os.path.join(work, "float_prep.onnx")
    try:
        with contextlib.redirect_stdout(log):
            quant_pre_process(raw, prep, skip_symbolic_shape=True)
    except Exception as e:  # noqa: BLE001 — ORT's own fallback advice: quantize the model as it is
        log.write("quant_pre_process failed (%s); quantizing the folded model as it is\n" % e)
        prep = raw
    pm = onnx.load(prep)
    flat = flatten_gemm_bias(pm)
    if flat:
        prep = os.path.join(work, "float_prep_gemm.onnx")
        onnx.save(pm, prep)
    log.write("float model: opset %d%s, %d BatchNormalization folded, %d Gemm bias [1,N] -> [N], quantize_static "
              "input %s\n" % (opset, " -> 13" if opset < 13 else "", folded, flat, os.path.basename(prep)))
    return prep


def flatten_gemm_bias(model):
    """Gemm bias C of shape [1, N] -> [N] (the same by broadcasting). quant_pre_process fuses
    MatMul + Add into such a Gemm (mnist-8), and quantize_static's per-channel int32-bias check
    (qdq_quantizer.py _adjust_weight_scale_for_int32_bias, ORT 1.31) indexes the bias per output
    channel and fails on a [1, N] one ("truth value of an array ... is ambiguous")."""
    inits = {t.name: t for t in model.graph.initializer}
    n = 0
    for node in model.graph.node:
        if node.op_type == "Gemm" and len(node.input) > 2 and node.input[2] in inits:
            t = inits[node.input[2]]
            if len(t.dims) == 2 and t.dims[0] == 1:
                t.dims[:] = [t.dims[1]]
                for v in list(model.graph.input) + list(model.graph.value_info):  # IR < 4 lists initializers as inputs
                    if v.name == t.name and v.type.tensor_type.HasField("shape"):
                        del v.type.tensor_type.shape.dim[0]
                n += 1
    return n


def ort_quantize(prep, out, feed, method, act, a, cache, log):
    extra = {"CalibPercentile": a.percentile, "QDQKeepRemovableActivations": a.keep_activations}
    if a.calib_chunk:
        extra["CalibStridedMinMax"] = a.calib_chunk
    if a.float_outputs:
        extra["OpTypesToExcludeOutputQuantization"] = a.float_outputs.split(",")
    with contextlib.redirect_stdout(log):
        quantize_static(prep, out, feed, quant_format=QuantFormat.QDQ, per_channel=True, reduce_range=False,
                        weight_type=QuantType.QInt8,
                        activation_type=QuantType.QInt8 if act == "s8" else QuantType.QUInt8,
                        calibrate_method=getattr(CalibrationMethod, ORT_METHODS[method]), extra_options=extra,
                        calibration_cache_path=cache)


def cliq_cells(a, model, work, log):
    """bench/ptq_accuracy.sh for this model and --cliq: {method: (int8 model path, cliq compare's
    worst SQNR or None)}."""
    for m in a.cliq:
        for ext in ("onnx", "json", "log"):
            p = os.path.join(work, "%s_%s.%s" % (model, m, ext))
            if os.path.exists(p):
                os.remove(p)
    env = dict(os.environ, METHODS=" ".join(a.cliq), MODELS=model, CLIQ_SHARED_DIR=a.shared)
    t = time.time()
    r = subprocess.run(["bash", os.path.join(HERE, "ptq_accuracy.sh"), a.build, work] + a.cliq_flags.split(), env=env, capture_output=True,
                       text=True)
    log.write("bench/ptq_accuracy.sh (%.0f s, exit %d):\n%s%s" % (time.time() - t, r.returncode, r.stdout, r.stderr))
    res = {}
    for m in a.cliq:
        q, js = os.path.join(work, "%s_%s.onnx" % (model, m)), os.path.join(work, "%s_%s.json" % (model, m))
        worst = None
        if os.path.exists(js) and os.path.getsize(js):
            try:
                outs = [o for o in json.load(open(js))["outputs"] if o["name"] not in EXCLUDED.get(model, ())]
                worst = min(o["sqnr_db"] for o in outs)
            except (ValueError, KeyError) as e:
                log.write("cliq %s: %s unreadable: %s\n" % (m, js, e))
        else:
            lp = os.path.join(work, "%s_%s.log" % (model, m))
            log.write("cliq %s: no compare result; %s:\n%s\n" % (m, lp, open(lp).read()[-2000:] if os.path.exists(lp) else "(none)"))
        res[m] = (q if os.path.exists(q) else None, worst)
    return res


def fmt(v):
    return "FAIL" if v is None else "%.1f" % v


def run_model(a, cl, model, log, Feed):
    """One row: {column: worst SQNR or None}, per-output figures go to the log."""
    row = {}
    fail = {}
    fpath = os.path.join(a.shared, "models", model, "model.onnx")
    work = os.path.join(a.out, model)
    os.makedirs(work, exist_ok=True)
    spec, dims, flags = model_setup(a.shared, model)
    pre = preprocess(flags)
    name, shape = input_shapes(onnx.load(fpath), dims)[0]
    log.write("\n=== %s: %s, preprocessing %s, input '%s' %s\n" % (model, spec, " ".join(flags) or "(none)", name, shape))
    t = time.time()
    calib = load_inputs(cl, spec, fpath, pre, shape, range(a.calib))
    evals = load_inputs(cl, spec, fpath, pre, shape, range(a.skip, a.skip + a.limit))
    for idx, x in ((0, calib[0]), (a.skip, evals[0])):
        y = dataset_get(cl, spec, fpath, pre, idx, shape)
        if not np.array_equal(x, y):
            raise RuntimeError("image %d differs from libcliq's dataset reader (max |diff| %g)" %
                               (idx, float(np.abs(x - y).max())))
    log.write("inputs: %d + %d images in %.0f s; images 0 and %d equal cliq_dataset_get's bit for bit\n" %
              (len(calib), len(evals), time.time() - t, a.skip))
    ref, names = run_all(fpath, name, evals, a.threads)
    excluded = EXCLUDED.get(model, set())

    def measure(col, qpath):
        outs, qnames = run_all(qpath, name, evals, a.threads)
        if qnames != names:
            raise RuntimeError("outputs %s, float model has %s" % (qnames, names))
        worst, per = sqnr(ref, names, outs, excluded)
        log.write("%s: worst %.2f dB; per output %s\n" % (col, worst, ", ".join("%s %.2f" % kv for kv in per.items())))
        return worst

    prep = None
    for method in a.methods:
        cache = os.path.join(work, "calib_%s.json" % method)
        if os.path.exists(cache):
            os.remove(cache)  # ranges are shared between --act types of this run, never across runs
        for act in a.act:
            col = "ORT %s %s" % (ORT_METHODS[method], act)
            try:
                if prep is None:
                    prep = prepare_float(fpath, work, log)
                q = os.path.join(work, "ort_%s_%s.onnx" % (method, act))
                t = time.time()
                ort_quantize(prep, q, Feed(name, calib), method, act, a, cache, log)
                log.write("%s: quantize_static %.0f s\n" % (col, time.time() - t))
                row[col] = measure(col, q)
            except Exception as e:  # noqa: BLE001 — one cell fails, the table goes on
                row[col], fail[col] = None, "%s: %s" % (type(e).__name__, str(e).splitlines()[0][:300] if str(e) else "")
                log.write("%s: FAIL\n%s" % (col, traceback.format_exc()))
    if a.cliq:
        cells = cliq_cells(a, model, os.path.join(a.out, "cliq"), log)
        for m, (q, worst) in cells.items():
            row["cliq %s (cliq compare)" % m] = worst
            col = "cliq %s (ORT)" % m
            if worst is None:
                fail["cliq %s" % m] = "cliq quantize or compare failed (log: %s)" % os.path.join(a.out, "cliq", "%s_%s.log" % (model, m))
            try:
                if q is None:
                    raise RuntimeError("no int8 model from cliq quantize")
                row[col] = measure(col, q)
            except Exception as e:  # noqa: BLE001
                row[col], fail[col] = None, "%s: %s" % (type(e).__name__, str(e).splitlines()[0][:300] if str(e) else "")
                log.write("%s: FAIL\n%s" % (col, traceback.format_exc()))
    return row, fail


def main():
    a = parse_args()
    global np, onnx, ort, ctypes, cliq_ctypes, version_converter, fold_batchnorm, input_shapes
    global CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType, quantize_static, quant_pre_process
    try:
        import ctypes
        import numpy as np
        import onnx
        import onnxruntime as ort
        from onnx import version_converter
        from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType,
                                              quantize_static)
        from onnxruntime.quantization.shape_inference import quant_pre_process
    except ImportError as e:
        die("needs numpy, onnx and onnxruntime (with onnxruntime.quantization): %s" % e)
    sys.path.insert(0, HERE)
    sys.path.insert(0, os.path.join(ROOT, "tests"))
    from quantize_ort import fold_batchnorm, input_shapes  # noqa: E402 — one BN folder for the bench scripts
    import cliq_ctypes  # noqa: E402
    a.shared, a.build, a.out = (os.path.abspath(p) for p in (a.shared, a.build, a.out))
    if not os.path.isdir(os.path.join(a.shared, "models")):
        die("%s/models not found: the shared models and data are needed (set CLIQ_SHARED_DIR or --shared)" % a.shared)
    lib = os.path.join(a.build, "libcliq.so")
    if not os.path.exists(lib) or (a.cliq and not os.path.exists(os.path.join(a.build, "cliq"))):
        die("no libcliq.so / cliq in %s: build first (cmake -S . -B build && cmake --build build) or pass --build" % a.build)
    try:
        cl = cliq_ctypes.Cliq(lib)
    except cliq_ctypes.NoDevice as e:
        die("libcliq found no OpenCL device (it preprocesses the images): %s" % e)
    logging.getLogger().setLevel(logging.ERROR)  # quantize_static warns about every un-preprocessed detail
    ort.set_default_logger_severity(3)  # and its sessions about initializers listed as graph inputs
    os.makedirs(a.out, exist_ok=True)
    os.chdir(a.out)  # ORT's calibration writes scratch files into the working directory
    log = open(os.path.join(a.out, "peer.log"), "w", buffering=1)
    started = time.time()
    cols = ["ORT %s %s" % (ORT_METHODS[m], t) for m in a.methods for t in a.act]
    for m in a.cliq:
        cols += ["cliq %s (ORT)" % m, "cliq %s (cliq compare)" % m]
    Feed = make_feed_class()
    rows, fails = {}, {}
    print("ptq_ort_peer: %d models, log %s" % (len(a.models), log.name), file=sys.stderr)
    for model in a.models:
        t = time.time()
        if not os.path.exists(os.path.join(a.shared, "models", model, "model.onnx")):
            rows[model], fails[model] = {}, {"all": "not in %s/models" % a.shared}
            continue
        try:
            rows[model], fails[model] = run_model(a, cl, model, log, Feed)
        except Exception as e:  # noqa: BLE001 — the inputs could not be made: the whole row fails
            rows[model], fails[model] = {}, {"all": "%s: %s" % (type(e).__name__, e)}
            log.write("%s: FAIL\n%s" % (model, traceback.format_exc()))
        print("  %-22s %s (%.0f s)" % (model, " ".join(fmt(rows[model].get(c)) for c in cols), time.time() - t),
              file=sys.stderr, flush=True)
    table = ["| model | " + " | ".join(cols) + " |", "| --- |" + " ---: |" * len(cols)]
    for model in a.models:
        label = model + (" (offsets)" if model in EXCLUDED else "")
        table.append("| %s | %s |" % (label, " | ".join(fmt(rows[model].get(c)) for c in cols)))
    failures = ["- %s, %s: %s" % (m, c, why) for m in a.models for c, why in fails[m].items()]
    text = "\n".join(table) + ("\n\nFailures (details in %s):\n" % log.name + "\n".join(failures) if failures else "") + "\n"
    print(text)
    if a.md:
        head = ["Command: `python3 bench/ptq_ort_peer.py %s`" % shlex.join(sys.argv[1:]),
                "Date: %s; ONNX Runtime %s, onnx %s, numpy %s, Python %s; git %s; %.0f min." %
                (datetime.date.today().isoformat(), ort.__version__, onnx.__version__, np.__version__,
                 platform.python_version(), git_rev(), (time.time() - started) / 60),
                "Worst-output SQNR in dB (mlsd: `offsets`), int8 model vs float model, both run in ONNX Runtime "
                "(CPU, default optimizations) on images %d-%d; calibration on images 0-%d." %
                (a.skip, a.skip + a.limit - 1, a.calib - 1)]
        if a.methods:
            head.append("ORT: quantize_static, QDQ, per-channel symmetric int8 weights, asymmetric %s activations, "
                        "percentile %g, calibration in chunks of %s images%s." %
                        ("/".join({"s8": "int8", "u8": "uint8"}[t] for t in a.act), a.percentile,
                         a.calib_chunk or a.calib,
                         (", Relu/Clip kept (QDQKeepRemovableActivations)" if a.keep_activations else "") +
                         (", outputs of %s left in float (OpTypesToExcludeOutputQuantization)" % a.float_outputs
                          if a.float_outputs else "")))
        if a.cliq:
            head.append("cliq: `bench/ptq_accuracy.sh` (`cliq quantize --method M%s`%s, then `cliq compare`); "
                        "'(ORT)' is the same int8 model run in ONNX Runtime." %
                        ((" " + a.cliq_flags, "") if a.cliq_flags else ("", ", default passes")))
        with open(a.md, "w") as f:
            f.write("\n\n".join(head) + "\n\n" + text)
    log.close()
    return 0


def script_setup(tool, shared):
    """The set-up of the bench scripts built on this module's readers (ptq_noise_floor.py,
    ptq_weights_floor.py): binds numpy and cliq_ctypes here, as main() does for this script's own
    run, checks shared/models and returns a cliq_ctypes.Cliq on the built libcliq. Exits with a
    message naming `tool` when something is missing."""
    global np, cliq_ctypes
    try:
        import numpy as np
    except ImportError as e:
        sys.exit("%s: needs numpy (%s)" % (tool, e))
    sys.path.insert(0, os.path.join(ROOT, "tests"))
    import cliq_ctypes  # noqa: E402
    if not os.path.isdir(os.path.join(shared, "models")):
        sys.exit("%s: %s/models not found (set CLIQ_SHARED_DIR)" % (tool, shared))
    lib = cliq_ctypes.find_lib()
    if not lib:
        sys.exit("%s: libcliq.so not found (build first)" % tool)
    return cliq_ctypes.Cliq(lib)


def git_rev():
    r = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return r.stdout.strip() or "?"


if __name__ == "__main__":
    sys.exit(main())
