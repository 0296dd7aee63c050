#!/usr/bin/env python3
"""test_cli.py — the `cliq` command line as a user meets it.

Runs the built binary ($CLIQ_BIN, set by CMake) for: every command's --help; exit codes (2 on usage
and input errors, 1 when a check fails, 0 otherwise); --json output that parses with the keys the
README promises; `run --test-data` against ONNX Runtime on models generated here and on the ../shared
models' data sets; `run --image`, `eval` and `bench` end to end; `info` figures checked against counts
made here. Models are generated with the onnx package and reference outputs with onnxruntime when
they are installed (those parts are skipped otherwise); images are written as BMP by hand and MNIST
files as gzipped IDX, so nothing else is needed. Models whose ops this build does not support yet are
reported and skipped, not failed.
"""
import gzip
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

import harness as th
from harness import check

BIN = os.environ.get("CLIQ_BIN") or os.path.join(os.path.dirname(__file__), "..", "build", "cliq")
SHARED = os.environ.get("CLIQ_SHARED_DIR") or os.path.join(os.path.dirname(__file__), "..", "..", "shared")


def cliq(*args, timeout=600):
    p = subprocess.run([BIN, *map(str, args)], capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def unsupported(err):
    return "is not supported by cliq" in err


def json_of(what, out):
    try:
        return json.loads(out)
    except ValueError:
        check(False, "%s: --json output does not parse: %r" % (what, out[:300]))
        return None


def write_bmp(path, w, h, pixel):
    """24-bit BMP, bottom-up rows padded to 4 bytes; pixel(x, y) -> (r, g, b)."""
    row = (w * 3 + 3) & ~3
    data = bytearray()
    for y in range(h - 1, -1, -1):
        line = bytearray()
        for x in range(w):
            r, g, b = pixel(x, y)
            line += bytes((b, g, r))
        data += line + b"\0" * (row - len(line))
    hdr = struct.pack("<2sIHHI", b"BM", 54 + len(data), 0, 0, 54)
    info = struct.pack("<IiiHHIIiiII", 40, w, h, 1, 24, 0, len(data), 2835, 2835, 0, 0)
    with open(path, "wb") as f:
        f.write(hdr + info + data)


def write_idx(path, dims, data):
    with gzip.open(path, "wb") as f:
        f.write(bytes((0, 0, 8, len(dims))) + b"".join(struct.pack(">I", d) for d in dims) + bytes(data))


def test_help_and_usage():
    rc, out, _ = cliq("--help")
    check(rc == 0 and "usage" in out, "cliq --help")
    commands = [line.split()[0] for line in out.splitlines() if line.startswith("  ") and line.split()]
    commands = [c for c in commands if c.isalpha() and c not in ("exit",)]
    check({"devices", "info", "run", "eval", "bench"} <= set(commands), "help lists the commands: %s" % commands)
    for c in commands + ["demo-model"]:
        rc, out, err = cliq(c, "--help")
        check(rc == 0 and "usage: cliq " + c in out, "cliq %s --help: rc %d %r" % (c, rc, (out + err)[:200]))
    rc, out, _ = cliq("--version")
    check(rc == 0 and out.startswith("cliq ") and "git" in out, "--version: %r" % out)
    for args in (["frobnicate"], [], ["info"], ["info", "--bogus", "x.onnx"], ["run", "m.onnx"],
                 ["run", "m.onnx", "--image", "a.png", "--test-data", "d"], ["run", "m.onnx", "--tol"],
                 ["run", "m.onnx", "--image", "a.png", "--size", "12"], ["run", "m.onnx", "--image", "a.png", "--mean", "1,2"],
                 ["eval", "m.onnx"], ["bench", "m.onnx", "--batch", "0"], ["bench", "m.onnx", "--runs", "x"],
                 ["devices", "extra"], ["info", "/nonexistent/model.onnx"], ["run", "--dims", "H", "m.onnx"]):
        rc, out, err = cliq(*args)
        check(rc == 2 and err.strip(), "usage/input error exits 2 with a message: cliq %s -> %d %r" % (" ".join(args), rc, err[:200]))
    rc, _, err = cliq("info", "/nonexistent/model.onnx")
    check("/nonexistent/model.onnx" in err and "IO_ERROR" in err, "missing model message: %r" % err)


def test_devices():
    rc, out, _ = cliq("devices", "--json")
    j = json_of("devices", out)
    check(rc == 0 and j is not None and isinstance(j.get("devices"), list), "devices --json")
    if j and j["devices"]:
        d = j["devices"][0]
        check(all(k in d for k in ("index", "platform", "name", "driver", "type", "compute_units", "int8_paths")),
              "device entry keys: %s" % sorted(d))


def make_models(tmp):
    """Unary-op models and ORT reference data; None without onnx/onnxruntime."""
    try:
        import numpy as np
        import onnx
        import onnxruntime as ort
        from onnx import TensorProto, helper, numpy_helper
    except ImportError as e:
        print("test_cli: onnx/onnxruntime/numpy missing (%s): generated-model checks skipped" % e)
        return None
    rng = np.random.RandomState(int(os.environ.get("CLIQ_TEST_SEED", "1234")) % (2 ** 32))
    lo = numpy_helper.from_array(np.array(-1.0, np.float32), "lo")
    hi = numpy_helper.from_array(np.array(4.0, np.float32), "hi")
    nodes = [helper.make_node("Clip", ["x", "lo", "hi"], ["c"], name="clip"),
             helper.make_node("Sigmoid", ["c"], ["s"], name="sig"),
             helper.make_node("Relu", ["c"], ["r"], name="relu")]

    def save(name, x_shape, outputs, graph_nodes=nodes):
        x = helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)
        outs = [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outputs]
        g = helper.make_graph(graph_nodes, name, [x], outs, [lo, hi])
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
        m.ir_version = 8
        path = os.path.join(tmp, name + ".onnx")
        onnx.save(m, path)
        return path

    models = {"dyn": save("dyn", ["N", 3, "H", "W"], ["s", "r"]),
              "gray": save("gray", ["N", 1, 28, 28], ["s"]),
              # the same s, and an r that is Sigmoid instead of Relu: for compare --outputs
              "dyn_r2": save("dyn_r2", ["N", 3, "H", "W"], ["s", "r"],
                             nodes[:2] + [helper.make_node("Sigmoid", ["c"], ["r"], name="relu_now_sigmoid")])}
    # test data: ORT's outputs, input of a lower rank for the fixed-size model (super_resolution style)
    sets = {}
    for name, shape, store_shape in (("dyn", (2, 3, 5, 7), (2, 3, 5, 7)), ("gray", (1, 1, 28, 28), (28, 28))):
        d = os.path.join(tmp, "td_" + name)
        os.makedirs(d)
        a = (rng.randn(*shape) * 3).astype(np.float32)
        outs = ort.InferenceSession(models[name], providers=["CPUExecutionProvider"]).run(None, {"x": a})
        with open(os.path.join(d, "input_0.pb"), "wb") as f:
            f.write(numpy_helper.from_array(a.reshape(store_shape), "x").SerializeToString())
        for i, o in enumerate(outs):
            with open(os.path.join(d, "output_%d.pb" % i), "wb") as f:
                f.write(numpy_helper.from_array(o).SerializeToString())
        sets[name] = (d, outs)
    # a copy of the dynamic set whose second output is off by 0.01 somewhere
    bad = os.path.join(tmp, "td_bad")
    shutil.copytree(sets["dyn"][0], bad)
    o = sets["dyn"][1][1].copy()
    o.flat[7] += 0.01
    with open(os.path.join(bad, "output_1.pb"), "wb") as f:
        f.write(numpy_helper.from_array(o).SerializeToString())
    models["sets"] = sets
    models["bad"] = bad
    return models


def test_generated(tmp, models):
    dyn, gray = models["dyn"], models["gray"]
    # info: counts made above
    rc, out, err = cliq("info", dyn, "--json")
    j = json_of("info", out)
    if check(rc == 0 and j, "info --json: %s" % err):
        check(j["nodes"] == 3 and j["op_types"] == {"Clip": 1, "Sigmoid": 1, "Relu": 1}, "info nodes/op types: %s" % j)
        check(j["parameters"] == 2 and j["weight_bytes"] == 8 and j["quantized"] is False and j["opset"] == 13,
              "info parameters/weights/opset: %s" % j)
        check(j["inputs"][0]["shape"] == ["N", 3, "H", "W"] and j["macs"] == 0, "symbolic dims by name: %s" % j["inputs"])
    rc, out, _ = cliq("info", dyn)
    check(rc == 0 and "'H'" in out and "Clip x1" in out, "info text: %r" % out)
    # run --test-data: pass, a perturbed reference fails with exit 1, a fewer-dims input takes the model's shape
    d, _ = models["sets"]["dyn"]
    rc, out, err = cliq("run", dyn, "--test-data", d, "--json")
    j = json_of("run --test-data", out)
    if check(rc == 0 and j and j["pass"] is True and len(j["outputs"]) == 2, "run --test-data passes: %s %s" % (out, err)):
        check(all(o["normalized_error"] <= 1e-6 for o in j["outputs"]), "errors vs ORT tiny: %s" % j["outputs"])
        check(j["outputs"][0]["shape"] == [2, 3, 5, 7], "bound output shape: %s" % j["outputs"][0])
    rc, out, err = cliq("run", dyn, "--test-data", models["bad"])
    check(rc == 1 and "FAIL" in out, "perturbed reference: exit 1: rc %d %s %s" % (rc, out, err))
    rc, out, _ = cliq("run", dyn, "--test-data", models["bad"], "--tol", "0.02", "--json")
    j = json_of("run --tol", out)
    check(rc == 0 and j and abs(j["outputs"][1]["max_abs_error"] - 0.01) < 1e-4, "--tol 0.02 accepts the 0.01 error: %s" % out)
    d, _ = models["sets"]["gray"]
    rc, out, err = cliq("run", gray, "--test-data", d)
    check(rc == 0 and "PASS" in out, "[28,28] input for a [N,1,28,28] model: %s %s" % (out, err))
    rc, _, err = cliq("run", gray, "--test-data", tmp)
    check(rc == 2 and "input_0.pb" in err, "a folder without input_0.pb: %r" % err)
    # run --image: a BMP written here; symbolic H/W need --size
    img = os.path.join(tmp, "pic.bmp")
    write_bmp(img, 9, 7, lambda x, y: (x * 28, y * 36, 200))
    rc, _, err = cliq("run", dyn, "--image", img)
    check(rc == 2 and "--size" in err, "symbolic H/W without --size: %r" % err)
    rc, out, err = cliq("run", dyn, "--image", img, "--size", "9x7", "--json")
    j = json_of("run --image", out)
    if check(rc == 0 and j, "run --image --json: %s" % err):
        o = j["outputs"][1]  # Relu(Clip(x, -1, 4)) of 0..255 pixels: min 0 (x=0 column), max 4
        check(o["shape"] == [1, 3, 7, 9] and o["min"] == 0 and o["max"] == 4, "image output stats: %s" % o)
    test_compare_outputs(tmp, dyn, models["dyn_r2"], img)
    rc, out, _ = cliq("run", dyn, "--image", img, "--size", "9x7", "--mean", "255", "--std", "255", "--json")
    j = json_of("run --image --mean", out)
    check(rc == 0 and j and j["outputs"][1]["max"] == 0, "mean/std applied (all pixels <= 255): %s" % out)
    broken = os.path.join(tmp, "broken.png")
    with open(broken, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + b"x" * 40)
    rc, _, err = cliq("run", dyn, "--image", broken, "--size", "9x7")
    check(rc == 2 and "BAD_IMAGE" in err and "broken.png" in err, "undecodable image: %r" % err)
    # eval on a generated MNIST set: a 784-"class" identity-like model, labels 0..9
    mn = os.path.join(tmp, "mnist")
    os.makedirs(mn)
    n = 12
    pixels = [(i * 7 + k * 13) % 256 for i in range(n) for k in range(784)]
    labels = [i % 10 for i in range(n)]
    write_idx(os.path.join(mn, "images-idx3-ubyte.gz"), (n, 28, 28), pixels)
    write_idx(os.path.join(mn, "labels-idx1-ubyte.gz"), (n,), labels)
    # the model outputs sigmoid(clip(x)): top-1 is the first pixel > 4 in scan order (ties keep the lowest index)
    def top1(img):
        best = max(min(max(v, -1), 4) for v in img)
        return next(k for k, v in enumerate(img) if min(max(v, -1), 4) == best)
    want = sum(top1(pixels[i * 784:(i + 1) * 784]) == labels[i] for i in range(n)) / n
    rc, out, err = cliq("eval", gray, "--dataset", "mnist:" + mn, "--batch", "5", "--json")
    j = json_of("eval", out)
    if check(rc == 0 and j, "eval --json: %s" % err):
        check(j["count"] == n and abs(j["top1"] - want) < 1e-9 and 0 <= j["top1"] <= j["top5"] <= 1,
              "eval figures %s (want top1 %g)" % (j, want))
    # --skip: images 7.. only (held-out evaluation after calibrating on the first ones)
    want_skip = sum(top1(pixels[i * 784:(i + 1) * 784]) == labels[i] for i in range(7, n)) / (n - 7)
    rc, out, err = cliq("eval", gray, "--dataset", "mnist:" + mn, "--skip", "7", "--batch", "2", "--json")
    j = json_of("eval --skip", out)
    check(rc == 0 and j and j["count"] == n - 7 and j["skip"] == 7 and abs(j["top1"] - want_skip) < 1e-9,
          "eval --skip 7: %s (want top1 %g over %d images) %s" % (j, want_skip, n - 7, err))
    rc, _, err = cliq("eval", gray, "--dataset", "mnist:" + mn, "--skip", str(n))
    check(rc == 2 and "--skip" in err, "eval --skip past the end is a usage error: %r" % err)
    rc, out, err = cliq("eval", gray, "--dataset", "mnist:" + mn, "--limit", "5", "--reference", gray, "--json")
    j = json_of("eval --reference", out)
    check(rc == 0 and j and j["count"] == 5 and j["agreement"] == 1.0, "eval against itself agrees: %s %s" % (out, err))
    empty = os.path.join(tmp, "empty")
    os.makedirs(empty)
    rc, _, err = cliq("eval", gray, "--dataset", empty)
    check(rc == 2 and "BAD_DATA" in err, "eval on an empty folder: %r" % err)
    # bench: JSON, and the results files
    res = os.path.join(tmp, "results")
    rc, out, err = cliq("bench", dyn, "--dims", "H=8,W=8", "--batch", "1,2", "--runs", "3", "--warmup", "1",
                        "--results", res, "--json")
    j = json_of("bench", out)
    if check(rc == 0 and j, "bench --json: %s" % err):
        r = j["results"]
        check(len(r) == 2 and r[1]["batch"] == 2 and all(x["median_ms"] > 0 and x["images_per_s"] > 0 for x in r),
              "bench figures: %s" % r)
        check(j["git"] and j["device"], "bench header: %s" % {k: j[k] for k in ("git", "device", "driver")})
    check(os.path.exists(os.path.join(res, "bench.csv")) and os.path.exists(os.path.join(res, "bench.jsonl")),
          "bench wrote bench.csv and bench.jsonl")
    if os.path.exists(os.path.join(res, "bench.csv")):
        with open(os.path.join(res, "bench.csv")) as f:
            rows = f.read().splitlines()
        check(len(rows) == 3 and rows[0].startswith("date,git,device"), "bench.csv header + 2 rows: %s" % rows[:1])
    rc, _, err = cliq("bench", dyn, "--runs", "2", "--no-save")
    check(rc == 2 and "'H'" in err, "bench with unbound dims: %r" % err)
    # --compare: a second model in the same run, the ratio per batch size
    rc, out, err = cliq("bench", dyn, "--dims", "H=8,W=8", "--batch", "1,2", "--runs", "3", "--warmup", "1",
                        "--compare", dyn, "--no-save", "--json")
    j = json_of("bench --compare", out)
    if check(rc == 0 and j and "compare" in j, "bench --compare --json: %s" % err):
        ra = j["ratios"]
        check(len(ra) == 2 and len(j["compare"]["results"]) == 2 and
              all(abs(x["ratio"] - x["compare_median_ms"] / x["median_ms"]) < 1e-3 * x["ratio"] for x in ra),
              "bench --compare ratios: %s" % ra)


def test_compare_outputs(tmp, dyn, dyn_r2, img):
    """compare --outputs judges the named outputs only: two models equal on s and far apart on r
    give an infinite min SQNR on s alone (null in JSON) and pass --min-sqnr there, fail it when r
    counts; every output is still listed, with its judged flag; an unknown name is a usage error."""
    d = os.path.join(tmp, "one_pic")
    os.makedirs(d, exist_ok=True)
    shutil.copy(img, d)
    base = ("compare", dyn, dyn_r2, "--images", d, "--size", "9x7", "--mean", "128", "--std", "32")
    rc, out, err = cliq(*base, "--json")
    j = json_of("compare two outputs", out)
    rc_s, out_s, err_s = cliq(*base, "--outputs", "s", "--json")
    js = json_of("compare --outputs s", out_s)
    if check(rc == 0 and rc_s == 0 and j and js, "compare with and without --outputs: %s %s" % (err, err_s)):
        sq = {o["name"]: o["sqnr_db"] for o in j["outputs"]}
        check(sq["s"] is None and sq["r"] is not None and j["min_sqnr_db"] == sq["r"] and
              all("judged" not in o for o in j["outputs"]), "s equal (inf), r apart: %s" % j["outputs"])
        check(js["min_sqnr_db"] is None and [(o["name"], o["judged"]) for o in js["outputs"]] == [("s", True), ("r", False)] and
              [o["sqnr_db"] for o in js["outputs"]] == [sq["s"], sq["r"]],
              "--outputs s: r listed, not judged, min over s: %s" % out_s)
    rc, _, err = cliq(*base, "--min-sqnr", "50")
    rc_s, _, err_s = cliq(*base, "--min-sqnr", "50", "--outputs", "s")
    check(rc == 1 and rc_s == 0, "--min-sqnr 50 fails on r, passes when only s is judged: rc %d / %d %s" % (rc, rc_s, err))
    # --worst: per image, sorted worst first; on one judged output the pooled figure lies between them
    write_bmp(os.path.join(d, "pic2.bmp"), 9, 7, lambda x, y: (250 - x * 20, 30, y * 30))
    rc, out, err = cliq(*base, "--outputs", "r", "--worst", "5", "--json")
    jw = json_of("compare --worst", out)
    if check(rc == 0 and jw and len(jw.get("worst_images", [])) == 2, "compare --worst 5 on 2 images: %s %s" % (out, err)):
        w = jw["worst_images"]
        check(w[0]["sqnr_db"] <= w[1]["sqnr_db"] and sorted(x["file"] for x in w) == ["pic.bmp", "pic2.bmp"] and
              sorted(x["index"] for x in w) == [0, 1] and w[0]["sqnr_db"] <= jw["min_sqnr_db"] <= w[1]["sqnr_db"],
              "worst images sorted, named, around the pooled %s: %s" % (jw["min_sqnr_db"], w))
    rc, out, err = cliq(*base, "--worst", "1")
    check(rc == 0 and out.count(".bmp") == 1, "--worst 1 lists one image: %r" % out)
    rc, _, err = cliq(*base, "--outputs", "s,nope")
    check(rc == 2 and "'nope'" in err and "'r'" in err, "an unknown --outputs name is a usage error listing the outputs: %r" % err)


def test_demo_model(tmp):
    out_dir = os.path.join(tmp, "demo")
    rc, out, err = cliq("demo-model", out_dir)
    if rc != 0 and unsupported(err):
        print("test_cli: demo-model needs ops this build lacks: %s" % err.strip().splitlines()[-1])
        return
    if not check(rc == 0, "demo-model: %s" % err):
        return
    model = os.path.join(out_dir, "demo_cnn.onnx")
    check(len(os.listdir(os.path.join(out_dir, "images"))) == 16, "demo-model wrote 16 calibration images")
    rc, out, err = cliq("info", model, "--json")
    j = json_of("demo info", out)
    if check(rc == 0 and j, "info demo model: %s" % err):
        # conv1 8x3x3x3+8, conv2 16x8x3x3+16, fc 10x16+10
        check(j["parameters"] == 8 * 27 + 8 + 16 * 72 + 16 + 160 + 10, "demo model parameters: %s" % j["parameters"])
        # conv1 32x32x8x27, conv2 8x8x16x72, fc 160 (MACs of ops that count them)
        want = 32 * 32 * 8 * 27 + 8 * 8 * 16 * 72 + 160
        check(j["macs"] in (0, want) or abs(j["macs"] - want) <= want // 50, "demo model MACs %d (want ~%d)" % (j["macs"], want))
        check(j["preprocess"] and j["preprocess"]["width"] == 32, "demo model stores its preprocessing")
    rc, out, err = cliq("run", model, "--image", os.path.join(out_dir, "demo.png"), "--json")
    j = json_of("demo run", out)
    if check(rc == 0 and j, "run demo model: %s" % err):
        top = j["outputs"][0].get("top5", [])
        check(len(top) == 5 and abs(sum(t["prob"] for t in top) - 1) < 1 and top[0]["prob"] >= top[-1]["prob"],
              "demo top-5: %s" % top)
    test_layers_after_equalization(out_dir, model)


def layer_sqnr(float_model, int8_model, images):
    rc, out, err = cliq("compare", float_model, int8_model, "--images", images, "--layers", "--json")
    j = json_of("compare --layers", out)
    if not check(rc == 0 and j and j.get("layers"), "compare --layers: %s %s" % (out, err)):
        return None
    return {l["name"]: l["sqnr_db"] for l in j["layers"]}


def test_float_layers(model, q, images, mixed):
    """--float-layers conv2 keeps conv2 (and its fused relu2) in float: its weight and bias lose their
    DequantizeLinear, the ops around it stay int8 (conv1's chain reads back through a Q/DQ
    boundary), and a name that matches nothing is a usage error naming it."""
    rc, out, err = cliq("quantize", model, "--calib", images, "-o", mixed, "--float-layers", "conv2", "--json")
    j = json_of("quantize --float-layers", out)
    rc0, out0, _ = cliq("info", q, "--json")
    rc1, out1, _ = cliq("info", mixed, "--json")
    i0, i1 = json_of("info int8", out0), json_of("info mixed", out1)
    if check(rc == 0 and j and i0 and i1, "quantize --float-layers conv2: %s" % err):
        check(i0["op_types"]["DequantizeLinear"] - i1["op_types"]["DequantizeLinear"] == 2,
              "conv2's weight and bias stay float: %s vs %s" % (i0["op_types"], i1["op_types"]))
        check(j["float_ops"] == 4 and j["quantized_ops"] == 5, "conv2+relu2 float, conv1/relu1/pool1/gap/flatten int8: %s" % j)
    rc, out, err = cliq("quantize", model, "--calib", images, "-o", mixed, "--target-sqnr", "150", "--max-float", "1", "--json")
    j = json_of("quantize --target-sqnr", out)
    check(rc == 0 and j and j["float_activations"] <= 1 and j["sqnr_after_db"] >= j["sqnr_before_db"],
          "quantize --target-sqnr 150 --max-float 1: %s %s" % (out, err))
    rc, out, err = cliq("info", mixed, "--json")
    ji = json_of("info after --target-sqnr", out)
    if check(rc == 0 and ji and j and "fallback" in ji, "info shows the accuracy target: %s" % err):
        names = [n for n in ji["fallback"]["float_activations"].split(",") if n]
        check(len(names) == j["float_activations"] and ji["fallback"]["sqnr_db"].split()[2] == "150.00" and
              ji["activation_quantizers"] == i0["activation_quantizers"] - len(names),
              "info: %s in float of %s quantizers (report %s)" % (names, i0.get("activation_quantizers"), j["float_activations"]))
    rc, out, err = cliq("quantize", model, "--calib", images, "-o", mixed, "--target-sqnr", "150", "--max-float", "1",
                        "--target-images", images, "--target-skip", "10", "--target-limit", "4", "--json")
    j = json_of("quantize --target-images", out)
    rc_i, out_i, _ = cliq("info", mixed, "--json")
    ji = json_of("info after --target-images", out_i)
    if check(rc == 0 and j and rc_i == 0 and ji, "quantize --target-images --target-skip 10 --target-limit 4: %s" % err):
        check(j["target_images"] == 4 and j["images"] == 16 and ji["fallback"].get("judged_on") == "4 target images",
              "judged on the 4 target images, calibrated on 16: %s, info %s" % (j, ji["fallback"]))
    rc, _, err = cliq("quantize", model, "--calib", images, "-o", mixed, "--target-sqnr", "30", "--target-outputs", "nope")
    check(rc == 2 and "'nope'" in err, "an unknown --target-outputs name is an error naming it: %r" % err)
    rc, out, err = cliq("quantize", model, "--calib", images, "-o", mixed, "--target-sqnr", "150", "--max-float", "1",
                        "--target-images", images, "--target-limit", "4", "--target-drop-worst", "1", "--json")
    rc_i, out_i, _ = cliq("info", mixed, "--json")
    ji = json_of("info after --target-drop-worst", out_i)
    check(rc == 0 and rc_i == 0 and ji and ji["fallback"].get("judged_on", "").startswith("4 target images less #") and
          ji["fallback"]["judged_on"][len("4 target images less #"):] in ("0", "1", "2", "3"),
          "--target-drop-worst 1 leaves one of the 4 out: %s %s" % (ji and ji.get("fallback"), err))
    for extra in (["--target-images", images], ["--target-sqnr", "30", "--target-skip", "3"], ["--target-drop-worst", "2"]):
        rc, _, err = cliq("quantize", model, "--calib", images, "-o", mixed, *extra)
        check(rc == 2 and "--target" in err, "%s alone is a usage error: %r" % (" ".join(extra), err))
    rc, _, err = cliq("quantize", model, "--calib", images, "-o", mixed, "--target-sqnr", "lots")
    check(rc == 2 and "--target-sqnr" in err, "a bad --target-sqnr is a usage error: %r" % err)
    rc, _, err = cliq("quantize", model, "--calib", images, "-o", mixed, "--float-layers", "conv2,no_such_node")
    check(rc != 0 and "no_such_node" in err, "unknown float layer named in the error: rc %d %r" % (rc, err))


def test_sensitivity(model, q, images):
    """compare --sensitivity: its every-quantizer row is the plain compare's figure on the same
    images (the variants are built right), one row per activation quantizer of the file, sorted
    worst alone first; bad combinations are usage errors."""
    rc, out, err = cliq("compare", model, q, "--images", images, "--limit", "6", "--sensitivity", "--json")
    j = json_of("compare --sensitivity", out)
    rc0, out0, _ = cliq("compare", model, q, "--images", images, "--limit", "6", "--json")
    j0 = json_of("compare", out0)
    if not check(rc == 0 and j and j0 and j.get("quantizers"), "compare --sensitivity: %s %s" % (out, err)):
        return
    check(abs(j["all_db"] - j0["min_sqnr_db"]) <= 1e-6 * abs(j0["min_sqnr_db"]),
          "every-quantizer row %s = compare's min SQNR %s" % (j["all_db"], j0["min_sqnr_db"]))
    n_out = len(j["outputs"])
    check(n_out >= 1 and len(j["all_outputs_db"]) == n_out and len(j["weights_only_outputs_db"]) == n_out and
          all(len(r["only_outputs_db"]) == n_out == len(r["without_outputs_db"]) for r in j["quantizers"]) and
          all(r["only_db"] == min(r["only_outputs_db"]) for r in j["quantizers"]) and j["all_db"] == min(j["all_outputs_db"]),
          "per-output figures, the worst of which is the row's: %s" % {k: j[k] for k in ("outputs", "all_db", "all_outputs_db")})
    only = [r["only_db"] for r in j["quantizers"]]
    check(only == sorted(only), "rows sorted worst alone first: %s" % only)
    rc, out, err = cliq("compare", model, q, "--images", images, "--limit", "6", "--sensitivity", "--json",
                        "--outputs", j["outputs"][-1])
    jo = json_of("compare --sensitivity --outputs", out)
    check(rc == 0 and jo and jo.get("judged") == [j["outputs"][-1]] and jo["all_db"] == j["all_outputs_db"][-1] and
          jo["weights_only_db"] == j["weights_only_outputs_db"][-1],
          "--sensitivity --outputs: the judged list, figures of that output: %s %s" % (out[:300], err))
    check(j["weights_only_db"] > j["all_db"], "int8 weights alone lose less than the whole int8 model: %s vs %s" %
          (j["weights_only_db"], j["all_db"]))
    try:
        import onnx
        m = onnx.load(q)
        inits = {t.name for t in m.graph.initializer}
        acts = {n.input[0] for n in m.graph.node if n.op_type == "QuantizeLinear" and n.input[0] not in inits}
        check(sorted(r["tensor"] for r in j["quantizers"]) == sorted(acts),
              "one row per activation quantizer of the file: %s vs %s" % ([r["tensor"] for r in j["quantizers"]], acts))
    except ImportError:
        print("test_cli: onnx not installed; the quantizer list is not checked against the file")
    page = os.path.join(os.path.dirname(q), "sens.html")
    rc, out, err = cliq("compare", model, q, "--images", images, "--limit", "6", "--sensitivity", "--json", "--html", page)
    js = json_of("compare --sensitivity --html", out)
    if check(rc == 0 and js and os.path.exists(page), "compare --sensitivity --html: %s" % err):
        html = open(page).read()
        check(html.startswith("<!DOCTYPE html>") and html.count("<svg") == 1 and html.rstrip().endswith("</html>"),
              "sensitivity page: one chart in a whole page")
        check(all(r["tensor"] in html for r in js["quantizers"]) and ("%.2f dB" % js["all_db"]) in html,
              "sensitivity page names every quantizer and gives the int8 model's figure")
    page = os.path.join(os.path.dirname(q), "layers.html")
    rc, out, err = cliq("compare", model, q, "--images", images, "--limit", "6", "--layers", "--json", "--html", page)
    jl = json_of("compare --layers --html", out)
    if check(rc == 0 and jl and os.path.exists(page), "compare --layers --html: %s" % err):
        html = open(page).read()
        check(html.count("<svg") == 2 and all(l["name"] in html for l in jl["layers"]) and
              all(o["name"] in html for o in jl["outputs"]), "layers page: outputs and layers charts, every name")
    rc, _, err = cliq("compare", model, q, "--images", images, "--html", "/nonexistent-dir/x.html")
    check(rc == 2 and "x.html" in err, "an unwritable --html path is an error naming it: %r" % err)
    rc, _, err = cliq("compare", model, q, "--images", images, "--sensitivity", "--layers")
    check(rc == 2 and "--sensitivity" in err, "--sensitivity with --layers is a usage error: %r" % err)
    rc, _, err = cliq("compare", model, model, "--images", images, "--sensitivity")
    check(rc == 2 and "no activation quantizers" in err, "a float model has nothing to analyse: %r" % err)


def test_layers_after_equalization(out_dir, model):
    """Cross-layer equalization rescales conv1's output channels (conv1 -> relu1 -> pool1 -> conv2 is
    a chain): `compare --layers` must bring those tensors back with the scales the quantizer
    records, else their rows would measure the rescaling (a few dB) instead of the quantization."""
    q = os.path.join(out_dir, "demo.int8.onnx")
    images = os.path.join(out_dir, "images")
    rc, _, err = cliq("quantize", model, "--calib", images, "-o", q)
    if not check(rc == 0, "quantize demo model: %s" % err):
        return
    test_float_layers(model, q, images, os.path.join(out_dir, "demo.mixed.onnx"))
    test_sensitivity(model, q, images)
    rows = layer_sqnr(model, q, images)
    if rows is None:
        return
    check("relu1" in rows and "pool1" in rows, "equalized tensors compared: %s" % sorted(rows))
    check(all(v is not None and v >= 30 for v in rows.values()), "every layer of the demo model >= 30 dB: %s" % rows)
    try:
        import onnx
    except ImportError:
        print("test_cli: onnx not installed; the control without the recorded scales is skipped")
        return
    m = onnx.load(q)
    eq = [p.key for p in m.metadata_props if p.key.startswith("cliq.equalized.scale:")]
    check({"cliq.equalized.scale:relu1", "cliq.equalized.scale:pool1"} <= set(eq), "scales recorded: %s" % eq)
    keep = [p for p in m.metadata_props if not p.key.startswith("cliq.equalized.")]
    del m.metadata_props[:]
    m.metadata_props.extend(keep)
    bare = os.path.join(out_dir, "demo.int8.bare.onnx")
    onnx.save(m, bare)
    rows_bare = layer_sqnr(model, bare, images)
    if rows_bare is not None:  # the control: without the scales the rescaled rows are far off
        check(rows_bare.get("relu1", 99) < rows["relu1"] - 20, "without recorded scales relu1 drops: %s vs %s" %
              (rows_bare.get("relu1"), rows["relu1"]))


def test_shared():
    models = os.path.join(SHARED, "models")
    if not os.path.isdir(models):
        print("test_cli: ../shared is absent (%s): shared-model checks skipped" % models)
        return
    for name in sorted(os.listdir(models)):
        path = os.path.join(models, name, "model.onnx")
        if not os.path.exists(path):
            continue
        rc, out, err = cliq("info", path, "--json")
        if rc == 2 and unsupported(err):
            print("test_cli: %s: not supported by this build yet: %s" % (name, err.strip().split(": ")[-1]))
            continue
        j = json_of("info " + name, out)
        if not check(rc == 0 and j, "info %s: %s" % (name, err)):
            continue
        check(j["nodes"] > 0 and j["parameters"] > 1000 and j["weight_bytes"] >= j["parameters"] and not j["quantized"],
              "%s info figures sane: %s" % (name, {k: j[k] for k in ("nodes", "parameters", "weight_bytes", "macs")}))
        if name == "mnist-8":
            # conv 8x1x5x5 + 8, conv 16x8x5x5 + 16, fc 256x10 + 10 (the Reshape shapes are not weights)
            check(j["parameters"] == 208 + 3216 + 2570, "mnist-8 parameters %d" % j["parameters"])
            if j["macs"]:
                want = 28 * 28 * 8 * 25 + 14 * 14 * 16 * 200 + 2560
                check(abs(j["macs"] - want) <= want // 100, "mnist-8 MACs %d (want ~%d)" % (j["macs"], want))
        for ds in sorted(os.listdir(os.path.join(models, name))):
            d = os.path.join(models, name, ds)
            if not ds.startswith(("test_data_set", "ref_ort_test_data_set")):
                continue
            rc, out, err = cliq("run", path, "--test-data", d, "--tol", "1e-3", "--json")
            if rc == 2 and unsupported(err):
                print("test_cli: %s: not runnable by this build yet: %s" % (name, err.strip().split(": ")[-1]))
                break
            j = json_of("run %s/%s" % (name, ds), out)
            check(rc == 0 and j and j["pass"], "%s/%s within 1e-3 of the reference: %s %s" % (name, ds, out.strip(), err.strip()))


def main():
    print("test_cli: binary %s" % BIN, flush=True)
    if not os.access(BIN, os.X_OK):
        th.skip("test_cli", "no cliq binary at %s" % BIN)
    tmp = tempfile.mkdtemp(prefix="cliq_cli_")
    try:
        test_help_and_usage()
        test_devices()
        models = make_models(tmp)
        if models:
            test_generated(tmp, models)
        test_demo_model(tmp)
        test_shared()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return th.finish("test_cli")


if __name__ == "__main__":
    sys.exit(main())
