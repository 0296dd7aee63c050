/*
 * cliq.h — the one public header of libcliq.
 *
 * cliq loads a float32 ONNX vision CNN, runs it on an OpenCL device (any vendor's GPU, or the CPU
 * through PoCL), quantizes it to int8 on the host (calibration, equalization, bias correction) and
 * runs the int8 model with per-channel int8 kernels whose outputs are bit-identical on every device.
 *
 * Objects (all opaque):
 *   cliq_context  an OpenCL device, its queue, compiled programs and the last error message.
 *   cliq_model    a parsed ONNX graph (float or QDQ int8). Device-independent; needs a context
 *                 only to report errors.
 *   cliq_session  a model bound to a batch size and concrete dims, planned for the context's
 *                 device: kernels built, weights uploaded, activation memory planned. Run it many
 *                 times.
 *   cliq_dataset  a set of preprocessed images (a folder, imagenet:DIR, mnist:DIR), used for
 *                 calibration, evaluation and comparison.
 *
 * Legal call order: context_create -> model_load -> session_create -> session_run (any number of
 * times) -> session_destroy -> model_destroy -> context_destroy. A model may back any number of
 * sessions; destroy sessions before their model and everything before its context. Calls out of
 * order return CLIQ_STATUS_INVALID_STATE.
 *
 * Errors: every call returns a cliq_status. On failure, output handles are set to NULL, nothing
 * leaks, and cliq_context_error(ctx) gives a message naming the node, the value and the rule broken
 * (and the OpenCL build log for build failures). The library never aborts, exits or prints.
 *
 * Threads: a context and everything made from it is used by one thread at a time. Different
 * contexts may be used from different threads at once; the library has no global mutable state.
 *
 * Ownership: the caller owns what it passes in (the library copies what it keeps: weights are
 * uploaded, strings duplicated) and frees the handles it gets with the matching destroy call;
 * destroy(NULL) is a no-op. Strings returned by the library live as long as their handle.
 *
 * Environment: CLIQ_DEVICE=cpu|gpu|ref|<index>|<name substring> picks the device (see
 * cliq_context_create); CLIQ_CACHE_DIR sets the program cache directory, CLIQ_NO_CACHE=1 turns the
 * cache off; CLIQ_KERNEL_DIR reads kernel sources from disk instead of the embedded copies.
 */
#ifndef CLIQ_H
#define CLIQ_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CLIQ_VERSION_MAJOR 0
#define CLIQ_VERSION_MINOR 1
#define CLIQ_VERSION_PATCH 0

/* ---------------------------------------------------------------------------------------------
 * Status codes. One X-macro list gives the enum, cliq_status_name() and cliq_status_string().
 * ------------------------------------------------------------------------------------------- */
#define CLIQ_STATUS_LIST(X)                                                                       \
  X(OK, 0, "success")                                                                             \
  X(INVALID_ARGUMENT, 1, "an argument is invalid (NULL handle, wrong size, bad option)")          \
  X(INVALID_STATE, 2, "call made out of order")                                                   \
  X(INVALID_MODEL, 3, "the model file is malformed or inconsistent")                              \
  X(UNSUPPORTED, 4, "operator, attribute or data type not supported")                             \
  X(SHAPE_MISMATCH, 5, "tensor shapes are inconsistent")                                          \
  X(IO_ERROR, 6, "a file could not be read or written")                                           \
  X(BAD_IMAGE, 7, "an image could not be decoded or does not fit the model")                      \
  X(BAD_DATA, 8, "data is unusable (NaN or infinite values, empty set, zero range)")              \
  X(OUT_OF_MEMORY, 9, "host memory exhausted or a size overflows")                                \
  X(DEVICE_OUT_OF_MEMORY, 10, "the OpenCL device ran out of memory")                              \
  X(NO_DEVICE, 11, "no usable OpenCL device")                                                     \
  X(BUILD_FAILED, 12, "an OpenCL program failed to build")                                        \
  X(DEVICE_ERROR, 13, "an OpenCL call failed")                                                    \
  X(CANCELLED, 14, "cancelled by a callback")

typedef enum cliq_status {
#define CLIQ_X_ENUM(name, value, text) CLIQ_STATUS_##name = value,
  CLIQ_STATUS_LIST(CLIQ_X_ENUM)
#undef CLIQ_X_ENUM
} cliq_status;

/* "CLIQ_STATUS_INVALID_MODEL" etc.; "CLIQ_STATUS_UNKNOWN" for values outside the enum. */
const char *cliq_status_name(cliq_status status);
/* One-line human description of the status class (not the detailed message). */
const char *cliq_status_string(cliq_status status);

/* ---------------------------------------------------------------------------------------------
 * Data types (values match ONNX TensorProto.DataType).
 * ------------------------------------------------------------------------------------------- */
typedef enum cliq_dtype {
  CLIQ_DTYPE_UNDEFINED = 0,
  CLIQ_DTYPE_FLOAT32 = 1,
  CLIQ_DTYPE_UINT8 = 2,
  CLIQ_DTYPE_INT8 = 3,
  CLIQ_DTYPE_INT32 = 6,
  CLIQ_DTYPE_INT64 = 7,
  CLIQ_DTYPE_BOOL = 9
} cliq_dtype;

const char *cliq_dtype_name(cliq_dtype dtype); /* "float32", "int8", ... */
size_t cliq_dtype_size(cliq_dtype dtype);      /* bytes per element, 0 if undefined */

#define CLIQ_MAX_RANK 8

/* ---------------------------------------------------------------------------------------------
 * Context
 * ------------------------------------------------------------------------------------------- */
typedef struct cliq_context cliq_context;

typedef struct cliq_context_options {
  /* Device selection, same syntax as CLIQ_DEVICE (which overrides it when set): NULL or "" picks
   * the first GPU, else the first CPU device; "gpu", "cpu"; a decimal index into the list of
   * cliq_device_list(); a case-insensitive substring of "platform / device" names; "ref" runs on
   * the library's C reference (no OpenCL, for checking). */
  const char *device;
  /* Non-zero: do not read or write compiled programs in the on-disk cache. */
  int no_program_cache;
  /* Cache directory; NULL: $CLIQ_CACHE_DIR, else $XDG_CACHE_HOME/cliq, else $HOME/.cache/cliq. */
  const char *cache_dir;
  /* Non-zero: record OpenCL profiling events (per-op times, cliq_session_profile). */
  int profiling;
  /* When cliq_context_create fails there is no context to keep the message: if errbuf is not NULL
   * the message is copied there (NUL-terminated, truncated to errbuf_size). */
  char *errbuf;
  size_t errbuf_size;
} cliq_context_options;

/* Zero-initialised options: default device, cache on, no profiling. */
cliq_context_options cliq_context_options_default(void);

/* Creates a context on the chosen device (options may be NULL for defaults).
 * Errors: NO_DEVICE (nothing matches), DEVICE_ERROR, OUT_OF_MEMORY. */
cliq_status cliq_context_create(const cliq_context_options *options, cliq_context **out_context);
void cliq_context_destroy(cliq_context *context);

/* Detailed message of the last failed call made with this context ("" if none). */
const char *cliq_context_error(const cliq_context *context);

typedef struct cliq_device_info {
  const char *platform;    /* "Portable Computing Language", "NVIDIA CUDA", ... */
  const char *name;        /* device name */
  const char *driver;      /* driver version */
  const char *version;     /* "OpenCL 3.0 ..." */
  int is_gpu;              /* 1 GPU, 0 CPU/other, -1 the C reference */
  size_t compute_units;
  uint64_t global_mem_bytes;
  const char *int8_paths;  /* dot-product paths available for int8: "vnni,portable", "dp4a,portable" */
} cliq_device_info;

/* The device this context runs on. Strings live as long as the context. */
cliq_status cliq_context_device(const cliq_context *context, cliq_device_info *out_info);

/* Lists all OpenCL devices (the order used by CLIQ_DEVICE=<index>). Calls fn for each device;
 * returns the number seen in *out_count. Needs no context. */
typedef void (*cliq_device_fn)(void *user, size_t index, const cliq_device_info *info);
cliq_status cliq_device_list(cliq_device_fn fn, void *user, size_t *out_count);

/* ---------------------------------------------------------------------------------------------
 * Model
 * ------------------------------------------------------------------------------------------- */
typedef struct cliq_model cliq_model;

/* Loads an ONNX model (float or QDQ-quantized). External data files are read relative to the
 * model's directory. Errors: IO_ERROR, INVALID_MODEL, UNSUPPORTED (naming op, node, opset). */
cliq_status cliq_model_load(cliq_context *context, const char *path, cliq_model **out_model);
/* The same from a serialized ModelProto in memory (external data resolved against base_dir, which
 * may be NULL). The caller may free data on return. */
cliq_status cliq_model_load_memory(cliq_context *context, const void *data, size_t size,
                                   const char *base_dir, cliq_model **out_model);
/* Writes the model as ONNX (for a quantized model: QuantizeLinear/DequantizeLinear pairs,
 * per-axis weight scales, int32 biases; preprocessing in metadata_props). */
cliq_status cliq_model_save(cliq_context *context, const cliq_model *model, const char *path);
void cliq_model_destroy(cliq_model *model);

typedef struct cliq_tensor_info {
  const char *name;
  cliq_dtype dtype;
  size_t rank;
  int64_t dims[CLIQ_MAX_RANK];          /* -1 where the dim is symbolic */
  const char *dim_names[CLIQ_MAX_RANK]; /* symbolic dim name, or NULL when fixed */
} cliq_tensor_info;

size_t cliq_model_input_count(const cliq_model *model);
size_t cliq_model_output_count(const cliq_model *model);
cliq_status cliq_model_input(const cliq_model *model, size_t index, cliq_tensor_info *out_info);
cliq_status cliq_model_output(const cliq_model *model, size_t index, cliq_tensor_info *out_info);

typedef struct cliq_model_stats {
  size_t nodes;              /* operators in the graph */
  size_t parameters;         /* weight elements (initializers) */
  size_t weight_bytes;       /* bytes of weights as stored (int8 weights count 1 byte) */
  uint64_t macs;             /* multiply-accumulates of one image; 0 if dims are symbolic */
  int quantized;             /* 1 if the model holds int8 weights (QDQ) */
  int opset;                 /* ai.onnx opset */
  size_t n_op_types;         /* entries in op_types / op_counts */
  const char *const *op_types;
  const size_t *op_counts;
} cliq_model_stats;

/* Statistics of the model as loaded (after load-time passes). Arrays live as long as the model. */
cliq_status cliq_model_stats_get(cliq_model *model, cliq_model_stats *out_stats);

/* Metadata (ONNX metadata_props) lookup; NULL when absent. */
const char *cliq_model_metadata(const cliq_model *model, const char *key);

/* ---------------------------------------------------------------------------------------------
 * Session
 * ------------------------------------------------------------------------------------------- */
typedef struct cliq_session cliq_session;

typedef struct cliq_dim_binding {
  const char *name; /* symbolic dim name, e.g. "height" */
  int64_t value;
} cliq_dim_binding;

typedef struct cliq_session_options {
  /* Batch size: binds the first dim of every input when it is symbolic, and is checked against
   * it when fixed (a fixed first dim of 1 may be raised to batch). 0 means 1. */
  size_t batch;
  /* Values of other symbolic dims. */
  const cliq_dim_binding *dims;
  size_t n_dims;
  /* Non-zero: keep every intermediate tensor in its own buffer so cliq_session_read_tensor can
   * read it after a run (calibration, layer-by-layer comparison). Uses more memory, and runs
   * activations other than ReLU/Clip as their own nodes (not fused into the op before them). */
  int keep_intermediates;
} cliq_session_options;

cliq_session_options cliq_session_options_default(void);

/* Plans model for the context's device. Errors: SHAPE_MISMATCH (dims unbound or inconsistent),
 * UNSUPPORTED, BUILD_FAILED (with the build log), DEVICE_OUT_OF_MEMORY. */
cliq_status cliq_session_create(cliq_context *context, const cliq_model *model,
                                const cliq_session_options *options, cliq_session **out_session);
void cliq_session_destroy(cliq_session *session);

/* Shapes of inputs and outputs with all dims bound. */
cliq_status cliq_session_input(const cliq_session *session, size_t index, cliq_tensor_info *out_info);
cliq_status cliq_session_output(const cliq_session *session, size_t index, cliq_tensor_info *out_info);

typedef struct cliq_buffer {
  cliq_dtype dtype;  /* must equal the model's input/output dtype */
  void *data;
  size_t size;       /* in bytes; must equal the bound tensor's size */
} cliq_buffer;

/* Runs the session: copies inputs in, runs every kernel back to back with one wait, copies
 * outputs out. inputs/outputs are in model order; n_inputs/n_outputs must match the model. */
cliq_status cliq_session_run(cliq_session *session, size_t n_inputs, const cliq_buffer *inputs,
                             size_t n_outputs, cliq_buffer *outputs);

/* With keep_intermediates: number of named tensors and their info, and reading one (as float32:
 * int8 tensors are dequantized) after a run. */
size_t cliq_session_tensor_count(const cliq_session *session);
cliq_status cliq_session_tensor(const cliq_session *session, size_t index, cliq_tensor_info *out_info);
cliq_status cliq_session_read_tensor(cliq_session *session, size_t index, float *data, size_t count);

typedef struct cliq_op_time {
  const char *node;    /* node name */
  const char *op_type; /* as executed (fused/int8 ops show their own name, e.g. "Conv+Relu", "QConv") */
  const char *kernel;  /* kernel name */
  double ms;           /* device time of the last run, from profiling events */
} cliq_op_time;

/* With profiling on: per-launch device times of the last run. The array lives until the next run. */
cliq_status cliq_session_profile(cliq_session *session, const cliq_op_time **out_times, size_t *out_count);

/* Device memory held by the session: weights and the activation arena, in bytes. */
cliq_status cliq_session_memory(const cliq_session *session, uint64_t *out_weight_bytes,
                                uint64_t *out_activation_bytes);

/* ---------------------------------------------------------------------------------------------
 * Tensor files: one serialized ONNX TensorProto per file, as in the ONNX backend-test data sets
 * (test_data_set_N/input_0.pb, output_0.pb), for checking a model against reference outputs.
 * ------------------------------------------------------------------------------------------- */
typedef struct cliq_tensor_file cliq_tensor_file;

/* Reads and parses a .pb file (raw or typed data; float32, uint8, int8, int32, int64, bool).
 * Errors: IO_ERROR, INVALID_MODEL (not a TensorProto, data size disagrees with the shape),
 * UNSUPPORTED (element type), OUT_OF_MEMORY. */
cliq_status cliq_tensor_file_read(cliq_context *context, const char *path, cliq_tensor_file **out_tensor);
void cliq_tensor_file_destroy(cliq_tensor_file *tensor);
/* Name (the TensorProto's, "" when unnamed), dtype and shape (dim_names all NULL). */
cliq_status cliq_tensor_file_info(const cliq_tensor_file *tensor, cliq_tensor_info *out_info);
/* The elements, row-major, little-endian; *out_size (may be NULL) gets their size in bytes. The
 * pointer lives as long as the tensor; it is NULL only when the tensor has no elements. */
const void *cliq_tensor_file_data(const cliq_tensor_file *tensor, size_t *out_size);

/* ---------------------------------------------------------------------------------------------
 * Images and datasets
 * ------------------------------------------------------------------------------------------- */
typedef enum cliq_layout { CLIQ_LAYOUT_AUTO = 0, CLIQ_LAYOUT_NCHW = 1, CLIQ_LAYOUT_NHWC = 2 } cliq_layout;

/* How an image becomes a model input: x' = (x - mean[c]) / std[c] with x in 0..255 and c in the
 * model's channel order (after the bgr swap). Resize is bilinear (half-pixel centres). Either
 * (width, height) resizes to exactly that size, or resize_short scales the short side to it and
 * crop_w x crop_h (default: the model's input size) is cut from the centre. When all sizes are 0
 * the model input's spatial size is used. Channels follow the model: 1 = grey (BT.601 luma), 3 =
 * RGB (BGR with bgr=1; gray=1 puts luma in each), 4 = RGB plus a constant 4th channel of 1.0 (after
 * normalisation, as RGBA models like M-LSD expect). AUTO layout: channels last when the model
 * input's last dim is 1, 3 or 4 and dim 1 is not. */
typedef struct cliq_preprocess {
  int width, height;
  int resize_short;
  int crop_w, crop_h;
  float mean[3];
  float std[3];
  int bgr;
  int gray;
  cliq_layout layout;
} cliq_preprocess;

/* mean 0, std 1, RGB, AUTO layout, sizes from the model. */
cliq_preprocess cliq_preprocess_default(void);

/* Reads preprocessing stored in a model's metadata (written by cliq quantize; keys in
 * host/io/preprocess_keys.h); returns 1 and fills *out_pre, or 0 (and defaults) when none is
 * stored or a stored value is malformed. */
int cliq_preprocess_from_model(const cliq_model *model, cliq_preprocess *out_pre);

typedef struct cliq_dataset cliq_dataset;

/* Opens images for model input 0 of `model` (which fixes channels, size and layout defaults):
 *   "DIR"            every .jpg/.jpeg/.png/.bmp in DIR (sorted by name; other files ignored)
 *   "imagenet:DIR"   DIR/labels.tsv (file, class index, ...) gives files and labels
 *   "mnist:DIR"      DIR/images-idx3-ubyte.gz and DIR/labels-idx1-ubyte.gz
 * Images are decoded lazily. Errors: IO_ERROR, BAD_DATA (empty), BAD_IMAGE. */
cliq_status cliq_dataset_open(cliq_context *context, const char *spec, const cliq_model *model,
                              const cliq_preprocess *pre, cliq_dataset **out_dataset);
void cliq_dataset_destroy(cliq_dataset *dataset);
size_t cliq_dataset_count(const cliq_dataset *dataset);
/* Elements of one preprocessed image (C*H*W). */
size_t cliq_dataset_image_elements(const cliq_dataset *dataset);
/* Decodes and preprocesses image i into data (cliq_dataset_image_elements floats); *out_label is
 * the class index or -1 when unlabeled; *out_name (may be NULL) the file name. */
cliq_status cliq_dataset_get(cliq_dataset *dataset, size_t index, float *data, int *out_label,
                             const char **out_name);

/* Decodes one image file and preprocesses it for model input 0. */
cliq_status cliq_image_load(cliq_context *context, const char *path, const cliq_model *model,
                            const cliq_preprocess *pre, float *data, size_t count);

/* ---------------------------------------------------------------------------------------------
 * Post-training quantization
 * ------------------------------------------------------------------------------------------- */

/* Where calibration data comes from: next() fills inputs[i] (model input i, as float32, up to
 * max_images images each, the layout of the model input) and sets *out_images to how many it
 * wrote; 0 ends the data. total is the number of images expected (0 if unknown, for progress). */
typedef struct cliq_calib_source {
  void *user;
  cliq_status (*next)(void *user, size_t n_inputs, float *const *inputs, size_t max_images,
                      size_t *out_images);
  size_t total;
} cliq_calib_source;

/* A source reading a dataset (the dataset must outlive the source's use). limit 0 = all. */
cliq_calib_source cliq_calib_source_dataset(cliq_dataset *dataset, size_t limit);
/* The same over images first .. first+limit-1 (limit 0: to the end), e.g. a validation range of
 * the calibration folder. A dataset holds one cursor: give each source its own dataset when two
 * are in use at once (calibration and cliq_quantize_options.target_source). */
cliq_calib_source cliq_calib_source_dataset_range(cliq_dataset *dataset, size_t first, size_t limit);

typedef enum cliq_calib_method {
  CLIQ_CALIB_MINMAX = 0,     /* observed range */
  CLIQ_CALIB_PERCENTILE = 1, /* keep `percentile` of |x| mass (99.9 .. 99.9999) */
  CLIQ_CALIB_ENTROPY = 2,    /* KL-divergence minimising threshold (TensorRT) */
  CLIQ_CALIB_MSE = 3,        /* clipping minimising expected squared quantization error */
  CLIQ_CALIB_AUTO = 4        /* per tensor, the candidate minimising its consumer's output error */
} cliq_calib_method;

/* Progress: return non-zero to cancel (the quantize call then returns CANCELLED). */
typedef int (*cliq_progress_fn)(void *user, size_t done, size_t total);

typedef struct cliq_quantize_options {
  cliq_calib_method method;
  double percentile;            /* for CLIQ_CALIB_PERCENTILE (and AUTO's candidate), e.g. 99.99 */
  int weights_per_tensor;       /* 0: per output channel (default) */
  int weights_asymmetric;       /* 0: symmetric [-127,127] (default) */
  int activations_symmetric;    /* 0: asymmetric (default) */
  size_t batch;                 /* images per calibration batch (0: 8) */
  size_t limit;                 /* stop after this many images (0: all the source gives) */
  const cliq_preprocess *preprocess; /* stored in the model's metadata when not NULL */
  /* Values of symbolic input dims other than the batch, as in cliq_session_options. Symbolic
   * height/width of input 0 not bound here are bound to the preprocessing's output size. */
  const cliq_dim_binding *dims;
  size_t n_dims;
  cliq_progress_fn progress;
  void *progress_user;
  /* Accuracy passes (DEVELOPERS.md, "Accuracy passes"). Non-zero turns off: cross-layer
   * equalization (calib/equalize.c; Nagel et al. 2019 sec. 4.1, data-aware scales), output-aware
   * weight rounding (calib/round_weights.c; GPTQ, Frantar et al. 2023) or empirical bias
   * correction (calib/bias_correct.c; Nagel et al. sec. 4.2). Measured together on the 8 shared
   * models (worst-output SQNR, 200 calibration / 100 other images): +1.5 to +20 dB on 7 of
   * them, ppocr_cls_mobile_v2 -0.3 dB (within its run-to-run noise). Each: bias
   * correction up to +5.8 dB (super_resolution-10, mlsd_320_tiny +4.8), equalization over it up
   * to +13.8 dB (super_resolution-10), weight rounding over both up to +1.6 dB (mnist-8). Cost:
   * yunet quantizes in 10.3 s instead of 7.1 s (200 images, PoCL, 2 shared cores).
   * bias_absorption (non-zero turns it ON; default off) adds high-bias absorption after
   * equalization (sec. 4.1): off because it cost 2.3 dB on ppocr_cls_mobile_v2 (minmax). */
  int no_equalize;
  int no_weight_rounding;
  int no_bias_correction;
  int bias_absorption;
  /* Nodes to keep in float (mixed precision: the layers a `cliq compare --layers` run shows
   * losing the most), named by node name or by the name of a tensor the node produces. A named
   * Conv/Gemm/MatMul keeps float weights and input, and the activation fused into it stays float
   * with it; tensors between a float node and int8 nodes are still quantized where the int8 nodes
   * read or write them. A name that matches no node is INVALID_ARGUMENT. */
  const char *const *float_nodes;
  size_t n_float_nodes;
  /* Accuracy target (automatic mixed precision, calib/fallback.c). When target_sqnr_db > 0 and
   * the int8 model's worst-output SQNR against the float model (on the first 16 calibration
   * images, or see target_source below) is below it, activation quantizers are bypassed (their readers compute in
   * float), the one whose bypass gains most first, each kept only when it helps, until the target
   * is met or max_float_activations (0: no limit) are float. Costs two runs of the images per
   * activation quantizer. The report and the metadata ("cliq.fallback.*") say what was done. */
  double target_sqnr_db;
  size_t max_float_activations;
  /* Where the target is judged. target_source (NULL: the first 16 calibration images): images
   * the calibration did not see, e.g. a validation set, so that the bypasses chosen hold beyond
   * the calibration images; up to target_limit of them (0: all it gives; each image and the float
   * outputs on it stay in memory during the pass, and each costs two runs per quantizer).
   * target_outputs (n_target_outputs names of graph outputs; none: every float32 output): the
   * outputs whose worst SQNR is the figure, e.g. to leave out a thresholded mask. A name that
   * is not a float32 output of the model is INVALID_ARGUMENT. */
  const cliq_calib_source *target_source;
  size_t target_limit;
  const char *const *target_outputs;
  size_t n_target_outputs;
  /* Leaves the N images with the lowest SQNR of their own (in the int8 model before any bypass)
   * out of the judging: an image on which the float model leaves its calibrated ranges collapses
   * any static int8 model and would carry the pooled figure (`cliq compare --worst` lists them).
   * Must be below the number of images judged (else INVALID_ARGUMENT). */
  size_t target_drop_worst;
} cliq_quantize_options;

/* method MSE (the best or near-best calibrator on the shared models), percentile 99.99, batch 8,
 * weights per channel symmetric, activations asymmetric. */
cliq_quantize_options cliq_quantize_options_default(void);

typedef struct cliq_quantize_report {
  size_t images;          /* calibration images seen */
  double seconds;         /* calibration wall time */
  uint64_t peak_rss_bytes;/* peak resident memory of the process at the end */
  size_t quantized_ops;   /* ops that run in int8 */
  size_t float_ops;       /* compute ops left in float (no int8 kernel) */
  /* with target_sqnr_db: activation quantizers bypassed, and the worst-output SQNR (dB) on the
   * kept calibration images before and after (0 when no target was set) */
  size_t float_activations;
  double sqnr_before_db, sqnr_after_db;
  size_t target_images; /* images the target was judged on (0 when no target was set) */
} cliq_quantize_report;

/* Calibrates float_model on the source (running it on the context's device), chooses ranges,
 * and builds the int8 model (QDQ form, runnable and savable). report may be NULL.
 * Errors: BAD_DATA (empty source, NaN activations), UNSUPPORTED, CANCELLED. */
cliq_status cliq_quantize(cliq_context *context, const cliq_model *float_model,
                          const cliq_calib_source *source, const cliq_quantize_options *options,
                          cliq_quantize_report *report, cliq_model **out_model);

/* Activation quantizers of a QDQ model, for sensitivity analysis (`cliq compare --sensitivity`):
 * the QuantizeLinear nodes of computed tensors or graph inputs (not of weights) whose output only
 * DequantizeLinear nodes read, in graph order. cliq_model_quantizer names the quantized tensor
 * (NULL when index >= the count); the name lives as long as the model. */
size_t cliq_model_quantizer_count(const cliq_model *model);
const char *cliq_model_quantizer(const cliq_model *model, size_t index);

/* A copy of a QDQ model in which activation quantizer i is kept when enabled[i] is non-zero and
 * bypassed otherwise (its readers read the float tensor). Weights stay int8. count must equal
 * cliq_model_quantizer_count (else INVALID_ARGUMENT). */
cliq_status cliq_model_select_quantizers(cliq_context *context, const cliq_model *model,
                                         const unsigned char *enabled, size_t count,
                                         cliq_model **out_model);

#ifdef __cplusplus
}
#endif
#endif /* CLIQ_H */
