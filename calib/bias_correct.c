/*
 * bias_correct.c — empirical bias correction, a QDQ-stage PTQ pass (calib/pass.h): removes the
 * systematic (mean) output error that rounding a layer's weights to int8 adds, by moving the
 * layer's int32 bias.
 *
 * Source: Nagel, van Baalen, Blankevoort, Welling, "Data-Free Quantization Through Weight
 * Equalization and Bias Correction", ICCV 2019, sec. 4.2. With eps = W~ - W the weight error
 * (dequantized int8 weights minus float weights), a layer's output error has mean
 * E[y~ - y] = eps E[x] (eq. 14), per output channel; subtracting it from the bias makes the error
 * zero-mean. The paper's data-free form takes E[x] from batch-norm statistics; the empirical form
 * used here measures it on the kept calibration images (calib/pass.h: cliq__ptq.images), on the
 * activations the quantized model itself feeds the layer (the QDQ graph run on the device), so
 * the errors of the layers before it are part of E[x]. For a Conv, E[x] is taken per input
 * channel *and kernel tap* over the output positions, zero padding included, so borders and
 * strides are exact: delta[o] = sum_{c,t} eps[o, c, t] mean_p x[c, p*stride + t*dilation - pad].
 * All layers are measured in one run of the QDQ graph (not re-run after each correction): a
 * correction moves the next layers' E[x] by the small mean error it removes, a second-order
 * effect.
 *
 * Layers: Conv and Gemm (transA = 0) of the QDQ graph whose weights are an int8 constant and
 * whose bias is an int32 constant, each through a DequantizeLinear with constant scales; a layer
 * without a bias keeps its error (adding one would change the graph's form). The new bias is
 * round(b_int - delta / s_bias), saturated to int32, on the existing bias scale: the numerics
 * contract is unchanged (DEVELOPERS.md, "Numerics contract").
 */
#include "pass.h"
#include "ptq_run.h"

#include "../host/error.h"
#include "../host/ops/conv_attrs.h"
#include "../host/ops/op.h"
#include "../host/session.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>


typedef struct bc_layer {
  bool conv;
  cliq__conv_geom geom;  /* Conv: from the float session's graph (bound dims) */
  int64_t M, K;          /* output channels; weights per output channel */
  int64_t taps;          /* Conv: kernel elements */
  double *eps;           /* M x K, row o = weights of output channel o in ONNX order */
  cliq__tensor *bias;    /* the int32 bias constant of the QDQ graph (edited in place) */
  const float *bscale;   /* per output channel, or 1 */
  size_t n_bscale;
  int fv;                /* the layer's input in the float session's graph */
  const char *qname;     /* the same tensor's name in the QDQ graph (read on the QDQ session) */
  double *sum;           /* Conv: C x taps sums of shifted inputs; Gemm: K column sums */
  double count;          /* output positions summed */
} bc_layer;

/* eps = dequantized - float weights, rows per output channel. Weight w[o, k] of a Gemm with
 * transB = 0 is stored [K, M]. */
static bool weight_error(const cliq__graph *q, int d, const cliq__tensor *w, bc_layer *L, bool kn, bool *oom) {
  const cliq__node *dn = &q->nodes[d];
  const cliq__tensor *wq = q->values[dn->inputs[0]].constant, *s = q->values[dn->inputs[1]].constant;
  const cliq__tensor *z = dn->n_inputs > 2 && dn->inputs[2] >= 0 ? q->values[dn->inputs[2]].constant : NULL;
  size_t ns = cliq__tensor_elems(s);
  int axis = (int)cliq__attr_int(dn, "axis", 1);
  if (ns != 1 && (ns != (size_t)L->M || axis != (kn ? 1 : 0))) return false;
  size_t n;
  if (!cliq__mul_size((size_t)L->M, (size_t)L->K, &n) || !(L->eps = malloc((n ? n : 1) * sizeof(double)))) return !(*oom = true);
  const int8_t *qd = wq->data;
  const float *wf = w->data, *sd = s->data;
  for (int64_t o = 0; o < L->M; o++) {
    size_t c = ns > 1 ? (size_t)o : 0;
    double sc = sd[c], zp = z ? ((const int8_t *)z->data)[c] : 0;
    for (int64_t k = 0; k < L->K; k++) {
      size_t idx = kn ? (size_t)(k * L->M + o) : (size_t)(o * L->K + k);
      L->eps[o * L->K + k] = ((double)qd[idx] - zp) * sc - (double)wf[idx];
    }
  }
  return true;
}

/* Fills L for node i of the QDQ graph when it is a layer this pass corrects (see the banner);
 * *oom set when its buffers could not be had. */
static bool describe(cliq__ptq *ptq, cliq_session *fs, int i, bc_layer *L, bool *oom) {
  const cliq__graph *q = ptq->g, *fg = ptq->float_g;
  const cliq__node *n = &q->nodes[i];
  memset(L, 0, sizeof *L);
  bool conv = cliq__node_is(n, "Conv"), gemm = cliq__node_is(n, "Gemm");
  if (!conv && !gemm) return false;
  if (gemm && (cliq__attr_int(n, "transA", 0) || cliq__attr_float(n, "alpha", 1.0f) != 1.0f ||
               cliq__attr_float(n, "beta", 1.0f) != 1.0f))
    return false;
  int dw = cliq__ptq_const_dq(q, i, 1, CLIQ_DTYPE_INT8), db = cliq__ptq_const_dq(q, i, 2, CLIQ_DTYPE_INT32);
  int fn = cliq__graph_find_node(fg, n->name), sn = cliq__graph_find_node(fs->g, n->name);
  if (dw < 0 || db < 0 || fn < 0 || sn < 0) return false;
  const cliq__node *f = &fg->nodes[fn], *s = &fs->g->nodes[sn];
  if (f->n_inputs < 2 || f->inputs[0] < 0 || f->inputs[1] < 0 || s->n_inputs < 1 || s->inputs[0] < 0) return false;
  if (strcmp(s->op_type, n->op_type) != 0) return false;
  const cliq__tensor *w = fg->values[f->inputs[1]].constant;
  const cliq__tensor *wq = q->values[q->nodes[dw].inputs[0]].constant;
  if (!w || w->dtype != CLIQ_DTYPE_FLOAT32 || w->rank != wq->rank || w->rank < 2) return false;
  for (int k = 0; k < w->rank; k++)
    if (w->dims[k] != wq->dims[k]) return false;
  bool kn = false;
  L->conv = conv;
  L->fv = s->inputs[0];
  L->qname = fg->values[f->inputs[0]].name;
  if (conv) {
    cliq__opctx oc = {NULL, fs->g, sn};
    if (w->rank < 3 || cliq__conv_geometry(&oc, false, &L->geom) != CLIQ_STATUS_OK || L->geom.N < 1) return false;
    L->M = w->dims[0];
    L->K = (int64_t)(cliq__tensor_elems(w) / (size_t)w->dims[0]);
    L->taps = L->geom.k[0] * L->geom.k[1] * L->geom.k[2];
    if (L->M != L->geom.M || L->K != (L->geom.C / L->geom.G) * L->taps) return false;
  } else {
    if (w->rank != 2) return false;
    kn = cliq__attr_int(n, "transB", 0) == 0;
    L->M = w->dims[kn ? 1 : 0];
    L->K = w->dims[kn ? 0 : 1];
    const cliq__value *x = &fs->g->values[L->fv];
    if (x->rank != 2 || x->dims[1] != L->K) return false;
  }
  const cliq__node *bn = &q->nodes[db];
  L->bias = q->values[bn->inputs[0]].constant;
  const cliq__tensor *bs = q->values[bn->inputs[1]].constant;
  L->bscale = bs->data;
  L->n_bscale = cliq__tensor_elems(bs);
  if (cliq__tensor_elems(L->bias) != (size_t)L->M || (L->n_bscale != 1 && L->n_bscale != (size_t)L->M)) return false;
  size_t ns = conv ? (size_t)(L->geom.C * L->taps) : (size_t)L->K;
  if (!(L->sum = calloc(ns ? ns : 1, sizeof(double)))) return !(*oom = true);
  return weight_error(q, dw, w, L, kn, oom);
}

/* Adds one run's input x (the layer's input for the whole session batch) to L->sum. */
static void accumulate(bc_layer *L, const cliq__tensor *x) {
  const float *xd = x->data;
  if (!L->conv) {
    size_t rows = cliq__tensor_elems(x) / (size_t)L->K;
    for (size_t r = 0; r < rows; r++)
      for (int64_t k = 0; k < L->K; k++) L->sum[k] += xd[r * (size_t)L->K + (size_t)k];
    L->count += (double)rows;
    return;
  }
  const cliq__conv_geom *g = &L->geom;
  int64_t ID = g->in[0], IH = g->in[1], IW = g->in[2], sp = ID * IH * IW;
  for (int64_t n = 0; n < g->N; n++)
    for (int64_t c = 0; c < g->C; c++) {
      double *acc = L->sum + (size_t)(c * L->taps);
      int64_t t = 0;
      for (int64_t kd = 0; kd < g->k[0]; kd++)
        for (int64_t kh = 0; kh < g->k[1]; kh++)
          for (int64_t kw = 0; kw < g->k[2]; kw++, t++) {
            double s = 0.0;
            for (int64_t od = 0; od < g->out[0]; od++) {
              int64_t id = od * g->s[0] + kd * g->d[0] - g->pb[0];
              if (id < 0 || id >= ID) continue;
              for (int64_t oh = 0; oh < g->out[1]; oh++) {
                int64_t ih = oh * g->s[1] + kh * g->d[1] - g->pb[1];
                if (ih < 0 || ih >= IH) continue;
                for (int64_t ow = 0; ow < g->out[2]; ow++) {
                  int64_t iw = ow * g->s[2] + kw * g->d[2] - g->pb[2];
                  if (iw < 0 || iw >= IW) continue;
                  int64_t p = (id * IH + ih) * IW + iw;
                  s += g->nhwc ? xd[(n * sp + p) * g->C + c] : xd[(n * g->C + c) * sp + p];
                }
              }
            }
            acc[t] += s;
          }
    }
  L->count += (double)(g->N * g->out[0] * g->out[1] * g->out[2]);
}

/* delta[o] = sum_k eps[o, k] E[x_k]; the bias moves by -delta / s_bias. */
static void correct(bc_layer *L) {
  if (!(L->count > 0.0)) return;
  int32_t *b = L->bias->data;
  for (int64_t o = 0; o < L->M; o++) {
    const double *e = L->eps + o * L->K;
    double delta = 0.0;
    if (L->conv) {
      int64_t cg = L->geom.C / L->geom.G, gi = o / (L->M / L->geom.G);
      const double *m = L->sum + (size_t)(gi * cg * L->taps); /* the group's channels, tap-major inside */
      for (int64_t k = 0; k < L->K; k++) delta += e[k] * m[k];
    } else {
      for (int64_t k = 0; k < L->K; k++) delta += e[k] * L->sum[k];
    }
    delta /= L->count;
    double s = L->bscale[L->n_bscale > 1 ? o : 0];
    if (!(s > 0.0) || !isfinite(delta)) continue;
    double nb = nearbyint((double)b[o] - delta / s);
    b[o] = nb > (double)INT32_MAX ? INT32_MAX : nb < (double)INT32_MIN ? INT32_MIN : (int32_t)nb;
  }
}

/* The layer's input for this run: from the QDQ session when it has the tensor with the float
 * shape (what the quantized layer sees), else the float session's. */
static cliq_status layer_input(cliq__ptq_runner *qr, cliq__ptq_runner *fr, const bc_layer *L, cliq__tensor **x) {
  const cliq__value *fv = &fr->s->g->values[L->fv];
  size_t want;
  if (!cliq__shape_elems(fv->rank, fv->dims, &want)) want = 0;
  *x = NULL;
  if (!(L->conv && L->geom.nhwc)) {
    CLIQ__TRY(cliq__ptq_runner_read(qr, L->qname, x));
    if (*x && (cliq__tensor_elems(*x) != want || (*x)->dtype != CLIQ_DTYPE_FLOAT32)) {
      cliq__tensor_free(*x);
      *x = NULL;
    }
  }
  if (!*x) {
    CLIQ__TRY(cliq__session_read_value(fr->s, L->fv, x));
    if ((*x)->dtype != CLIQ_DTYPE_FLOAT32 || cliq__tensor_elems(*x) != want) {
      cliq__tensor_free(*x);
      *x = NULL;
    }
  }
  return CLIQ_STATUS_OK;
}

cliq_status cliq__ptq_bias_correct(cliq__ptq *ptq) {
  if ((ptq->options && ptq->options->no_bias_correction) || !ptq->float_g || !ptq->images || !ptq->n_images)
    return CLIQ_STATUS_OK;
  cliq__ptq_runner fr, qr;
  CLIQ__TRY(cliq__ptq_runner_open(ptq, ptq->float_g, &fr));
  cliq_status st = cliq__ptq_runner_open(ptq, ptq->g, &qr);
  if (st != CLIQ_STATUS_OK) {
    cliq__ptq_runner_close(&fr);
    return st;
  }
  cliq__graph *q = ptq->g;
  bc_layer *layers = calloc(q->n_nodes + 1, sizeof *layers);
  size_t n = 0;
  if (!layers) st = cliq__fail(ptq->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "bias correction");
  for (size_t i = 0; st == CLIQ_STATUS_OK && i < q->n_nodes; i++) {
    bool oom = false;
    if (describe(ptq, fr.s, (int)i, &layers[n], &oom)) {
      n++;
    } else {
      free(layers[n].eps);
      free(layers[n].sum);
      if (oom) st = cliq__fail(ptq->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "bias correction of node '%s'", q->nodes[i].name);
    }
  }
  for (size_t im = 0; st == CLIQ_STATUS_OK && im < ptq->n_images; im++) {
    st = cliq__ptq_runner_run(&fr, im);
    if (st == CLIQ_STATUS_OK) st = cliq__ptq_runner_run(&qr, im);
    for (size_t k = 0; st == CLIQ_STATUS_OK && k < n; k++) {
      cliq__tensor *x;
      st = layer_input(&qr, &fr, &layers[k], &x);
      if (st == CLIQ_STATUS_OK && x) accumulate(&layers[k], x);
      cliq__tensor_free(x);
    }
  }
  for (size_t k = 0; k < n; k++) {
    if (st == CLIQ_STATUS_OK) correct(&layers[k]);
    free(layers[k].eps);
    free(layers[k].sum);
  }
  free(layers);
  cliq__ptq_runner_close(&qr);
  cliq__ptq_runner_close(&fr);
  return st;
}
