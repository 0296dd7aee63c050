/*
 * equalize.c — cross-layer equalization, a FLOAT-stage PTQ pass (calib/pass.h).
 *
 * Source: Nagel, van Baalen, Blankevoort, Welling, "Data-Free Quantization Through Weight
 * Equalization and Bias Correction", ICCV 2019, sec. 4.1. For two layers y = f(W1 x + b1),
 * z = W2 y + b2 with f positively homogeneous (f(s x) = s f(x) for s > 0), scaling output
 * channel i of layer 1 by 1/s_i and input channel i of layer 2 by s_i keeps z exactly (up to
 * float rounding). With r1_i the range of W1's row i and r2_i the range of W2's column i, the
 * choice s_i = sqrt(r1_i r2_i) / r2_i (eq. 11) makes both ranges sqrt(r1_i r2_i): channel i's
 * activations shrink or grow with r1_i, so channels of very different ranges (the depthwise
 * layers of MobileNet-style networks) end up close, which is what per-tensor activation
 * quantization needs. A layer in two chains (a depthwise conv between an expansion and a
 * projection) is rescaled by both; the pass repeats until the scales are all ~1 (sec. 4.1:
 * "iterate until convergence").
 *
 * Data-aware scales (the default: the kept calibration images are there, calib/pass.h). cliq's
 * weights are per output channel, so what eq. 11 balances matters less than the per-tensor
 * activation between the layers; with a_i the largest |value| of channel i on the images:
 *   - readers all depthwise: s_i = a_i / max_j a_j. Every channel's activation range becomes the
 *     largest one; a depthwise weight channel is its own quantization channel, so scaling it
 *     costs nothing (its rounding error relative to its range is unchanged);
 *   - other readers: s_i = sqrt(a_i / r2_i), so a_i / s_i = r2_i s_i: the activation range of a
 *     channel and its column range in the next layer meet in the middle (eq. 11 with the
 *     activation range in place of W1's row range).
 * Without images the pass uses eq. 11. Measured on the shared models (DEVELOPERS.md,
 * "Accuracy passes"): the data-aware form is better than eq. 11 on 6 of 8.
 *
 * Chains: Conv1 -> [transparent ops] -> readers, all Convs reading it as their input (several:
 * the scale goes into each of them, r2_i is the largest column range among them). Transparent
 * ops commute with a positive per-channel scale and have one data reader each: Relu,
 * LeakyRelu, PRelu, Clip without an upper bound and with a lower bound of 0 or none, MaxPool,
 * AveragePool, GlobalAveragePool, GlobalMaxPool, Pad with zeros, Identity, Dropout. Clip with an
 * upper bound (ReLU6) is not homogeneous: equalizing through it would need a per-channel bound,
 * so those pairs are skipped. Convs of any group count (depthwise included) with constant
 * float weights (and bias) read only by them; the values between must not be graph outputs.
 *
 * High-bias absorption (sec. 4.1.1) follows equalization on chains where it is exact: see
 * absorb_chain. Options: no_equalize turns both off; absorption runs only with bias_absorption (off by
 * default: with cliq's asymmetric activations an offset costs little range, and on
 * ppocr_cls_mobile_v2 it cost 2.3 dB together with bias correction).
 */
#include "pass.h"
#include "ptq_run.h"

#include "../host/error.h"
#include "../host/ops/op.h"
#include "../host/tensor.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLE_MAX_ITERS 100
#define CLE_MAX_READERS 16
/* |log s| below which a channel counts as converged */
#define CLE_TOL 1e-4


static bool is_graph_output(const cliq__graph *g, int v) {
  for (size_t i = 0; i < g->n_outputs; i++)
    if (g->outputs[i] == v) return true;
  return false;
}

static const cliq__tensor *float_const(const cliq__graph *g, int v) {
  const cliq__tensor *t = v >= 0 ? g->values[v].constant : NULL;
  return t && t->dtype == CLIQ_DTYPE_FLOAT32 ? t : NULL;
}

/* A Clip that is a Relu: lower bound 0 (or none), no upper bound. */
static bool clip_is_relu(const cliq__graph *g, const cliq__node *n) {
  float lo = -INFINITY, hi = INFINITY;
  if (n->opset < 11) {
    lo = cliq__attr_float(n, "min", -FLT_MAX);
    hi = cliq__attr_float(n, "max", FLT_MAX);
  } else {
    for (size_t k = 1; k < n->n_inputs && k < 3; k++) {
      if (n->inputs[k] < 0) continue;
      const cliq__tensor *t = float_const(g, n->inputs[k]);
      if (!t || cliq__tensor_elems(t) != 1) return false;
      float v = ((const float *)t->data)[0];
      if (k == 1) lo = v;
      else hi = v;
    }
  }
  return (lo == 0.0f || lo <= -FLT_MAX) && hi >= FLT_MAX;
}

/* Ops through which a positive per-channel scale passes unchanged (see the banner). */
static bool transparent(const cliq__graph *g, const cliq__node *n) {
  static const char *const ops[] = {"Relu", "LeakyRelu", "PRelu", "MaxPool", "AveragePool", "GlobalAveragePool",
                                    "GlobalMaxPool", "Identity", "Dropout"};
  if (n->domain[0] || n->n_inputs < 1) return false;
  for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++)
    if (strcmp(n->op_type, ops[k]) == 0) {
      if (strcmp(n->op_type, "MaxPool") == 0 && n->n_outputs > 1 && n->outputs[1] >= 0) return false;
      return true;
    }
  if (cliq__node_is(n, "Clip")) return clip_is_relu(g, n);
  if (cliq__node_is(n, "Pad")) {
    if (strcmp(cliq__attr_string(n, "mode", "constant"), "constant") != 0) return false;
    if (n->opset < 11) return cliq__attr_float(n, "value", 0.0f) == 0.0f;
    if (n->n_inputs > 2 && n->inputs[2] >= 0) {
      const cliq__tensor *c = float_const(g, n->inputs[2]);
      return c && cliq__tensor_elems(c) == 1 && ((const float *)c->data)[0] == 0.0f;
    }
    return true;
  }
  return false;
}

/* Node indices reading v (each once), up to max; the count. */
static size_t readers(const cliq__graph *g, int v, int *out, size_t max) {
  size_t n = 0;
  for (size_t i = 0; i < g->n_nodes; i++)
    for (size_t k = 0; k < g->nodes[i].n_inputs; k++)
      if (g->nodes[i].inputs[k] == v) {
        if (n < max) out[n] = (int)i;
        n++;
        break;
      }
  return n;
}

/* A Conv with constant float weights [M, C/group, k...] and constant (or absent) float bias [M],
 * both read by this node only. */
static bool plain_conv(const cliq__graph *g, int node) {
  const cliq__node *n = &g->nodes[node];
  if (!cliq__node_is(n, "Conv") || n->n_inputs < 2 || n->n_outputs != 1) return false;
  const cliq__tensor *w = float_const(g, n->inputs[1]);
  if (!w || w->rank < 3 || cliq__graph_use_count(g, n->inputs[1]) != 1) return false;
  int64_t group = cliq__attr_int(n, "group", 1);
  if (group < 1 || w->dims[0] % group) return false;
  if (n->n_inputs > 2 && n->inputs[2] >= 0) {
    const cliq__tensor *b = float_const(g, n->inputs[2]);
    if (!b || (int64_t)cliq__tensor_elems(b) != w->dims[0] || cliq__graph_use_count(g, n->inputs[2]) != 1) return false;
  }
  return true;
}

static bool has_bias(const cliq__graph *g, int node) {
  const cliq__node *n = &g->nodes[node];
  return n->n_inputs > 2 && n->inputs[2] >= 0;
}

/* Ops after which h - c (c >= 0 per channel, h >= c) is what the op gives for h, minus c: the
 * Relu family while its input stays >= c >= 0, and pure copies. Pools are not (MaxPool's min
 * over a window is not the input's min, so the clamp could cut). */
static bool shift_transparent(const cliq__graph *g, const cliq__node *n) {
  if (cliq__node_is(n, "Relu") || cliq__node_is(n, "Identity") || cliq__node_is(n, "Dropout")) return true;
  return cliq__node_is(n, "Clip") && clip_is_relu(g, n);
}

/* A Conv with no padding: a constant shift of its input is a constant shift of its output
 * (zero padding would see the shift only inside the image). */
static bool unpadded(const cliq__node *n) {
  const char *ap = cliq__attr_string(n, "auto_pad", "NOTSET");
  if (strcmp(ap, "NOTSET") != 0 && strcmp(ap, "VALID") != 0) return false;
  int64_t pads[8];
  long np = cliq__attr_ints(n, "pads", pads, 8);
  if (np > 8) return false;
  for (long k = 0; k < np; k++)
    if (pads[k] != 0) return false;
  return true;
}

typedef struct cle_chain {
  int first;                 /* Conv1 */
  int next[CLE_MAX_READERS]; /* the Convs reading its (transparent-op) output */
  size_t n_next;
  int value;                 /* the value they read */
  bool depthwise;            /* every reader is depthwise (one input channel per group) */
  bool shift_exact;          /* high-bias absorption keeps the function (see absorb_chain) */
  double *act;               /* data-aware: per channel max |value| on the kept images, or NULL */
  double *amin;              /* data-aware: per channel min of the value on the kept images */
  double *msq;               /* data-aware: per channel mean of the value's square */
  double *total;             /* product of the scales applied so far, per channel */
  bool absorbed;             /* high-bias absorption moved amin out of the chain's values */
} cle_chain;

/* The chain starting at Conv node `first`, if any. */
static bool find_chain(const cliq__graph *g, int first, cle_chain *c) {
  if (!plain_conv(g, first)) return false;
  int v = g->nodes[first].outputs[0];
  int rd[CLE_MAX_READERS];
  bool shift_exact = has_bias(g, first);
  for (size_t guard = 0; guard <= g->n_nodes; guard++) {
    if (v < 0 || is_graph_output(g, v)) return false;
    size_t nr = readers(g, v, rd, CLE_MAX_READERS);
    if (nr == 0 || nr > CLE_MAX_READERS) return false;
    const cliq__node *r0 = &g->nodes[rd[0]];
    if (nr == 1 && transparent(g, r0) && r0->inputs[0] == v && r0->n_outputs >= 1) {
      for (size_t k = 1; k < r0->n_inputs; k++)
        if (r0->inputs[k] == v) return false;
      shift_exact = shift_exact && shift_transparent(g, r0);
      v = r0->outputs[0];
      continue;
    }
    const int64_t M = g->values[g->nodes[first].inputs[1]].constant->dims[0];
    for (size_t k = 0; k < nr; k++) {
      const cliq__node *n = &g->nodes[rd[k]];
      if (!plain_conv(g, rd[k]) || n->inputs[0] != v || n->inputs[1] == v) return false;
      const cliq__tensor *w = g->values[n->inputs[1]].constant;
      if (w->dims[1] * cliq__attr_int(n, "group", 1) != M) return false; /* input channels = M */
      c->next[k] = rd[k];
      shift_exact = shift_exact && has_bias(g, rd[k]) && unpadded(n);
    }
    c->first = first;
    c->n_next = nr;
    c->value = v;
    c->depthwise = true;
    for (size_t k = 0; k < nr; k++) c->depthwise = c->depthwise && g->values[g->nodes[rd[k]].inputs[1]].constant->dims[1] == 1;
    c->shift_exact = shift_exact;
    c->act = NULL;
    c->amin = NULL;
    c->msq = NULL;
    c->total = NULL;
    c->absorbed = false;
    return true;
  }
  return false;
}

/* Elements of a weight per output channel (C/group * kernel). */
static size_t row_elems(const cliq__tensor *w) { return cliq__tensor_elems(w) / (size_t)w->dims[0]; }

/* r1[i] = max |W1[i, ...]| */
static void row_ranges(const cliq__tensor *w, double *r) {
  size_t M = (size_t)w->dims[0], n = row_elems(w);
  const float *p = w->data;
  for (size_t i = 0; i < M; i++) {
    double m = 0.0;
    for (size_t j = 0; j < n; j++) m = fmax(m, fabs((double)p[i * n + j]));
    r[i] = m;
  }
}

/* Calls fn(ctx, input channel i, element index) for every weight of input channel i of a Conv
 * weight [M2, C/group, k...] with `group` groups; i in [0, C). */
#define FOR_COLUMN_ELEMS(w, group, BODY)                                                        \
  do {                                                                                          \
    size_t M2_ = (size_t)(w)->dims[0], Cg_ = (size_t)(w)->dims[1], K_ = row_elems(w) / Cg_;     \
    size_t Mg_ = M2_ / (size_t)(group);                                                         \
    for (size_t o_ = 0; o_ < M2_; o_++) {                                                       \
      size_t gi_ = o_ / Mg_;                                                                    \
      for (size_t c_ = 0; c_ < Cg_; c_++) {                                                     \
        size_t ch = gi_ * Cg_ + c_, base_ = (o_ * Cg_ + c_) * K_;                               \
        for (size_t k_ = 0; k_ < K_; k_++) {                                                    \
          size_t idx = base_ + k_;                                                              \
          BODY;                                                                                 \
        }                                                                                       \
      }                                                                                         \
    }                                                                                           \
  } while (0)

/* r2[i] = max over the readers of max |W2[:, i]| (input channel i) */
static void column_ranges(const cliq__graph *g, const cle_chain *c, double *r, size_t M) {
  for (size_t i = 0; i < M; i++) r[i] = 0.0;
  for (size_t k = 0; k < c->n_next; k++) {
    const cliq__node *n = &g->nodes[c->next[k]];
    const cliq__tensor *w = g->values[n->inputs[1]].constant;
    const float *p = w->data;
    FOR_COLUMN_ELEMS(w, cliq__attr_int(n, "group", 1), r[ch] = fmax(r[ch], fabs((double)p[idx])));
  }
}

/* Applies scale s (per channel of Conv1's output): W1, b1 rows / s, the readers' columns * s. */
static void apply_scales(cliq__graph *g, const cle_chain *c, const double *s) {
  const cliq__node *n1 = &g->nodes[c->first];
  cliq__tensor *w1 = g->values[n1->inputs[1]].constant;
  size_t M = (size_t)w1->dims[0], n = row_elems(w1);
  float *p = w1->data;
  for (size_t i = 0; i < M; i++)
    for (size_t j = 0; j < n; j++) p[i * n + j] = (float)((double)p[i * n + j] / s[i]);
  if (n1->n_inputs > 2 && n1->inputs[2] >= 0) {
    float *b = g->values[n1->inputs[2]].constant->data;
    for (size_t i = 0; i < M; i++) b[i] = (float)((double)b[i] / s[i]);
  }
  for (size_t k = 0; k < c->n_next; k++) {
    const cliq__node *n2 = &g->nodes[c->next[k]];
    cliq__tensor *w = g->values[n2->inputs[1]].constant;
    float *q = w->data;
    FOR_COLUMN_ELEMS(w, cliq__attr_int(n2, "group", 1), q[idx] = (float)((double)q[idx] * s[ch]));
  }
}

/* The quantization noise the readers' outputs would get with scales s, up to a common factor
 * (a model, not a measurement): per-tensor activation rounding, step D_a = range / 255 (twice for
 * a signed value), through W2 s; plus per-output-channel weight rounding, step R_o / 127 with
 * R_o the largest |W2[o, i] s_i| of row o, times E[(x_i / s_i)^2]. Uniform rounding noise has
 * variance step^2 / 12 in both terms, which cancels. */
static double chain_noise(const cliq__graph *g, const cle_chain *c, const double *s, size_t M) {
  double amax = 0.0;
  bool signed_value = false;
  for (size_t i = 0; i < M; i++) amax = fmax(amax, c->act[i] / s[i]), signed_value = signed_value || c->amin[i] < 0.0;
  double da = amax / 255.0 * (signed_value ? 2.0 : 1.0), act = 0.0, wgt = 0.0;
  for (size_t k = 0; k < c->n_next; k++) {
    const cliq__node *n2 = &g->nodes[c->next[k]];
    const cliq__tensor *w = g->values[n2->inputs[1]].constant;
    const float *p = w->data;
    size_t per_o = row_elems(w);
    double r = 0.0, xs = 0.0;
    FOR_COLUMN_ELEMS(w, cliq__attr_int(n2, "group", 1), {
      double v = (double)p[idx] * s[ch];
      act += v * v;
      r = fmax(r, fabs(v));
      xs += c->msq[ch] / (s[ch] * s[ch]);
      if ((idx + 1) % per_o == 0) {
        wgt += (r / 127.0) * (r / 127.0) * xs;
        r = xs = 0.0;
      }
    });
  }
  return da * da * act + wgt;
}

/* One equalization step of a chain; returns max |log s_i|. */
static double equalize_chain(cliq__graph *g, const cle_chain *c, double *r1, double *r2, double *s) {
  const cliq__tensor *w1 = g->values[g->nodes[c->first].inputs[1]].constant;
  size_t M = (size_t)w1->dims[0];
  row_ranges(w1, r1);
  column_ranges(g, c, r2, M);
  double amax = 0.0;
  for (size_t i = 0; c->act && i < M; i++) amax = fmax(amax, c->act[i]);
  double worst = 0.0;
  for (size_t i = 0; i < M; i++) {
    if (c->act && c->depthwise)
      s[i] = c->act[i] > 0.0 && amax > 0.0 ? c->act[i] / amax : 1.0; /* every channel's range -> amax */
    else if (c->act)
      s[i] = c->act[i] > 0.0 && r2[i] > 0.0 ? sqrt(c->act[i] / r2[i]) : 1.0; /* act_i / s_i = r2_i s_i */
    else /* eq. 11; a channel that is zero on either side carries nothing to balance */
      s[i] = r1[i] > 0.0 && r2[i] > 0.0 ? sqrt(r1[i] * r2[i]) / r2[i] : 1.0;
    if (!isfinite(s[i]) || s[i] <= 0.0) s[i] = 1.0;
  }
  if (c->act && !c->depthwise) {
    /* a trade-off (see chain_noise): only a step that lowers the modelled noise is taken */
    double *one = r1; /* free again */
    for (size_t i = 0; i < M; i++) one[i] = 1.0;
    if (chain_noise(g, c, s, M) >= chain_noise(g, c, one, M))
      for (size_t i = 0; i < M; i++) s[i] = 1.0;
  }
  for (size_t i = 0; i < M; i++) {
    worst = fmax(worst, fabs(log(s[i])));
    if (c->act) c->act[i] /= s[i], c->amin[i] /= s[i], c->msq[i] /= s[i] * s[i];
    c->total[i] *= s[i];
  }
  apply_scales(g, c, s);
  return worst;
}

/* High-bias absorption (Nagel et al. 2019, sec. 4.1, eq. 13-14): with h = relu(W1 x + b1) and
 * c_i >= 0 a value channel i never goes below, relu(W1 x + b1 - c) = h - c, and
 * W2 (h - c) + (b2 + W2 c) = W2 h + b2 when W2 has no padding (a padded border would read 0, not
 * -c). The paper takes c = max(0, beta - 3 gamma) from batch norm; here c_i = max(0, min of
 * channel i on the kept calibration images), so the function is unchanged on those images
 * (up to float rounding) and the activation range loses its offset. */
static void absorb_chain(cliq__graph *g, const cle_chain *c) {
  const cliq__node *n1 = &g->nodes[c->first];
  size_t M = (size_t)g->values[n1->inputs[1]].constant->dims[0];
  float *b1 = g->values[n1->inputs[2]].constant->data;
  for (size_t k = 0; k < c->n_next; k++) {
    const cliq__node *n2 = &g->nodes[c->next[k]];
    const cliq__tensor *w = g->values[n2->inputs[1]].constant;
    float *b2 = g->values[n2->inputs[2]].constant->data;
    const float *p = w->data;
    size_t per_o = row_elems(w), o = 0;
    double acc = 0.0;
    /* b2[o] += sum over o's input channels and taps of W2[o, ., .] c; the walk is in order of o */
    FOR_COLUMN_ELEMS(w, cliq__attr_int(n2, "group", 1), {
      double ci = ch < M && c->amin[ch] > 0.0 && isfinite(c->amin[ch]) ? c->amin[ch] : 0.0;
      acc += (double)p[idx] * ci;
      if ((idx + 1) % per_o == 0) {
        b2[o] = (float)((double)b2[o] + acc);
        acc = 0.0;
        o++;
      }
    });
  }
  for (size_t i = 0; i < M; i++)
    if (c->amin[i] > 0.0 && isfinite(c->amin[i])) b1[i] = (float)((double)b1[i] - c->amin[i]);
}

/* Writes into the graph's metadata how the chain's values now relate to the float model's, so
 * that `cliq compare --layers` can compare them (equalized values are not the model's values any
 * more, and a per-tensor SQNR against them would only measure the rescaling): for every value
 * from Conv1's output through the transparent ops to the value the readers read,
 *   "cliq.equalized.scale:<name>" = f_0 f_1 ...   equalized[c] = float[c] * f_c - a_c
 *   "cliq.equalized.shift:<name>" = a_0 a_1 ...   (only after high-bias absorption)
 * on channel axis 1. */
static bool record_chain(cliq__graph *g, const cle_chain *c) {
  size_t M = (size_t)g->values[g->nodes[c->first].inputs[1]].constant->dims[0];
  bool rescaled = false;
  for (size_t i = 0; i < M; i++) rescaled = rescaled || fabs(log(c->total[i])) > CLE_TOL;
  if (!rescaled && !c->absorbed) return true;
  size_t cap = M * 18 + 1;
  char *scale = malloc(cap), *shift = malloc(cap);
  bool ok = scale && shift;
  size_t ns = 0, na = 0;
  for (size_t i = 0; ok && i < M; i++) {
    double a = c->absorbed && c->amin[i] > 0.0 && isfinite(c->amin[i]) ? c->amin[i] : 0.0;
    ns += (size_t)snprintf(scale + ns, cap - ns, i ? " %.9g" : "%.9g", 1.0 / c->total[i]);
    na += (size_t)snprintf(shift + na, cap - na, i ? " %.9g" : "%.9g", a);
  }
  int v = g->nodes[c->first].outputs[0], rd[CLE_MAX_READERS];
  for (size_t guard = 0; ok && guard <= g->n_nodes; guard++) {
    size_t klen = strlen(g->values[v].name) + 32;
    char *key = malloc(klen);
    ok = key != NULL;
    if (ok) snprintf(key, klen, "cliq.equalized.scale:%s", g->values[v].name);
    ok = ok && cliq__graph_set_metadata(g, key, scale);
    if (ok && c->absorbed) {
      snprintf(key, klen, "cliq.equalized.shift:%s", g->values[v].name);
      ok = cliq__graph_set_metadata(g, key, shift);
    }
    free(key);
    if (v == c->value || readers(g, v, rd, CLE_MAX_READERS) != 1) break;
    v = g->nodes[rd[0]].outputs[0];
  }
  free(scale);
  free(shift);
  return ok;
}

/* Per channel max |x| of each chain's value over the kept images, on the graph as it is. */
static cliq_status chain_activations(cliq__ptq *ptq, cle_chain *chains, size_t n) {
  cliq__ptq_runner r;
  CLIQ__TRY(cliq__ptq_runner_open(ptq, ptq->g, &r));
  cliq_status st = CLIQ_STATUS_OK;
  for (size_t k = 0; k < n && st == CLIQ_STATUS_OK; k++) {
    size_t M = (size_t)ptq->g->values[ptq->g->nodes[chains[k].first].inputs[1]].constant->dims[0];
    chains[k].act = calloc(M, sizeof(double));
    chains[k].amin = malloc(M * sizeof(double));
    chains[k].msq = calloc(M, sizeof(double));
    if (!chains[k].act || !chains[k].amin || !chains[k].msq) st = cliq__fail(ptq->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "equalization statistics");
    for (size_t i = 0; chains[k].amin && i < M; i++) chains[k].amin[i] = INFINITY;
  }
  for (size_t im = 0; im < ptq->n_images && st == CLIQ_STATUS_OK; im++) {
    st = cliq__ptq_runner_run(&r, im);
    for (size_t k = 0; k < n && st == CLIQ_STATUS_OK; k++) {
      cliq__tensor *t;
      st = cliq__ptq_runner_read(&r, ptq->g->values[chains[k].value].name, &t);
      if (st != CLIQ_STATUS_OK || !t) continue;
      size_t M = (size_t)ptq->g->values[ptq->g->nodes[chains[k].first].inputs[1]].constant->dims[0];
      if (t->rank >= 2 && (size_t)t->dims[1] == M) {
        size_t outer = (size_t)t->dims[0], inner = cliq__tensor_elems(t) / (outer * M);
        const float *x = t->data;
        for (size_t o = 0; o < outer; o++)
          for (size_t i = 0; i < M; i++) {
            double m = 0.0;
            for (size_t j = 0; j < inner; j++) {
              double xv = x[(o * M + i) * inner + j];
              m = fmax(m, fabs(xv));
              chains[k].amin[i] = fmin(chains[k].amin[i], xv);
              chains[k].msq[i] += xv * xv / (double)(ptq->n_images * outer * inner);
            }
            chains[k].act[i] = fmax(chains[k].act[i], m);
          }
      }
      cliq__tensor_free(t);
    }
  }
  cliq__ptq_runner_close(&r);
  return st;
}

static void chains_free(cle_chain *chains, size_t n) {
  for (size_t k = 0; k < n; k++) free(chains[k].act), free(chains[k].amin), free(chains[k].msq), free(chains[k].total);
  free(chains);
}

cliq_status cliq__ptq_equalize(cliq__ptq *ptq) {
  if (ptq->options && ptq->options->no_equalize) return CLIQ_STATUS_OK;
  cliq__graph *g = ptq->g;
  cle_chain *chains = malloc((g->n_nodes + 1) * sizeof *chains);
  if (!chains) return cliq__fail(ptq->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "cross-layer equalization");
  size_t n = 0, maxM = 0;
  bool ok = true;
  for (size_t i = 0; ok && i < g->n_nodes; i++)
    if (find_chain(g, (int)i, &chains[n])) {
      size_t M = (size_t)g->values[g->nodes[i].inputs[1]].constant->dims[0];
      if (M > maxM) maxM = M;
      ok = (chains[n].total = malloc(M * sizeof(double))) != NULL;
      for (size_t k = 0; ok && k < M; k++) chains[n].total[k] = 1.0;
      n++;
    }
  double *buf = ok && n ? malloc(3 * maxM * sizeof(double)) : NULL;
  if (!ok || (n && !buf)) {
    chains_free(chains, n);
    return cliq__fail(ptq->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "cross-layer equalization of %zu channels", maxM);
  }
  if (n && ptq->images && ptq->n_images) {
    cliq_status st = chain_activations(ptq, chains, n);
    if (st != CLIQ_STATUS_OK) {
      free(buf);
      chains_free(chains, n);
      return st;
    }
  }
  for (int it = 0; it < CLE_MAX_ITERS && n; it++) {
    double worst = 0.0;
    for (size_t k = 0; k < n; k++) worst = fmax(worst, equalize_chain(g, &chains[k], buf, buf + maxM, buf + 2 * maxM));
    if (worst < CLE_TOL) break;
  }
  for (size_t k = 0; k < n; k++) {
    if (chains[k].amin && chains[k].shift_exact && ptq->options && ptq->options->bias_absorption) {
      absorb_chain(g, &chains[k]);
      chains[k].absorbed = true;
    }
    ok = ok && record_chain(g, &chains[k]);
  }
  free(buf);
  chains_free(chains, n);
  return ok ? CLIQ_STATUS_OK : cliq__fail(ptq->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "recording the equalization scales");
}
