"""cliq_ctypes.py — libcliq's public API from Python through ctypes, for the Python tests that run
ONNX models through cliq and compare with ONNX Runtime or the ONNX reference implementation.

find_lib() looks for libcliq.so next to $CLIQ_BIN (set by ctest) or in ../build; Cliq(...) creates
a context (profiling on) and run() executes a model file on numpy inputs.
"""
import ctypes
import os

import numpy as np

NP = {1: np.float32, 2: np.uint8, 3: np.int8, 6: np.int32, 7: np.int64, 9: np.bool_}
DT = {np.dtype(v): k for k, v in NP.items()}
STATUS_UNSUPPORTED = 4
STATUS_NO_DEVICE = 11


def find_lib():
    cands = []
    if os.environ.get("CLIQ_BIN"):
        cands.append(os.path.join(os.path.dirname(os.environ["CLIQ_BIN"]), "libcliq.so"))
    cands.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "libcliq.so"))
    return next((c for c in cands if os.path.exists(c)), None)


class _ContextOptions(ctypes.Structure):
    _fields_ = [("device", ctypes.c_char_p), ("no_program_cache", ctypes.c_int), ("cache_dir", ctypes.c_char_p),
                ("profiling", ctypes.c_int), ("errbuf", ctypes.c_char_p), ("errbuf_size", ctypes.c_size_t)]


class _TensorInfo(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("dtype", ctypes.c_int), ("rank", ctypes.c_size_t),
                ("dims", ctypes.c_int64 * 8), ("dim_names", ctypes.c_char_p * 8)]


class _Buffer(ctypes.Structure):
    _fields_ = [("dtype", ctypes.c_int), ("data", ctypes.c_void_p), ("size", ctypes.c_size_t)]


class _DimBinding(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("value", ctypes.c_int64)]


class _SessionOptions(ctypes.Structure):
    _fields_ = [("batch", ctypes.c_size_t), ("dims", ctypes.POINTER(_DimBinding)), ("n_dims", ctypes.c_size_t),
                ("keep_intermediates", ctypes.c_int)]


class Preprocess(ctypes.Structure):
    """cliq_preprocess: sizes, mean/std in 0..255 units, bgr, gray, layout (0 auto, 1 NCHW, 2 NHWC)."""
    _fields_ = [("width", ctypes.c_int), ("height", ctypes.c_int), ("resize_short", ctypes.c_int),
                ("crop_w", ctypes.c_int), ("crop_h", ctypes.c_int), ("mean", ctypes.c_float * 3),
                ("std", ctypes.c_float * 3), ("bgr", ctypes.c_int), ("gray", ctypes.c_int), ("layout", ctypes.c_int)]


class _OpTime(ctypes.Structure):
    _fields_ = [("node", ctypes.c_char_p), ("op_type", ctypes.c_char_p), ("kernel", ctypes.c_char_p), ("ms", ctypes.c_double)]


class Unsupported(Exception):
    """The model uses something this build of cliq does not implement (CLIQ_STATUS_UNSUPPORTED)."""


class NoDevice(Exception):
    pass


class Cliq:
    def __init__(self, lib_path, device=None):
        self.cl = ctypes.CDLL(lib_path)
        self.cl.cliq_context_error.restype = ctypes.c_char_p
        errbuf = ctypes.create_string_buffer(1024)
        opts = _ContextOptions(device.encode() if device else None, 0, None, 1, ctypes.cast(errbuf, ctypes.c_char_p), 1024)
        self.ctx = ctypes.c_void_p()
        st = self.cl.cliq_context_create(ctypes.byref(opts), ctypes.byref(self.ctx))
        if st == STATUS_NO_DEVICE:
            raise NoDevice(errbuf.value.decode())
        if st != 0:
            raise RuntimeError("creating a context: %d %s" % (st, errbuf.value.decode()))

    def error(self):
        return self.cl.cliq_context_error(self.ctx).decode()

    def image(self, model_path, image_path, pre, shape):
        """Image file -> float32 array of `shape` for input 0 of the model, preprocessed by cliq
        (cliq_image_load) exactly as cliq quantize/run/eval do. A model that does not load raises
        what _load raises (Unsupported or RuntimeError), as every method does."""
        m = self._load(model_path)
        try:
            a = np.empty(shape, dtype=np.float32)
            st = self.cl.cliq_image_load(self.ctx, image_path.encode(), m, ctypes.byref(pre), a.ctypes.data_as(ctypes.c_void_p),
                                         ctypes.c_size_t(a.size))
            if st != 0:
                raise RuntimeError("image %s: %s" % (image_path, self.error()))
            return a
        finally:
            self.cl.cliq_model_destroy(m)

    def _load(self, path):
        """cliq_model_load of file `path`: the handle, Unsupported or RuntimeError."""
        m = ctypes.c_void_p()
        st = self.cl.cliq_model_load(self.ctx, path.encode(), ctypes.byref(m))
        if st == STATUS_UNSUPPORTED:
            raise Unsupported(self.error())
        if st != 0:
            raise RuntimeError("loading %s: %s" % (path, self.error()))
        return m

    def save(self, path, out_path):
        """Loads model file `path` and writes it back with cliq_model_save (cliq's ONNX exporter)."""
        m = self._load(path)
        try:
            if self.cl.cliq_model_save(self.ctx, m, out_path.encode()) != 0:
                raise RuntimeError("saving %s: %s" % (out_path, self.error()))
        finally:
            self.cl.cliq_model_destroy(m)

    def run(self, path, feeds, env=None, runs=1, dims=None):
        """Runs model file `path` on numpy arrays (model input order). Returns (outputs, [(op_type,
        ms)] of the last run). env: variables set while the session is created and run; dims: a dict
        of symbolic dim values."""
        old = {k: os.environ.get(k) for k in (env or {})}
        os.environ.update(env or {})
        try:
            m = self._load(path)
            try:
                s = ctypes.c_void_p()
                so = None
                if dims:
                    binds = (_DimBinding * len(dims))(*[_DimBinding(k.encode(), v) for k, v in dims.items()])
                    so = _SessionOptions(1, binds, len(dims), 0)
                st = self.cl.cliq_session_create(self.ctx, m, ctypes.byref(so) if so else None, ctypes.byref(s))
                if st == STATUS_UNSUPPORTED:
                    raise Unsupported(self.error())
                if st != 0:
                    raise RuntimeError("session for %s: %s" % (path, self.error()))
                try:
                    return self._run(m, s, feeds, runs)
                finally:
                    self.cl.cliq_session_destroy(s)
            finally:
                self.cl.cliq_model_destroy(m)
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    def _run(self, m, s, feeds, runs):
        feeds = [np.ascontiguousarray(a) for a in feeds]
        ins = (_Buffer * max(1, len(feeds)))()
        for i, a in enumerate(feeds):
            ins[i] = _Buffer(DT[a.dtype], a.ctypes.data, a.nbytes)
        n_out = self.cl.cliq_model_output_count(m)
        outs, bufs = [], (_Buffer * max(1, n_out))()
        for i in range(n_out):
            info = _TensorInfo()
            self.cl.cliq_session_output(s, ctypes.c_size_t(i), ctypes.byref(info))
            a = np.empty([info.dims[d] for d in range(info.rank)], dtype=NP[info.dtype])
            outs.append(a)
            bufs[i] = _Buffer(info.dtype, a.ctypes.data, a.nbytes)
        for _ in range(runs):
            st = self.cl.cliq_session_run(s, ctypes.c_size_t(len(feeds)), ins, ctypes.c_size_t(n_out), bufs)
            if st != 0:
                raise RuntimeError("run: %s" % self.error())
        times, count = ctypes.POINTER(_OpTime)(), ctypes.c_size_t()
        prof = []
        if self.cl.cliq_session_profile(s, ctypes.byref(times), ctypes.byref(count)) == 0:
            prof = [(times[i].op_type.decode(), times[i].ms) for i in range(count.value)]
        return outs, prof
