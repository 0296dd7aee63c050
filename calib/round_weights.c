/*
 * round_weights.c — QDQ-stage PTQ pass (calib/pass.h) that chooses the int8 weights of every
 * quantized Conv, Gemm and MatMul so that the layer's *output* error on calibration data is
 * small, instead of rounding each weight to its nearest level.
 *
 * Source: Frantar, Ashkboos, Hoefler, Alistarh, "GPTQ: Accurate Post-Training Quantization for
 * Generative Pre-trained Transformers", ICLR 2023 (Algorithm 1), itself the fast form of Optimal
 * Brain Quantization (Frantar & Alistarh, NeurIPS 2022). For one output row w of a layer with
 * inputs X (one column per sampled output position: the im2col patch), the error to minimise is
 * ||(w - q) X||^2 = (w - q) H (w - q)^T with H = X X^T. Weights are quantized one input
 * position k at a time; the error it makes, (w_k - q_k) / [H^-1]_kk, is spread over the weights
 * not yet quantized along row k of the upper Cholesky factor of H^-1, which is the
 * least-squares compensation. Damping: 1% of the mean diagonal (the paper's lambda).
 *
 * What it keeps: the grid. Scales and zero points (per output channel, chosen by the QDQ writer
 * from the float weights) do not change, weights stay in [qmin, qmax] of their DequantizeLinear
 * (symmetric [-127, 127] by default), so the numerics contract and the saved file's meaning are
 * those of any QDQ model; only which integer each weight is changes.
 *
 * Data: H from the float model's activations (the FLOAT-stage graph, run on the kept
 * calibration images; images x sampled positions). Positions are subsampled with a fixed
 * stride when a layer would cost more than CLIQ__RW_BUDGET multiply-adds per image; a layer
 * whose K = C/group * kernel is above CLIQ__RW_MAX_K keeps nearest rounding. A row whose GPTQ
 * result has a larger error on H than nearest rounding (possible when few positions were
 * sampled) keeps nearest rounding.
 */
#include "pass.h"
#include "ptq_run.h"

#include "../host/error.h"
#include "../host/ops/conv_attrs.h"
#include "../host/ops/op.h"
#include "../host/session.h"
#include "cliq_requant.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CLIQ__RW_MAX_K 2304
#define CLIQ__RW_BUDGET 4.0e7
#define CLIQ__RW_DAMP 0.01
#define RW_BLOCK 64


/* One quantized layer: where its weights are and how its input maps to rows of X. */
typedef struct rw_layer {
  int qnode;            /* the layer in the QDQ graph */
  cliq__tensor *wq;     /* its int8 weight initializer (in the QDQ graph) */
  const float *scale;   /* per output channel (n_scale of them) */
  const cliq__tensor *zp;
  size_t n_scale;
  const cliq__tensor *w;/* float weights (FLOAT-stage graph) */
  bool conv;
  int wkind;            /* Gemm/MatMul: 0 weights [N, K] (rows = outputs), 1 weights [K, N] */
  int64_t G, K, rows;   /* groups, inputs per group, output channels per group */
  int64_t N_out;        /* output channels in all */
  cliq__conv_geom geom;
  int sv;               /* input value in the runner's session graph */
  double *H;            /* G x K x K */
  double count;         /* positions accumulated */
} rw_layer;

/* Fills layer L for QDQ node i when it is one this pass handles. */
static bool describe(cliq__ptq *ptq, cliq_session *fs, int i, rw_layer *L) {
  const cliq__graph *q = ptq->g, *fg = ptq->float_g;
  const cliq__node *n = &q->nodes[i];
  memset(L, 0, sizeof *L);
  bool conv = cliq__node_is(n, "Conv"), gemm = cliq__node_is(n, "Gemm"), mm = cliq__node_is(n, "MatMul");
  if (!conv && !gemm && !mm) return false;
  int d = cliq__ptq_const_dq(q, i, 1, CLIQ_DTYPE_INT8);
  int fn = cliq__graph_find_node(fg, n->name), sn = cliq__graph_find_node(fs->g, n->name);
  if (d < 0 || fn < 0 || sn < 0) return false;
  const cliq__node *f = &fg->nodes[fn], *s = &fs->g->nodes[sn];
  if (f->n_inputs < 2 || f->inputs[1] < 0 || s->n_inputs < 1 || s->inputs[0] < 0) return false;
  const cliq__tensor *w = fg->values[f->inputs[1]].constant;
  cliq__tensor *wq = q->values[q->nodes[d].inputs[0]].constant;
  if (!w || w->dtype != CLIQ_DTYPE_FLOAT32 || w->rank != wq->rank) return false;
  for (int k = 0; k < w->rank; k++)
    if (w->dims[k] != wq->dims[k]) return false;
  const cliq__tensor *sc = q->values[q->nodes[d].inputs[1]].constant;
  L->qnode = i;
  L->wq = wq;
  L->w = w;
  L->scale = sc->data;
  L->n_scale = cliq__tensor_elems(sc);
  L->zp = q->nodes[d].n_inputs > 2 && q->nodes[d].inputs[2] >= 0 ? q->values[q->nodes[d].inputs[2]].constant : NULL;
  L->sv = s->inputs[0];
  int axis = (int)cliq__attr_int(&q->nodes[d], "axis", 1);
  if (conv) {
    if (!cliq__node_is(s, "Conv") || w->rank < 3) return false;
    cliq__opctx oc = {NULL, fs->g, sn};
    if (cliq__conv_geometry(&oc, false, &L->geom) != CLIQ_STATUS_OK || L->geom.N < 1) return false;
    L->conv = true;
    L->G = L->geom.G;
    L->K = cliq__tensor_elems(w) / (size_t)w->dims[0];
    L->N_out = w->dims[0];
    L->rows = L->N_out / L->G;
    if (L->n_scale != 1 && (axis != 0 || (int64_t)L->n_scale != L->N_out)) return false;
  } else {
    if (w->rank != 2 || (gemm && cliq__attr_int(n, "transA", 0) != 0)) return false;
    L->wkind = gemm && cliq__attr_int(n, "transB", 0) ? 0 : 1;
    L->G = 1;
    L->K = w->dims[L->wkind ? 0 : 1];
    L->N_out = L->rows = w->dims[L->wkind ? 1 : 0];
    int oaxis = L->wkind ? 1 : 0;
    if (L->n_scale != 1 && (axis != oaxis || (int64_t)L->n_scale != L->N_out)) return false;
    const cliq__value *x = &fs->g->values[L->sv];
    if (x->rank < 1 || x->dims[x->rank - 1] != L->K) return false;
  }
  if (L->K > CLIQ__RW_MAX_K || L->K < 1) return false;
  return true;
}

/* Weight of output channel o (global), input k of its group. */
static double w_at(const rw_layer *L, const float *w, int64_t o, int64_t k) {
  if (L->conv || L->wkind == 0) return w[o * L->K + k];
  return w[k * L->N_out + o];
}
static size_t w_index(const rw_layer *L, int64_t o, int64_t k) {
  if (L->conv || L->wkind == 0) return (size_t)(o * L->K + k);
  return (size_t)(k * L->N_out + o);
}

/* H_g += P P^T for a block of nb patches P (K x RW_BLOCK, column b = patch b). */
static void add_block(double *H, int64_t K, const float *P, int nb) {
  for (int64_t i = 0; i < K; i++) {
    const float *pi = P + i * RW_BLOCK;
    for (int64_t j = i; j < K; j++) {
      const float *pj = P + j * RW_BLOCK;
      float acc = 0.0f;
      for (int b = 0; b < nb; b++) acc += pi[b] * pj[b];
      H[i * K + j] += acc;
    }
  }
}

/* Accumulates the patches of one image's input x into L->H. */
static void accumulate(rw_layer *L, const cliq__tensor *x, float *P) {
  if (L->conv) {
    const cliq__conv_geom *g = &L->geom;
    int64_t Cg = g->C / g->G, OD = g->out[0], OH = g->out[1], OW = g->out[2];
    int64_t positions = g->N * OD * OH * OW;
    double cost = (double)positions * (double)L->G * (double)L->K * (double)L->K;
    int64_t step = cost > CLIQ__RW_BUDGET ? (int64_t)ceil(cost / CLIQ__RW_BUDGET) : 1;
    const float *xd = x->data;
    int64_t ID = g->in[0], IH = g->in[1], IW = g->in[2];
    for (int64_t gi = 0; gi < L->G; gi++) {
      double *H = L->H + (size_t)gi * (size_t)(L->K * L->K);
      int nb = 0;
      /* the same positions for every group; offset so that a stride keeps varying columns */
      for (int64_t p = step / 2; p < positions; p += step) {
        int64_t ow = p % OW, oh = (p / OW) % OH, od = (p / (OW * OH)) % OD, n = p / (OW * OH * OD);
        int64_t k = 0;
        for (int64_t c = 0; c < Cg; c++) {
          int64_t ch = gi * Cg + c;
          for (int64_t kd = 0; kd < g->k[0]; kd++) {
            int64_t id = od * g->s[0] + kd * g->d[0] - g->pb[0];
            for (int64_t kh = 0; kh < g->k[1]; kh++) {
              int64_t ih = oh * g->s[1] + kh * g->d[1] - g->pb[1];
              for (int64_t kw = 0; kw < g->k[2]; kw++, k++) {
                int64_t iw = ow * g->s[2] + kw * g->d[2] - g->pb[2];
                float v = 0.0f;
                if (id >= 0 && id < ID && ih >= 0 && ih < IH && iw >= 0 && iw < IW) {
                  size_t sp = (size_t)((id * IH + ih) * IW + iw);
                  v = g->nhwc ? xd[((size_t)n * (size_t)(ID * IH * IW) + sp) * (size_t)g->C + (size_t)ch]
                              : xd[((size_t)n * (size_t)g->C + (size_t)ch) * (size_t)(ID * IH * IW) + sp];
                }
                P[k * RW_BLOCK + nb] = v;
              }
            }
          }
        }
        if (++nb == RW_BLOCK) add_block(H, L->K, P, nb), nb = 0;
        if (gi == 0) L->count += 1.0;
      }
      if (nb) add_block(H, L->K, P, nb);
    }
  } else {
    int64_t rows = (int64_t)(cliq__tensor_elems(x) / (size_t)L->K);
    double cost = (double)rows * (double)L->K * (double)L->K;
    int64_t step = cost > CLIQ__RW_BUDGET ? (int64_t)ceil(cost / CLIQ__RW_BUDGET) : 1;
    const float *xd = x->data;
    int nb = 0;
    for (int64_t r = step / 2; r < rows; r += step) {
      for (int64_t k = 0; k < L->K; k++) P[k * RW_BLOCK + nb] = xd[r * L->K + k];
      if (++nb == RW_BLOCK) add_block(L->H, L->K, P, nb), nb = 0;
      L->count += 1.0;
    }
    if (nb) add_block(L->H, L->K, P, nb);
  }
}

/* In-place Cholesky A = L L^T (lower, row-major K x K); false when not positive definite. */
static bool cholesky(double *A, int64_t K) {
  for (int64_t j = 0; j < K; j++) {
    double d = A[j * K + j];
    for (int64_t k = 0; k < j; k++) d -= A[j * K + k] * A[j * K + k];
    if (!(d > 0.0)) return false;
    d = sqrt(d);
    A[j * K + j] = d;
    for (int64_t i = j + 1; i < K; i++) {
      double s = A[i * K + j];
      for (int64_t k = 0; k < j; k++) s -= A[i * K + k] * A[j * K + k];
      A[i * K + j] = s / d;
    }
    for (int64_t i = 0; i < j; i++) A[i * K + j] = 0.0;
  }
  return true;
}

/* U (upper, row-major) with H^-1 = U^T U, from H (symmetric, upper triangle filled). Uses B as
 * K x K scratch. False when H is not positive definite. */
static bool inverse_factor(const double *H, int64_t K, double *U, double *B) {
  for (int64_t i = 0; i < K; i++)
    for (int64_t j = 0; j < K; j++) B[i * K + j] = i <= j ? H[i * K + j] : H[j * K + i];
  if (!cholesky(B, K)) return false; /* B = L */
  /* U := L^-1 (lower), by forward substitution column by column */
  for (int64_t i = 0; i < K * K; i++) U[i] = 0.0;
  for (int64_t c = 0; c < K; c++) {
    U[c * K + c] = 1.0 / B[c * K + c];
    for (int64_t i = c + 1; i < K; i++) {
      double s = 0.0;
      for (int64_t k = c; k < i; k++) s += B[i * K + k] * U[k * K + c];
      U[i * K + c] = -s / B[i * K + i];
    }
  }
  /* H^-1 = L^-T L^-1 into B */
  for (int64_t i = 0; i < K; i++)
    for (int64_t j = i; j < K; j++) {
      double s = 0.0;
      for (int64_t k = j; k < K; k++) s += U[k * K + i] * U[k * K + j];
      B[i * K + j] = B[j * K + i] = s;
    }
  /* the upper factor: H^-1 = R^T R with R = chol(H^-1)^T */
  if (!cholesky(B, K)) return false;
  for (int64_t i = 0; i < K; i++)
    for (int64_t j = 0; j < K; j++) U[i * K + j] = j >= i ? B[j * K + i] : 0.0;
  return true;
}

/* e^T H e with H's upper triangle */
static double quad(const double *H, int64_t K, const double *e) {
  double s = 0.0;
  for (int64_t i = 0; i < K; i++) {
    double r = H[i * K + i] * e[i] * 0.5;
    for (int64_t j = i + 1; j < K; j++) r += H[i * K + j] * e[j];
    s += 2.0 * e[i] * r;
  }
  return s;
}

/* GPTQ for the rows of group gi; writes the int8 weights. */
static void quantize_group(rw_layer *L, int64_t gi, double *H, double *U, double *B, double *w, double *e) {
  int64_t K = L->K;
  double mean = 0.0;
  for (int64_t k = 0; k < K; k++) mean += H[k * K + k];
  mean /= (double)K;
  if (!(mean > 0.0)) return; /* no signal: nearest rounding stays */
  for (int64_t k = 0; k < K; k++) H[k * K + k] += mean * CLIQ__RW_DAMP + (H[k * K + k] == 0.0 ? mean : 0.0);
  if (!inverse_factor(H, K, U, B)) return;
  const float *wf = L->w->data;
  int8_t *q = L->wq->data;
  for (int64_t r = 0; r < L->rows; r++) {
    int64_t o = gi * L->rows + r;
    float s = L->scale[L->n_scale > 1 ? o : 0];
    int z = L->zp ? ((const int8_t *)L->zp->data)[L->n_scale > 1 ? o : 0] : 0;
    if (!(s > 0.0f)) continue;
    for (int64_t k = 0; k < K; k++) w[k] = w_at(L, wf, o, k);
    double err_near, err_gptq;
    for (int64_t k = 0; k < K; k++) e[k] = w_at(L, wf, o, k) - (double)(q[w_index(L, o, k)] - z) * s;
    err_near = quad(H, K, e);
    int8_t *out = (int8_t *)B; /* B is free again: K int8 results */
    for (int64_t k = 0; k < K; k++) {
      int qk = cliq_quantize_f32((float)w[k], s, z, -128, 127);
      if (z == 0 && qk < -127) qk = -127; /* symmetric grids stay in [-127, 127] */
      out[k] = (int8_t)qk;
      double err = (w[k] - (double)(qk - z) * s) / U[k * K + k];
      for (int64_t j = k + 1; j < K; j++) w[j] -= err * U[k * K + j];
    }
    for (int64_t k = 0; k < K; k++) e[k] = w_at(L, wf, o, k) - (double)(out[k] - z) * s;
    err_gptq = quad(H, K, e);
    if (err_gptq < err_near)
      for (int64_t k = 0; k < K; k++) q[w_index(L, o, k)] = out[k];
  }
}

cliq_status cliq__ptq_round_weights(cliq__ptq *ptq) {
  if ((ptq->options && ptq->options->no_weight_rounding) || !ptq->float_g || !ptq->images) return CLIQ_STATUS_OK;
  cliq__ptq_runner r;
  CLIQ__TRY(cliq__ptq_runner_open(ptq, ptq->float_g, &r));
  cliq__graph *q = ptq->g;
  rw_layer *layers = calloc(q->n_nodes + 1, sizeof *layers);
  size_t n = 0, maxK = 1;
  cliq_status st = layers ? CLIQ_STATUS_OK : cliq__fail(ptq->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "weight rounding");
  for (size_t i = 0; st == CLIQ_STATUS_OK && i < q->n_nodes; i++) {
    if (!describe(ptq, r.s, (int)i, &layers[n])) continue;
    rw_layer *L = &layers[n];
    size_t hn;
    if (!cliq__mul_size((size_t)L->G, (size_t)(L->K * L->K), &hn) || !(L->H = calloc(hn, sizeof(double)))) {
      st = cliq__fail(ptq->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "weight rounding statistics of node '%s'", q->nodes[i].name);
      break;
    }
    if ((size_t)L->K > maxK) maxK = (size_t)L->K;
    n++;
  }
  float *P = st == CLIQ_STATUS_OK ? malloc(maxK * RW_BLOCK * sizeof(float)) : NULL;
  if (st == CLIQ_STATUS_OK && !P) st = cliq__fail(ptq->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "weight rounding");
  for (size_t im = 0; st == CLIQ_STATUS_OK && im < ptq->n_images; im++) {
    st = cliq__ptq_runner_run(&r, im);
    for (size_t k = 0; st == CLIQ_STATUS_OK && k < n; k++) {
      cliq__tensor *x;
      st = cliq__session_read_value(r.s, layers[k].sv, &x);
      if (st != CLIQ_STATUS_OK) break;
      if (x->dtype == CLIQ_DTYPE_FLOAT32) accumulate(&layers[k], x, P);
      cliq__tensor_free(x);
    }
  }
  free(P);
  double *U = NULL, *B = NULL, *w = NULL, *e = NULL;
  if (st == CLIQ_STATUS_OK) {
    U = malloc(maxK * maxK * sizeof(double));
    B = malloc(maxK * maxK * sizeof(double));
    w = malloc(maxK * sizeof(double));
    e = malloc(maxK * sizeof(double));
    if (!U || !B || !w || !e) st = cliq__fail(ptq->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "weight rounding of %zu inputs", maxK);
  }
  for (size_t k = 0; st == CLIQ_STATUS_OK && k < n; k++) {
    rw_layer *L = &layers[k];
    if (L->count < 1.0) continue;
    for (int64_t gi = 0; gi < L->G; gi++) quantize_group(L, gi, L->H + (size_t)gi * (size_t)(L->K * L->K), U, B, w, e);
  }
  free(U);
  free(B);
  free(w);
  free(e);
  for (size_t k = 0; k < n; k++) free(layers[k].H);
  free(layers);
  cliq__ptq_runner_close(&r);
  return st;
}
