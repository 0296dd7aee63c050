/*
 * ptq.c — cliq_quantize: the post-training quantization driver (pipeline in ptq.h).
 *
 * Memory is bounded whatever the number of images: per batch the session's activations (kept for
 * reading, batch-sized), then per quantized tensor a 2048-bin histogram and per-channel sums;
 * the first CLIQ__PTQ_KEPT input images (or one batch, when larger) are kept for AUTO (which
 * uses one batch of them) and for passes that run the model (equalization, bias correction: a
 * mean over a single image, all that non-batchable models would keep otherwise, is too noisy).
 * They are read before the FLOAT passes (through a session of the unmodified model, which tells
 * the batch size and the image sizes), so data-aware float rewrites can use them; calibration
 * then starts with them.
 * Models whose graph cannot take a batch (e.g. a Reshape to a fixed [1, -1]) are calibrated one
 * image per run. Symbolic spatial dims of input 0 are bound from the preprocessing sizes.
 */
#include "ptq.h"

#include "../host/error.h"
#include "../host/model.h"
#include "../host/passes/fusion.h"
#include "../host/session.h"
#include "auto.h"
#include "calibrate.h"
#include "meta.h"
#include "pass.h"
#include "qdq.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* images kept for the passes that run the model (calib/pass.h) */
#define CLIQ__PTQ_KEPT 16

cliq_quantize_options cliq_quantize_options_default(void) {
  cliq_quantize_options o;
  memset(&o, 0, sizeof o);
  o.method = CLIQ_CALIB_MSE;
  o.percentile = 99.99;
  o.batch = 8;
  return o;
}

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t peak_rss_bytes(void) {
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
  return (uint64_t)ru.ru_maxrss * 1024u; /* kilobytes on Linux */
}

/* Where a stats entry's values come from. */
enum { SRC_NONE = 0, SRC_RUN = 1, SRC_INPUT = 2, SRC_CONST = 3 };

typedef struct run_session {
  cliq_session *s;
  size_t batch;
  cliq_buffer *out;
  size_t n_out;
} run_session;

typedef struct calib {
  cliq_context *ctx;
  const cliq_quantize_options *o;
  cliq_model *model;          /* the float model as calibrated (after FLOAT passes) */
  cliq_model *probe;          /* the float model as given, which read the first batch */
  cliq_session_options so;
  cliq_dim_binding *dims;     /* the caller's and the spatial ones */
  cliq__stats_table *tab;
  cliq__qdq_plan *plan;
  unsigned char *src;         /* per entry: SRC_* */
  int *src_input;             /* per entry: graph input index for SRC_INPUT */
  size_t n_in;
  size_t *in_elems;           /* elements of one image of input i */
  float **in_buf;             /* a batch of images per input */
  float **kept;               /* the first images (CLIQ__PTQ_KEPT or a batch), per input */
  size_t n_kept;
  size_t n_auto;              /* the first of them AUTO runs on (one batch) */
  size_t kept_pos;            /* how many of them calibration has used */
  bool source_ended;          /* the source said so while the first batch was read */
  run_session main, tail;
} calib;

static void run_session_free(run_session *r) {
  for (size_t i = 0; r->out && i < r->n_out; i++) free(r->out[i].data);
  free(r->out);
  cliq_session_destroy(r->s);
  memset(r, 0, sizeof *r);
}

static cliq_status run_session_open(calib *C, size_t batch, run_session *r) {
  memset(r, 0, sizeof *r);
  cliq_session_options so = C->so;
  so.batch = batch;
  so.keep_intermediates = 1;
  CLIQ__TRY(cliq_session_create(C->ctx, C->model, &so, &r->s));
  r->batch = batch;
  r->n_out = cliq_model_output_count(C->model);
  r->out = calloc(r->n_out + 1, sizeof *r->out);
  if (!r->out) return cliq__fail(C->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "calibration output buffers");
  for (size_t i = 0; i < r->n_out; i++) {
    cliq_tensor_info info;
    cliq_session_output(r->s, i, &info);
    size_t n = 1;
    for (size_t d = 0; d < info.rank; d++) n *= (size_t)info.dims[d];
    r->out[i].dtype = info.dtype;
    r->out[i].size = n * cliq_dtype_size(info.dtype);
    if (!(r->out[i].data = malloc(r->out[i].size ? r->out[i].size : 1)))
      return cliq__fail(C->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "calibration output buffers");
  }
  return CLIQ_STATUS_OK;
}

static void calib_free(calib *C) {
  run_session_free(&C->main);
  run_session_free(&C->tail);
  for (size_t i = 0; i < C->n_in; i++) {
    if (C->in_buf) free(C->in_buf[i]);
    if (C->kept) free(C->kept[i]);
  }
  free(C->in_buf);
  free(C->kept);
  free(C->in_elems);
  free(C->src);
  free(C->src_input);
  cliq__qdq_plan_free(C->plan);
  cliq_model_destroy(C->model);
  cliq_model_destroy(C->probe);
  free(C->dims);
}

/* Session dims: the caller's, then symbolic H and W of a 4-D input 0 from the preprocessing's
 * output size when the caller left them unbound. */
static cliq_status bind_dims(calib *C, const cliq_quantize_options *o) {
  size_t n = o->n_dims;
  if (n && !o->dims) return cliq__fail(C->ctx, CLIQ_STATUS_INVALID_ARGUMENT, "n_dims is %zu but dims is NULL", n);
  C->dims = calloc(n + 3, sizeof *C->dims);
  if (!C->dims) return cliq__fail(C->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "dim bindings");
  if (n) memcpy(C->dims, o->dims, n * sizeof *C->dims);
  C->so.dims = C->dims;
  C->so.n_dims = n;
  const cliq_preprocess *pre = o->preprocess;
  cliq_tensor_info info;
  if (!pre || cliq_model_input(C->model, 0, &info) != CLIQ_STATUS_OK || info.rank != 4) return CLIQ_STATUS_OK;
  int w = pre->width > 0 ? pre->width : pre->crop_w, h = pre->height > 0 ? pre->height : pre->crop_h;
  if (w <= 0 || h <= 0) return CLIQ_STATUS_OK;
  bool small3 = info.dims[3] == 1 || info.dims[3] == 3 || info.dims[3] == 4;
  bool small1 = info.dims[1] == 1 || info.dims[1] == 3 || info.dims[1] == 4;
  bool nhwc = pre->layout == CLIQ_LAYOUT_NHWC || (pre->layout == CLIQ_LAYOUT_AUTO && small3 && !small1);
  int pos[2] = {nhwc ? 1 : 2, nhwc ? 2 : 3}, val[2] = {h, w};
  for (int k = 0; k < 2; k++) {
    const char *name = info.dim_names[pos[k]];
    bool given = false;
    for (size_t j = 0; name && j < n; j++) given = given || (o->dims[j].name && strcmp(o->dims[j].name, name) == 0);
    if (!name || given) continue;
    C->dims[C->so.n_dims].name = name;
    C->dims[C->so.n_dims].value = val[k];
    C->so.n_dims++;
  }
  return CLIQ_STATUS_OK;
}

static bool is_quantized_graph(const cliq__graph *g, const char **op, const char **node) {
  static const char *const q[] = {"QuantizeLinear", "DequantizeLinear", "QLinearConv", "QLinearMatMul",
                                  "ConvInteger", "MatMulInteger", "DynamicQuantizeLinear"};
  for (size_t i = 0; i < g->n_nodes; i++)
    for (size_t k = 0; k < sizeof q / sizeof q[0]; k++)
      if (strcmp(g->nodes[i].op_type, q[k]) == 0) {
        *op = q[k];
        *node = g->nodes[i].name;
        return true;
      }
  return false;
}

/* Decides where each entry's values come from, and observes folded constants once. */
static cliq_status classify_entries(calib *C) {
  const cliq__graph *sg = C->main.s->g;
  C->src = calloc(C->tab->n + 1, 1);
  C->src_input = calloc(C->tab->n + 1, sizeof(int));
  if (!C->src || !C->src_input) return cliq__fail(C->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "calibration tables");
  for (size_t e = 0; e < C->tab->n; e++) {
    cliq__tstats *t = &C->tab->t[e];
    if (t->share >= 0) continue; /* reuses its owner's quantizer: no statistics needed */
    int v = cliq__graph_find_value(sg, t->name);
    if (v < 0)
      return cliq__fail(C->ctx, CLIQ_STATUS_INVALID_STATE, "tensor '%s' planned for quantization is not in the calibration session",
                        t->name);
    const cliq__value *val = &sg->values[v];
    if (val->constant) {
      C->src[e] = SRC_CONST;
      CLIQ__TRY(cliq__stats_observe(C->ctx, t, val->constant->data, val->constant->rank, val->constant->dims));
      continue;
    }
    C->src[e] = SRC_RUN;
    for (size_t i = 0; i < sg->n_inputs; i++)
      if (sg->inputs[i] == v) C->src[e] = SRC_INPUT, C->src_input[e] = (int)i;
  }
  return CLIQ_STATUS_OK;
}

static cliq_status run_and_observe(calib *C, run_session *r, size_t n_images) {
  cliq_buffer *ib = calloc(C->n_in + 1, sizeof *ib);
  if (!ib) return cliq__fail(C->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "calibration inputs");
  for (size_t i = 0; i < C->n_in; i++) {
    ib[i].dtype = CLIQ_DTYPE_FLOAT32;
    ib[i].data = C->in_buf[i];
    ib[i].size = n_images * C->in_elems[i] * sizeof(float);
  }
  cliq_status st = cliq_session_run(r->s, C->n_in, ib, r->n_out, r->out);
  free(ib);
  CLIQ__TRY(st);
  const cliq__graph *sg = r->s->g;
  for (size_t e = 0; e < C->tab->n; e++) {
    cliq__tstats *t = &C->tab->t[e];
    if (C->src[e] == SRC_INPUT) {
      cliq_tensor_info info;
      cliq_session_input(r->s, (size_t)C->src_input[e], &info);
      CLIQ__TRY(cliq__stats_observe(C->ctx, t, C->in_buf[C->src_input[e]], (int)info.rank, info.dims));
    } else if (C->src[e] == SRC_RUN) {
      int v = cliq__graph_find_value(sg, t->name);
      if (v < 0) return cliq__fail(C->ctx, CLIQ_STATUS_INVALID_STATE, "tensor '%s' is missing from a calibration session", t->name);
      cliq__tensor *x;
      CLIQ__TRY(cliq__session_read_value(r->s, v, &x));
      st = x->dtype == CLIQ_DTYPE_FLOAT32 ? cliq__stats_observe(C->ctx, t, x->data, x->rank, x->dims)
                                          : cliq__fail(C->ctx, CLIQ_STATUS_INVALID_STATE, "tensor '%s' is not float32", t->name);
      cliq__tensor_free(x);
      CLIQ__TRY(st);
    }
  }
  return CLIQ_STATUS_OK;
}

/* Fills up to `want` images from the source into the batch buffers; *got is how many. */
static cliq_status fill_batch(calib *C, const cliq_calib_source *src, size_t want, size_t *got, bool *ended) {
  *got = 0;
  if (C->kept_pos < C->n_kept) {
    /* the kept images, read before the FLOAT passes, come first */
    size_t k = C->n_kept - C->kept_pos < want ? C->n_kept - C->kept_pos : want;
    for (size_t i = 0; i < C->n_in; i++)
      memcpy(C->in_buf[i], C->kept[i] + C->kept_pos * C->in_elems[i], k * C->in_elems[i] * sizeof(float));
    *got = k;
    C->kept_pos += k;
  }
  if (*got < want && C->source_ended) {
    *ended = true;
    return CLIQ_STATUS_OK;
  }
  float **ptr = calloc(C->n_in + 1, sizeof *ptr);
  if (!ptr) return cliq__fail(C->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "calibration inputs");
  cliq_status st = CLIQ_STATUS_OK;
  while (*got < want) {
    for (size_t i = 0; i < C->n_in; i++) ptr[i] = C->in_buf[i] + *got * C->in_elems[i];
    size_t k = 0;
    cliq__error_clear(C->ctx);
    st = src->next(src->user, C->n_in, ptr, want - *got, &k);
    if (st != CLIQ_STATUS_OK) {
      if (!cliq_context_error(C->ctx)[0]) /* keep the source's own message when it set one */
        cliq__fail(C->ctx, st, "the calibration source failed after %zu images of this batch: %s", *got, cliq_status_string(st));
      break;
    }
    if (k > want - *got) {
      st = cliq__fail(C->ctx, CLIQ_STATUS_INVALID_ARGUMENT, "the calibration source wrote %zu images; at most %zu were asked", k,
                      want - *got);
      break;
    }
    if (k == 0) {
      *ended = true;
      break;
    }
    *got += k;
  }
  free(ptr);
  return st;
}

static cliq_status choose_ranges(calib *C, const cliq__calib_cfg *cfg) {
  if (C->o->method == CLIQ_CALIB_AUTO) {
    CLIQ__TRY(cliq__auto_choose(C->ctx, C->model, &C->so, C->tab, (const float *const *)C->kept, C->n_in, C->n_auto, cfg));
  }
  for (size_t e = 0; e < C->tab->n; e++) {
    cliq__tstats *t = &C->tab->t[e];
    if (t->share >= 0) continue;
    if (C->src[e] == SRC_CONST) {
      /* a folded constant: its exact range, nothing to clip */
      t->lo = t->hist.min, t->hi = t->hist.max, t->chosen = CLIQ_CALIB_MINMAX;
    } else if (C->o->method != CLIQ_CALIB_AUTO) {
      CLIQ__TRY(cliq__calib_range(C->ctx, &t->hist, cfg, &t->lo, &t->hi));
      t->chosen = cfg->method;
    }
    t->grid = cliq__qgrid_make(t->lo, t->hi, cfg->symmetric, cfg->qmin, cfg->qmax);
    t->has_grid = true;
  }
  for (size_t e = 0; e < C->tab->n; e++) {
    cliq__tstats *t = &C->tab->t[e];
    if (t->share < 0) continue;
    const cliq__tstats *r = &C->tab->t[cliq__qdq_root(C->tab, (int)e)];
    t->lo = r->lo, t->hi = r->hi, t->chosen = r->chosen, t->grid = r->grid, t->has_grid = r->has_grid;
  }
  return CLIQ_STATUS_OK;
}

/* The node that `name` names: a node of that name, else the node producing a tensor of that
 * name; -1 when none. */
static int names_node(const cliq__graph *g, const char *name) {
  int n = cliq__graph_find_node(g, name);
  if (n >= 0) return n;
  for (size_t i = 0; i < g->n_nodes; i++)
    for (size_t k = 0; k < g->nodes[i].n_outputs; k++)
      if (g->nodes[i].outputs[k] >= 0 && strcmp(g->values[g->nodes[i].outputs[k]].name, name) == 0) return (int)i;
  return -1;
}

/* Per node of g (the graph after the FLOAT passes): 1 when the options keep it in float, with the
 * activation the session would fuse into a named weighted node (cliq__fusable_activation). A
 * validated name that no longer matches (a bias Add folded into its Conv) flags nothing. */
static cliq_status float_node_flags(cliq_context *ctx, const cliq__graph *g, const cliq_quantize_options *o,
                                    unsigned char **out) {
  *out = NULL;
  if (!o->n_float_nodes) return CLIQ_STATUS_OK;
  unsigned char *f = calloc(g->n_nodes + 1, 1);
  if (!f) return cliq__fail(ctx, CLIQ_STATUS_OUT_OF_MEMORY, "float node flags");
  for (size_t k = 0; k < o->n_float_nodes; k++) {
    int n = names_node(g, o->float_nodes[k]);
    if (n < 0) continue;
    f[n] = 1;
    if (g->nodes[n].n_outputs < 1 || g->nodes[n].outputs[0] < 0) continue;
    int v = g->nodes[n].outputs[0], act;
    float a, b;
    for (size_t r = 0; r < g->n_nodes; r++)
      for (size_t i = 0; i < g->nodes[r].n_inputs; i++)
        if (g->nodes[r].inputs[i] == v && cliq__fusable_activation(g, n, (int)r, &act, &a, &b)) f[r] = 1;
  }
  *out = f;
  return CLIQ_STATUS_OK;
}

static cliq_status validate(cliq_context *ctx, const cliq_model *m, const cliq_calib_source *src, const cliq_quantize_options *o) {
  if (!m || !src || !src->next)
    return cliq__fail(ctx, CLIQ_STATUS_INVALID_ARGUMENT, "cliq_quantize needs a model and a calibration source with next()");
  if ((int)o->method < CLIQ_CALIB_MINMAX || (int)o->method > CLIQ_CALIB_AUTO)
    return cliq__fail(ctx, CLIQ_STATUS_INVALID_ARGUMENT, "calibration method %d is not one of cliq_calib_method", (int)o->method);
  if (o->method == CLIQ_CALIB_PERCENTILE && !(o->percentile > 90.0 && o->percentile <= 100.0))
    return cliq__fail(ctx, CLIQ_STATUS_INVALID_ARGUMENT,
                      "percentile %.9g is outside (90, 100]: give the share of values to keep, e.g. 99.99", o->percentile);
  const char *op, *node;
  if (is_quantized_graph(m->g, &op, &node))
    return cliq__fail(ctx, CLIQ_STATUS_UNSUPPORTED, "the model is already quantized (node '%s' is a %s): quantize the float model",
                      node, op);
  if (m->g->n_inputs == 0) return cliq__fail(ctx, CLIQ_STATUS_INVALID_ARGUMENT, "the model has no runtime input to calibrate");
  if (o->n_float_nodes && !o->float_nodes)
    return cliq__fail(ctx, CLIQ_STATUS_INVALID_ARGUMENT, "n_float_nodes is %zu but float_nodes is NULL", o->n_float_nodes);
  for (size_t k = 0; k < o->n_float_nodes; k++)
    if (!o->float_nodes[k] || names_node(m->g, o->float_nodes[k]) < 0)
      return cliq__fail(ctx, CLIQ_STATUS_INVALID_ARGUMENT,
                        "float node '%s' (float_nodes[%zu]) is neither the name of a node of the model nor of a tensor a "
                        "node produces",
                        o->float_nodes[k] ? o->float_nodes[k] : "(null)", k);
  if (o->n_target_outputs && !o->target_outputs)
    return cliq__fail(ctx, CLIQ_STATUS_INVALID_ARGUMENT, "n_target_outputs is %zu but target_outputs is NULL", o->n_target_outputs);
  if (o->target_source && !o->target_source->next)
    return cliq__fail(ctx, CLIQ_STATUS_INVALID_ARGUMENT, "target_source has no next function");
  /* checked again, dtypes included, by the fallback pass (calib/fallback.c); here so that a typo
   * fails before calibration */
  for (size_t k = 0; k < o->n_target_outputs; k++)
    if (cliq__graph_find_output(m->g, o->target_outputs[k]) < 0)
      return cliq__fail(ctx, CLIQ_STATUS_INVALID_ARGUMENT, "target output '%s' (target_outputs[%zu]) is not an output of the model",
                        o->target_outputs[k] ? o->target_outputs[k] : "(null)", k);
  for (size_t i = 0; i < m->g->n_inputs; i++)
    if (m->g->values[m->g->inputs[i]].dtype != CLIQ_DTYPE_FLOAT32)
      return cliq__fail(ctx, CLIQ_STATUS_UNSUPPORTED, "model input '%s' is %s; calibration feeds float32 inputs only",
                        m->g->values[m->g->inputs[i]].name, cliq_dtype_name(m->g->values[m->g->inputs[i]].dtype));
  return CLIQ_STATUS_OK;
}

/* Opens the calibration session at the requested batch, or image by image when the graph cannot
 * take that batch. */
static cliq_status open_main(calib *C, size_t batch) {
  cliq_status st = run_session_open(C, batch, &C->main);
  if (st == CLIQ_STATUS_OK || batch == 1) return st;
  if (st != CLIQ_STATUS_SHAPE_MISMATCH && st != CLIQ_STATUS_INVALID_MODEL && st != CLIQ_STATUS_UNSUPPORTED) return st;
  run_session_free(&C->main);
  cliq__error_clear(C->ctx);
  return run_session_open(C, 1, &C->main);
}

/* Batch buffers for the inputs of the main session (sizes per image checked against earlier
 * ones when the buffers exist: the FLOAT passes must not change the inputs). */
static cliq_status alloc_inputs(calib *C) {
  size_t B = C->main.batch;
  const cliq__graph *sg = C->main.s->g;
  if (C->in_elems && C->n_in != sg->n_inputs)
    return cliq__fail(C->ctx, CLIQ_STATUS_INVALID_STATE, "the float passes changed the model's inputs");
  C->n_in = sg->n_inputs;
  if (!C->in_elems) {
    C->in_elems = calloc(C->n_in + 1, sizeof(size_t));
    C->in_buf = calloc(C->n_in + 1, sizeof(float *));
    C->kept = calloc(C->n_in + 1, sizeof(float *));
    if (!C->in_elems || !C->in_buf || !C->kept) return cliq__fail(C->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "calibration buffers");
  }
  for (size_t i = 0; i < C->n_in; i++) {
    const cliq__value *v = &sg->values[sg->inputs[i]];
    size_t n;
    if (!cliq__shape_elems(v->rank, v->dims, &n) || n % B)
      return cliq__fail(C->ctx, CLIQ_STATUS_SHAPE_MISMATCH, "input '%s' does not split into %zu images", v->name, B);
    if (C->in_buf[i] && C->in_elems[i] != n / B)
      return cliq__fail(C->ctx, CLIQ_STATUS_INVALID_STATE, "the float passes changed the size of input '%s'", v->name);
    C->in_elems[i] = n / B;
    free(C->in_buf[i]);
    size_t bytes;
    if (!cliq__mul_size(n, sizeof(float), &bytes) || !(C->in_buf[i] = malloc(bytes ? bytes : 1)))
      return cliq__fail(C->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "a batch of %zu images for input '%s'", B, v->name);
  }
  return CLIQ_STATUS_OK;
}

/* Reads the first images into `kept` (CLIQ__PTQ_KEPT, or one batch when larger, at most the
 * limit), with a session of the float model as given (the FLOAT passes have not run yet); the
 * session and model copy are dropped again. */
static cliq_status read_first_batch(calib *C, const cliq_model *m, const cliq_calib_source *src) {
  cliq__graph *cg = cliq__graph_clone(m->g);
  if (!cg) return cliq__fail(C->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "copying the model");
  CLIQ__TRY(cliq__model_from_graph(C->ctx, cg, m->base_dir, &C->model));
  CLIQ__TRY(bind_dims(C, C->o));
  CLIQ__TRY(open_main(C, C->o->batch ? C->o->batch : 8));
  CLIQ__TRY(alloc_inputs(C));
  size_t keep = C->main.batch > CLIQ__PTQ_KEPT ? C->main.batch : CLIQ__PTQ_KEPT, have = 0;
  if (C->o->limit && C->o->limit < keep) keep = C->o->limit;
  for (size_t i = 0; i < C->n_in; i++)
    if (!(C->kept[i] = malloc(keep * C->in_elems[i] * sizeof(float))))
      return cliq__fail(C->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "keeping %zu calibration images", keep);
  while (have < keep && !C->source_ended) {
    size_t got, want = keep - have < C->main.batch ? keep - have : C->main.batch;
    CLIQ__TRY(fill_batch(C, src, want, &got, &C->source_ended));
    if (got < want) C->source_ended = true;
    for (size_t i = 0; i < C->n_in; i++)
      memcpy(C->kept[i] + have * C->in_elems[i], C->in_buf[i], got * C->in_elems[i] * sizeof(float));
    have += got;
  }
  if (have == 0) return cliq__fail(C->ctx, CLIQ_STATUS_BAD_DATA, "the calibration source gave no images");
  C->n_kept = have;
  C->n_auto = have < C->main.batch ? have : C->main.batch;
  run_session_free(&C->main);
  /* the dims bound stay (the FLOAT passes keep the inputs); their names point into this model */
  C->probe = C->model;
  C->model = NULL;
  return CLIQ_STATUS_OK;
}

static cliq_status calibrate(calib *C, const cliq_calib_source *src, size_t *images) {
  size_t B = C->main.batch;
  CLIQ__TRY(alloc_inputs(C));
  size_t limit = C->o->limit, total = src->total;
  if (limit && (total == 0 || limit < total)) total = limit;
  size_t done = 0;
  bool ended = false;
  while (!ended) {
    size_t want = B;
    if (limit && limit - done < want) want = limit - done;
    if (want == 0) break;
    size_t got;
    CLIQ__TRY(fill_batch(C, src, want, &got, &ended));
    if (got == 0) break;
    run_session *r = &C->main;
    if (got != B) {
      /* the last, partial batch: a session of that batch (made once) */
      if (C->tail.s && C->tail.batch != got) run_session_free(&C->tail);
      if (!C->tail.s) CLIQ__TRY(run_session_open(C, got, &C->tail));
      r = &C->tail;
    }
    CLIQ__TRY(run_and_observe(C, r, got));
    done += got;
    if (C->o->progress && C->o->progress(C->o->progress_user, done, total))
      return cliq__fail(C->ctx, CLIQ_STATUS_CANCELLED, "calibration cancelled by the progress callback after %zu images", done);
  }
  if (done == 0) return cliq__fail(C->ctx, CLIQ_STATUS_BAD_DATA, "the calibration source gave no images");
  *images = done;
  return CLIQ_STATUS_OK;
}

cliq_status cliq__ptq_run(cliq_context *ctx, const cliq_model *m, const cliq_calib_source *src, const cliq_quantize_options *options,
                          cliq_quantize_report *report, cliq__graph **out_graph, cliq__stats_table **out_stats) {
  *out_graph = NULL;
  if (out_stats) *out_stats = NULL;
  if (report) memset(report, 0, sizeof *report);
  double t0 = now_seconds();
  cliq_quantize_options def = cliq_quantize_options_default();
  const cliq_quantize_options *o = options ? options : &def;
  CLIQ__TRY(validate(ctx, m, src, o));

  calib C;
  memset(&C, 0, sizeof C);
  C.ctx = ctx;
  C.o = o;
  C.so = cliq_session_options_default();
  cliq__graph *g = cliq__graph_clone(m->g), *qg = NULL;
  cliq__stats_table *tab = cliq__stats_new();
  cliq_status st = g && tab ? CLIQ_STATUS_OK : cliq__fail(ctx, CLIQ_STATUS_OUT_OF_MEMORY, "copying the model to quantize");
  C.tab = tab;
  cliq__ptq ptq = {ctx, o, g, NULL, NULL, 0, 0, &C.so, m->base_dir, NULL, 0, 0, 0.0, 0.0};
  if (st == CLIQ_STATUS_OK) st = read_first_batch(&C, m, src);
  ptq.images = (const float *const *)C.kept;
  ptq.n_inputs = C.n_in;
  ptq.n_images = C.n_kept;
  if (st == CLIQ_STATUS_OK) st = cliq__ptq_passes_run(&ptq, CLIQ__PTQ_FLOAT);
  if (st == CLIQ_STATUS_OK) {
    cliq__graph *cg = cliq__graph_clone(g);
    st = cg ? cliq__model_from_graph(ctx, cg, m->base_dir, &C.model) : cliq__fail(ctx, CLIQ_STATUS_OUT_OF_MEMORY, "copying the model");
  }
  if (st == CLIQ_STATUS_OK && !C.dims) st = bind_dims(&C, o);
  if (st == CLIQ_STATUS_OK) st = open_main(&C, o->batch ? o->batch : 8);
  unsigned char *keep_float = NULL;
  if (st == CLIQ_STATUS_OK) st = float_node_flags(ctx, g, o, &keep_float);
  if (st == CLIQ_STATUS_OK) st = cliq__qdq_plan_new(ctx, g, C.main.s->g, keep_float, tab, &C.plan);
  free(keep_float);
  if (st == CLIQ_STATUS_OK) st = classify_entries(&C);
  size_t images = 0;
  if (st == CLIQ_STATUS_OK) st = calibrate(&C, src, &images);
  /* AUTO's percentile candidate: the option when it is a valid share, else 99.99 */
  double pct = o->percentile > 90.0 && o->percentile <= 100.0 ? o->percentile : 99.99;
  cliq__calib_cfg cfg = {o->method, pct, o->activations_symmetric != 0, -128, 127};
  if (st == CLIQ_STATUS_OK) st = choose_ranges(&C, &cfg);
  ptq.stats = tab;
  if (st == CLIQ_STATUS_OK) st = cliq__ptq_passes_run(&ptq, CLIQ__PTQ_CALIBRATED);
  if (st == CLIQ_STATUS_OK) st = cliq__qdq_build(ctx, g, C.plan, tab, o, &qg);
  if (st == CLIQ_STATUS_OK) st = cliq__meta_write(ctx, qg, o->preprocess, o, images);
  if (st == CLIQ_STATUS_OK) {
    ptq.g = qg;
    ptq.float_g = g;
    st = cliq__ptq_passes_run(&ptq, CLIQ__PTQ_QDQ);
  }
  if (st == CLIQ_STATUS_OK && report) {
    report->images = images;
    report->quantized_ops = C.plan->quantized_ops;
    report->float_ops = C.plan->float_ops;
    report->float_activations = ptq.fallback_float;
    report->sqnr_before_db = ptq.fallback_before_db;
    report->sqnr_after_db = ptq.fallback_after_db;
    report->target_images = ptq.fallback_images;
    report->peak_rss_bytes = peak_rss_bytes();
    report->seconds = now_seconds() - t0;
  }
  calib_free(&C);
  cliq__graph_free(g);
  if (st != CLIQ_STATUS_OK) {
    cliq__graph_free(qg);
    cliq__stats_free(tab);
    return st;
  }
  *out_graph = qg;
  if (out_stats)
    *out_stats = tab;
  else
    cliq__stats_free(tab);
  return CLIQ_STATUS_OK;
}

cliq_status cliq_quantize(cliq_context *ctx, const cliq_model *float_model, const cliq_calib_source *source,
                          const cliq_quantize_options *options, cliq_quantize_report *report, cliq_model **out_model) {
  if (!out_model) return CLIQ_STATUS_INVALID_ARGUMENT;
  *out_model = NULL;
  if (!ctx) return CLIQ_STATUS_INVALID_ARGUMENT;
  cliq__error_clear(ctx);
  cliq__graph *qg;
  CLIQ__TRY(cliq__ptq_run(ctx, float_model, source, options, report, &qg, NULL));
  /* the QDQ graph goes through the load pipeline like a saved and reloaded model would */
  double t0 = now_seconds();
  cliq_status st = cliq__model_from_graph(ctx, qg, float_model->base_dir, out_model);
  if (st == CLIQ_STATUS_OK && report) report->seconds += now_seconds() - t0;
  return st;
}
