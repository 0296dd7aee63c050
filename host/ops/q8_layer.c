/*
 * q8_layer.c — the shared half of QConv and QGemm (see q8_layer.h): quantization checks, the exact
 * output stage, and the device plan: weights packed into 4-deep panels once, the activation
 * layout and its per-depth-step offsets (conv_q8.cl's banner), the zero points folded into
 * per-channel terms, one copy launch and one GEMM launch (gemm_q8.cl) per node (one launch for
 * 1x1 convs on VNNI), or the padded copy and direct depthwise kernels (dwconv_q8.cl).
 *
 * Folding (derivation in gemm_q8.cl's banner): with x' = x + xoff the packed activations,
 *   sum_k (x - z_x)(w - z_w) = sum_k x' w - (z_x + xoff) sum_k w - z_w sum_k x + K z_x z_w,
 * so bias'[c] = bias[c] - (z_x + xoff) sum_k w[c,k] + K z_x z_w[c] is computed here (int64, then
 * wrapped to int32 like the accumulator), and z_w[c] * colsum[p] on the device when z_w != 0.
 */
#include "q8_layer.h"

#include "../cl/device.h"
#include "../cl/tuning.h"
#include "activation.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const cliq__q8_gemm_variant cliq__q8_gemm_variants[] = {
#define CLIQ_X(name, prog, kn, kt, k1, opts, rows, xm, emu, avail) {#name, prog, kn, kt, k1, opts, rows, xm, emu, avail},
    CLIQ_Q8_GEMM_VARIANTS(CLIQ_X)
#undef CLIQ_X
    {NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, false, NULL}};

const cliq__q8_dw_variant cliq__q8_dw_variants[] = {
#define CLIQ_X(name, prog, opts, prefix, generic, avail) {#name, prog, opts, prefix, generic, avail},
    CLIQ_Q8_DW_VARIANTS(CLIQ_X)
#undef CLIQ_X
    {NULL, NULL, NULL, NULL, false, NULL}};

const cliq__q8_gemm_variant *cliq__q8_gemm_variant_find(const char *name) {
  for (const cliq__q8_gemm_variant *v = cliq__q8_gemm_variants; name && v->name; v++)
    if (strcmp(v->name, name) == 0) return v;
  return NULL;
}

const cliq__q8_dw_variant *cliq__q8_dw_variant_find(const char *name) {
  for (const cliq__q8_dw_variant *v = cliq__q8_dw_variants; name && v->name; v++)
    if (strcmp(v->name, name) == 0) return v;
  return NULL;
}

bool cliq__q8_wants_dw(const cliq__node *n) {
  return cliq__q8_dw_variant_find(cliq__attr_string(n, "cliq.variant", NULL)) != NULL;
}

/* ---- checks ---------------------------------------------------------------------------------- */

static const char *act_name(int64_t act) {
  static const char *names[CLIQ_ACT_COUNT] = {"none", "Relu", "Clip", "LeakyRelu", "Sigmoid",
                                              "HardSigmoid", "HardSwish", "Tanh", "Exp", "SiLU",
                                              "Elu", "Selu", "Softplus", "Softsign"};
  return act >= 0 && act < CLIQ_ACT_COUNT ? names[act] : "unknown";
}

static cliq_status check_act(const cliq__opctx *oc, const char *attr) {
  int64_t act = cliq__attr_int(cliq__op_node(oc), attr, CLIQ_ACT_NONE);
  if (act != CLIQ_ACT_NONE && act != CLIQ_ACT_RELU && act != CLIQ_ACT_CLIP)
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED,
                         "attribute %s = %lld (%s): only Relu and Clip fold into an int8 output clamp; other "
                         "activations must stay a separate op (an int8 table)",
                         attr, (long long)act, act_name(act));
  return CLIQ_STATUS_OK;
}

cliq_status cliq__q8_check_epilogue_attrs(const cliq__opctx *oc) {
  const cliq__node *n = cliq__op_node(oc);
  CLIQ__TRY(check_act(oc, "cliq.act"));
  CLIQ__TRY(check_act(oc, "cliq.conv_act"));
  const char *var = cliq__attr_string(n, "cliq.variant", NULL);
  if (var && !cliq__q8_gemm_variant_find(var) && !cliq__q8_dw_variant_find(var))
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED,
                         "attribute cliq.variant = '%s' names no int8 kernel variant (host/cl/variants_q8.h)", var);
  int64_t orient = cliq__attr_int(n, "cliq.gemm_orient", 0);
  if (orient < 0 || orient > 2)
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED,
                         "attribute cliq.gemm_orient = %lld: must be 0 (auto), 1 (channels on rows) or 2 (on columns)",
                         (long long)orient);
  return CLIQ_STATUS_OK;
}

static cliq_status check_quant(const cliq__opctx *oc, const cliq__value *v, const char *role, int64_t channels) {
  const cliq__quant *q = v->quant;
  if (!q)
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL,
                         "%s '%s' has no quantization parameters: int8 values need a scale and zero point", role, v->name);
  bool per_channel = channels > 0 && q->n > 1;
  if (q->n != 1 && !(per_channel && (int64_t)q->n == channels && q->axis == 0))
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED,
                         "%s '%s' is quantized with %zu scales along axis %d; supported: one scale%s", role, v->name,
                         q->n, q->axis, channels > 0 ? " or one per output channel along axis 0" : " (per tensor)");
  for (size_t i = 0; i < q->n; i++) {
    if (!(q->scale[i] > 0.0f) || !isfinite(q->scale[i]))
      return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "%s '%s' has scale %.9g at %zu: scales must be finite and positive",
                           role, v->name, q->scale[i], i);
    if (q->zero_point[i] < -128 || q->zero_point[i] > 127)
      return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "%s '%s' has zero point %d at %zu: int8 zero points lie in [-128, 127]",
                           role, v->name, q->zero_point[i], i);
  }
  return CLIQ_STATUS_OK;
}

cliq_status cliq__q8_set_output(cliq__opctx *oc, int rank, const int64_t *dims) {
  const cliq__value *r = cliq__op_in(oc, 3);
  if (r) {
    bool same = r->rank == rank;
    for (int i = 0; same && i < rank; i++) same = r->dims[i] == dims[i];
    if (!same) {
      char a[96], b[96];
      return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH, "residual '%s' has shape %s but the output is %s: they must be equal",
                           r->name, cliq__dims_str(r->rank, r->dims, a, sizeof a), cliq__dims_str(rank, dims, b, sizeof b));
    }
  }
  return cliq__op_set_out(oc, 0, CLIQ_DTYPE_INT8, rank, dims);
}

cliq_status cliq__q8_check_io(const cliq__opctx *oc, int64_t channels) {
  const cliq__value *x = cliq__op_in(oc, 0), *w = cliq__op_in(oc, 1), *b = cliq__op_in(oc, 2), *r = cliq__op_in(oc, 3);
  const cliq__value *y = cliq__op_out(oc, 0);
  CLIQ__TRY(cliq__op_check_dtype(oc, 0, CLIQ__DT(CLIQ_DTYPE_INT8)));
  CLIQ__TRY(cliq__op_check_dtype(oc, 1, CLIQ__DT(CLIQ_DTYPE_INT8)));
  CLIQ__TRY(check_quant(oc, x, "input", 0));
  if (!w->constant)
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "weight '%s' must be a constant (an int8 initializer)", w->name);
  CLIQ__TRY(check_quant(oc, w, "weight", channels));
  if (b) {
    CLIQ__TRY(cliq__op_check_dtype(oc, 2, CLIQ__DT(CLIQ_DTYPE_INT32)));
    if (!b->constant)
      return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "bias '%s' must be a constant (an int32 initializer)", b->name);
    if ((int64_t)cliq__tensor_elems(b->constant) != channels)
      return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH, "bias '%s' has %zu elements but the op has %lld output channels",
                           b->name, cliq__tensor_elems(b->constant), (long long)channels);
  }
  if (r) {
    CLIQ__TRY(cliq__op_check_dtype(oc, 3, CLIQ__DT(CLIQ_DTYPE_INT8)));
    CLIQ__TRY(check_quant(oc, r, "residual", 0));
    const cliq__node *n = cliq__op_node(oc);
    if (!cliq__node_attr(n, "cliq.conv_scale") || !(cliq__attr_float(n, "cliq.conv_scale", 0.0f) > 0.0f) ||
        !isfinite(cliq__attr_float(n, "cliq.conv_scale", 0.0f)))
      return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL,
                           "has a residual input '%s' but no positive attribute cliq.conv_scale (the scale of the "
                           "conv result before the add)", r->name);
    int64_t zc = cliq__attr_int(n, "cliq.conv_zero_point", 0);
    if (zc < -128 || zc > 127)
      return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "attribute cliq.conv_zero_point = %lld is outside [-128, 127]",
                           (long long)zc);
  }
  if (cliq__op_n_in(oc) > 4)
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "has %zu inputs; the op takes 2 to 4 (x, w, bias, residual)",
                         cliq__op_n_in(oc));
  return check_quant(oc, y, "output", 0);
}

/* ---- output stage ----------------------------------------------------------------------------- */

/* Clamp of an activation applied before quantizing to (s, z): clamp commutes with the monotone
 * quantization, so Q(clip(v, a, b)) = clamp(Q(v), Q(a), Q(b)) exactly. */
static void act_clamp(const cliq__node *n, const char *prefix, float s, int z, int32_t *lo, int32_t *hi) {
  char name[64];
  snprintf(name, sizeof name, "%s", prefix);
  int64_t act = cliq__attr_int(n, name, CLIQ_ACT_NONE);
  *lo = -128;
  *hi = 127;
  if (act == CLIQ_ACT_RELU) {
    *lo = cliq_quantize_f32(0.0f, s, z, -128, 127);
  } else if (act == CLIQ_ACT_CLIP) {
    snprintf(name, sizeof name, "%s_a", prefix);
    float a = cliq__attr_float(n, name, -INFINITY);
    snprintf(name, sizeof name, "%s_b", prefix);
    float b = cliq__attr_float(n, name, INFINITY);
    *lo = cliq_quantize_f32(a, s, z, -128, 127);
    *hi = cliq_quantize_f32(b, s, z, -128, 127);
    if (*lo > *hi) *lo = *hi; /* Clip with min > max gives max everywhere */
  }
}

void cliq__q8_epi_free(cliq__q8_epi *e) {
  free(e->mult);
  free(e->shift);
  free(e->w_zp);
  memset(e, 0, sizeof *e);
}

cliq_status cliq__q8_epi_init(const cliq__opctx *oc, size_t channels, cliq__q8_epi *e) {
  memset(e, 0, sizeof *e);
  const cliq__node *n = cliq__op_node(oc);
  const cliq__value *x = cliq__op_in(oc, 0), *w = cliq__op_in(oc, 1), *r = cliq__op_in(oc, 3), *y = cliq__op_out(oc, 0);
  CLIQ__TRY(check_quant(oc, x, "input", 0));
  CLIQ__TRY(check_quant(oc, w, "weight", (int64_t)channels));
  CLIQ__TRY(check_quant(oc, y, "output", 0));
  size_t nc = channels ? channels : 1;
  e->channels = channels;
  e->mult = malloc(nc * sizeof(int32_t));
  e->shift = malloc(nc * sizeof(int32_t));
  e->w_zp = malloc(nc * sizeof(int32_t));
  if (!e->mult || !e->shift || !e->w_zp) {
    cliq__q8_epi_free(e);
    return cliq__op_fail(oc, CLIQ_STATUS_OUT_OF_MEMORY, "allocating %zu channel parameters", channels);
  }
  const double sx = x->quant->scale[0], sy = y->quant->scale[0];
  e->x_zp = x->quant->zero_point[0];
  e->y_zp = y->quant->zero_point[0];
  act_clamp(n, "cliq.act", y->quant->scale[0], e->y_zp, &e->lo, &e->hi);
  double s_out = sy;
  if (r) {
    CLIQ__TRY(check_quant(oc, r, "residual", 0));
    const float sc = cliq__attr_float(n, "cliq.conv_scale", 0.0f);
    if (!(sc > 0.0f) || !isfinite(sc)) {
      cliq__q8_epi_free(e);
      return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "has a residual input but no positive attribute cliq.conv_scale");
    }
    s_out = sc;
    e->residual = true;
    e->c_zp = (int32_t)cliq__attr_int(n, "cliq.conv_zero_point", 0);
    act_clamp(n, "cliq.conv_act", sc, e->c_zp, &e->c_lo, &e->c_hi);
    e->r_zp = r->quant->zero_point[0];
    if (!cliq_q8_add_params(sc, r->quant->scale[0], sy, &e->add_ma, &e->add_sha, &e->add_mb, &e->add_shb, &e->add_my,
                            &e->add_shy)) {
      cliq__q8_epi_free(e);
      return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED,
                           "residual add of scales %.9g (conv) and %.9g (residual '%s') into %.9g needs a multiplier "
                           "outside the fixed-point range",
                           sc, r->quant->scale[0], r->name, sy);
    }
  }
  const cliq__quant *wq = w->quant;
  for (size_t c = 0; c < channels; c++) {
    size_t i = wq->n == 1 ? 0 : c;
    e->w_zp[c] = wq->zero_point[i];
    double m = sx * (double)wq->scale[i] / s_out;
    if (!cliq_quantize_multiplier(m, &e->mult[c], &e->shift[c])) {
      cliq__q8_epi_free(e);
      return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED,
                           "output channel %zu: requantization multiplier s_x * s_w / s_out = %.9g * %.9g / %.9g = %.9g "
                           "is not below 2^30",
                           c, sx, wq->scale[i], s_out, m);
    }
  }
  return CLIQ_STATUS_OK;
}

/* ---- device plan ------------------------------------------------------------------------------ */

static int64_t round_up(int64_t a, int64_t b) { return (a + b - 1) / b * b; }
static int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

/* Weights [G * Mg][K] into panels [G][blk][K4][bw][4], zero padded. */
static uint8_t *pack_weights(const int8_t *w, int64_t G, int64_t Mg, int64_t K, int64_t K4, int64_t bw, size_t *nbytes) {
  int64_t nblk = ceil_div(Mg, bw);
  size_t n;
  int64_t dims[4] = {G, nblk * K4, bw, 4};
  if (!cliq__shape_elems(4, dims, &n)) return NULL;
  uint8_t *out = calloc(n ? n : 1, 1);
  if (!out) return NULL;
  for (int64_t g = 0; g < G; g++)
    for (int64_t c = 0; c < Mg; c++) {
      const int8_t *wr = w + (g * Mg + c) * K;
      int64_t blk = c / bw, j = c % bw;
      for (int64_t k = 0; k < K; k++)
        out[(((g * nblk + blk) * K4 + k / 4) * bw + j) * 4 + k % 4] = (uint8_t)wr[k];
    }
  *nbytes = n;
  return out;
}

static const cliq__q8_gemm_variant *pick_gemm_variant(cliq__planner *p, const cliq__opctx *oc, bool *emulate) {
  const cliq__node *n = cliq__op_node(oc);
  const cliq__device *dev = cliq__plan_device(p);
  const char *name = cliq__attr_string(n, "cliq.variant", NULL);
  *emulate = cliq__attr_int(n, "cliq.q8_emulate", 0) != 0;
  if (name) {
    const cliq__q8_gemm_variant *v = cliq__q8_gemm_variant_find(name);
    if (!v) {
      cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "cliq.variant '%s' is not an int8 GEMM variant", name);
      return NULL;
    }
    if (*emulate && !v->emulable) *emulate = false;
    if (!v->available(dev) && !*emulate) {
      cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "int8 variant '%s' cannot run on '%s' (its int8 paths: %s)", name,
                    dev->name, dev->int8_paths);
      return NULL;
    }
    return v;
  }
  *emulate = false;
  for (const cliq__q8_gemm_variant *v = cliq__q8_gemm_variants; v->name; v++)
    if (v->available(dev)) return v;
  cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "no int8 GEMM variant runs on '%s'", dev->name);
  return NULL;
}

static void arg_epilogue(cliq__launch *L, const cliq__q8_epi *e) {
  cliq__arg_i32(L, e->residual ? 1 : 0);
  cliq__arg_i32(L, e->y_zp);
  cliq__arg_i32(L, e->lo);
  cliq__arg_i32(L, e->hi);
  cliq__arg_i32(L, e->c_zp);
  cliq__arg_i32(L, e->c_lo);
  cliq__arg_i32(L, e->c_hi);
  cliq__arg_i32(L, e->r_zp);
  cliq__arg_i32(L, e->add_ma);
  cliq__arg_i32(L, e->add_sha);
  cliq__arg_i32(L, e->add_mb);
  cliq__arg_i32(L, e->add_shb);
  cliq__arg_i32(L, e->add_my);
  cliq__arg_i32(L, e->add_shy);
}

static bool fits_i32(int64_t v) { return v >= 0 && v <= INT32_MAX; }

/* Rows per work-item of the copy kernels (q8_pack_conv, q8_dw_pad) and their local size: CPUs
 * take whole planes in one work-item (per-work-item index arithmetic is paid once), GPUs a row
 * per work-item in groups of 16 (enough work-items to fill them). Tunable Q8_PACK_ROWS (0: all). */
static int64_t copy_rows(const cliq__device *dev, int64_t rows) {
  const int64_t r = cliq__tuning_int(dev, "Q8_PACK_ROWS", dev->is_gpu ? 1 : 0);
  return r <= 0 || r > rows ? (rows > 0 ? rows : 1) : r;
}
static size_t copy_lws(const cliq__device *dev) { return dev->is_gpu ? 16 : 1; }

/* Weights [G * Mg][K] in conv order (c, kh, kw) reordered to the packing's depth order
 * ((kh, kw), c) with C/group padded to Cg4 = a multiple of 4 by zeros (conv_q8.cl's banner). */
static int8_t *reorder_conv_weights(const int8_t *w, int64_t rows, int64_t Cg, int64_t taps, int64_t Cg4) {
  size_t n;
  int64_t dims[2] = {rows, taps * Cg4};
  if (!cliq__shape_elems(2, dims, &n)) return NULL;
  int8_t *out = calloc(n ? n : 1, 1);
  if (!out) return NULL;
  for (int64_t r = 0; r < rows; r++)
    for (int64_t c = 0; c < Cg; c++)
      for (int64_t t = 0; t < taps; t++) out[(r * taps + t) * Cg4 + c] = w[(r * Cg + c) * taps + t];
  return out;
}

/* The activation layout of conv_q8.cl (see its banner) for one convolution, or for a fully
 * connected input (geom NULL: rows P, depth K): sizes and the per-depth-step offsets koff. */
typedef struct q8_xlayout {
  int64_t C4, nph, npw, Hq, Wq, OH, OW, Q; /* Q: virtual positions (OH * Wq) */
  int64_t x_sz;                            /* uints per z */
  int64_t max_koff;
  int32_t phases[2 * 64];                  /* row phases, then column phases (strides <= 64) */
  int32_t *koff;                           /* [K4] */
} q8_xlayout;

static cliq_status xlayout_init(const cliq__opctx *oc, const cliq__qconv_geom *gm, int64_t P, int64_t K, q8_xlayout *L) {
  memset(L, 0, sizeof *L);
  int64_t K4;
  if (gm) {
    if (gm->sh > 64 || gm->sw > 64)
      return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "int8 convolution with strides %lld x %lld: at most 64 on the device",
                           (long long)gm->sh, (long long)gm->sw);
    const int64_t Cg = gm->C / gm->group;
    L->C4 = ceil_div(Cg, 4);
    /* the stride phases some tap reads, each given a plane */
    int32_t idx_h[64], idx_w[64];
    for (int i = 0; i < 64; i++) idx_h[i] = idx_w[i] = -1;
    for (int64_t kh = 0; kh < gm->KH; kh++) idx_h[(kh * gm->dh) % gm->sh] = 1;
    for (int64_t kw = 0; kw < gm->KW; kw++) idx_w[(kw * gm->dw) % gm->sw] = 1;
    for (int i = 0; i < gm->sh; i++)
      if (idx_h[i] > 0) {
        idx_h[i] = (int32_t)L->nph;
        L->phases[L->nph++] = i;
      }
    for (int i = 0; i < gm->sw; i++)
      if (idx_w[i] > 0) {
        idx_w[i] = (int32_t)L->npw;
        L->phases[L->nph + L->npw++] = i;
      }
    L->OH = gm->OH;
    L->OW = gm->OW;
    L->Hq = gm->OH + ((gm->KH - 1) * gm->dh) / gm->sh;
    L->Wq = gm->OW + ((gm->KW - 1) * gm->dw) / gm->sw;
    const int64_t plane = L->Hq * L->Wq;
    L->x_sz = L->C4 * L->nph * L->npw * plane;
    K4 = gm->KH * gm->KW * L->C4;
    L->koff = malloc((size_t)(K4 ? K4 : 1) * sizeof(int32_t));
    if (!L->koff) return cliq__op_fail(oc, CLIQ_STATUS_OUT_OF_MEMORY, "allocating the tap table");
    for (int64_t kh = 0; kh < gm->KH; kh++)
      for (int64_t kw = 0; kw < gm->KW; kw++)
        for (int64_t c4 = 0; c4 < L->C4; c4++) {
          const int64_t ph = idx_h[(kh * gm->dh) % gm->sh], pw = idx_w[(kw * gm->dw) % gm->sw];
          const int64_t o = ((c4 * L->nph + ph) * L->npw + pw) * plane + ((kh * gm->dh) / gm->sh) * L->Wq +
                            (kw * gm->dw) / gm->sw;
          L->koff[(kh * gm->KW + kw) * L->C4 + c4] = (int32_t)o; /* < x_sz, checked by the caller */
          if (o > L->max_koff) L->max_koff = o;
        }
  } else {
    L->C4 = K4 = ceil_div(K, 4);
    L->nph = L->npw = 1;
    L->OH = L->Hq = 1;
    L->OW = L->Wq = P;
    L->x_sz = K4 * P;
    L->koff = malloc((size_t)(K4 ? K4 : 1) * sizeof(int32_t));
    if (!L->koff) return cliq__op_fail(oc, CLIQ_STATUS_OUT_OF_MEMORY, "allocating the depth table");
    for (int64_t k = 0; k < K4; k++) L->koff[k] = (int32_t)(k * P);
    L->max_koff = (K4 - 1) * P;
  }
  L->Q = L->OH * L->Wq;
  return CLIQ_STATUS_OK;
}

cliq_status cliq__q8_plan_gemm(cliq__planner *p, int node, const cliq__q8_gemm_desc *d) {
  cliq__opctx oc = {cliq__plan_context(p), cliq__plan_graph(p), node};
  const cliq__node *nd = cliq__op_node(&oc);
  const cliq__q8_epi *e = d->epi;
  bool emulate;
  const cliq__q8_gemm_variant *v = pick_gemm_variant(p, &oc, &emulate);
  if (!v) return cliq__plan_error(p, CLIQ_STATUS_UNSUPPORTED);

  const int64_t G = d->groups, Z = d->images * d->groups, Mg = d->chans_per_group, P = d->positions, K = d->depth;
  const int64_t rows = v->rows;
  const bool conv = d->pack != CLIQ__Q8_PACK_ROWS;
  /* a 1x1 stride-1 unpadded conv reads its input as one row of H*W columns: long vector strips */
  cliq__qconv_geom flat;
  const cliq__qconv_geom *gm = d->geom;
  if (d->pack == CLIQ__Q8_PACK_1X1) {
    flat = *gm;
    flat.W = flat.OW = gm->H * gm->W;
    flat.H = flat.OH = 1;
    gm = &flat;
  }
  /* depth: convs in (tap, channel) order with channels padded to 4; fully connected in k order */
  const int64_t Cg = conv ? gm->C / gm->group : K, taps = conv ? gm->KH * gm->KW : 1;
  const int64_t Cg4 = conv ? round_up(Cg, 4) : K;
  q8_xlayout X;
  CLIQ__TRY(xlayout_init(&oc, conv ? gm : NULL, P, K, &X));
  const int64_t K4 = conv ? taps * X.C4 : X.C4;

  /* Orientation: channels on rows (contiguous 16-output stores) unless it pads the positions to
   * 32 so much that channels on columns does less than half the work (fully connected layers,
   * convolutions with a handful of output positions). */
  int64_t orient = cliq__attr_int(nd, "cliq.gemm_orient", 0);
  if (orient == 0) {
    int64_t cost_n = round_up(Mg, rows) * round_up(X.Q, 32), cost_t = round_up(X.Q, rows) * round_up(Mg, 32);
    orient = 2 * cost_t < cost_n ? 2 : 1;
  }
  const bool chan_rows = orient == 1;
  const int64_t R = chan_rows ? Mg : X.Q, C = chan_rows ? X.Q : Mg;
  const int64_t bw_w = chan_rows ? rows : 32;                 /* weight panel width */
  const int64_t span = chan_rows ? round_up(X.Q, 32) : round_up(X.Q, rows); /* positions a z reads */
  const int64_t nblk_w = ceil_div(Mg, bw_w), Mgp = round_up(Mg, 32);
  const int64_t w_sg = nblk_w * K4 * bw_w;
  /* X: Z blocks of x_sz uints, and slack so the last block's padded positions stay inside */
  const int64_t x_total = (Z - 1) * X.x_sz + (X.max_koff + span > X.x_sz ? X.max_koff + span : X.x_sz);
  if (!fits_i32(x_total) || !fits_i32(G * w_sg) || !fits_i32(4 * G * Mgp) || !fits_i32(Z * span) ||
      !fits_i32(d->images * d->y_sn + G * Mg * d->y_sc + P * d->y_sp) || !fits_i32(K4)) {
    free(X.koff);
    return cliq__op_fail(&oc, CLIQ_STATUS_UNSUPPORTED, "int8 GEMM of %lld x %lld x %lld (x%lld) is too large for 32-bit indexing",
                         (long long)Mg, (long long)P, (long long)K, (long long)Z);
  }
  const int xoff = v->xor_mask ? 128 : 0;

  /* constants: packed weights, the channel planes [bias'][mult][shift][z_w], the depth offsets */
  int8_t *wr = conv ? reorder_conv_weights(d->w, G * Mg, Cg, taps, Cg4) : NULL;
  size_t wbytes = 0;
  uint8_t *wp = (!conv || wr) ? pack_weights(conv ? wr : d->w, G, Mg, conv ? taps * Cg4 : K, K4, bw_w, &wbytes) : NULL;
  free(wr);
  int32_t *planes = calloc((size_t)(4 * G * Mgp), sizeof(int32_t));
  if (!wp || !planes) {
    free(wp);
    free(planes);
    free(X.koff);
    return cliq__op_fail(&oc, CLIQ_STATUS_OUT_OF_MEMORY, "packing int8 weights");
  }
  bool asym = false;
  const int64_t plane = G * Mgp;
  for (int64_t g = 0; g < G; g++)
    for (int64_t c = 0; c < Mg; c++) {
      const int64_t gc = g * Mg + c, i = g * Mgp + c;
      int64_t sumw = 0;
      for (int64_t k = 0; k < K; k++) sumw += d->w[gc * K + k];
      const int64_t zw = e->w_zp[gc];
      const int64_t b = (d->bias ? d->bias[gc] : 0) - (e->x_zp + xoff) * sumw + K * e->x_zp * zw;
      planes[i] = cliq__wrap_i32(b);
      planes[plane + i] = e->mult[gc];
      planes[2 * plane + i] = e->shift[gc];
      planes[3 * plane + i] = (int32_t)zw;
      if (zw != 0) asym = true;
    }
  int wc = cliq__plan_const(p, wp, wbytes);
  int cc = cliq__plan_const(p, planes, (size_t)(4 * plane) * sizeof(int32_t));
  free(wp);
  free(planes);
  /* 1x1 stride-1 convs on a variant that reads NCHW itself: one launch, no activation copy
   * (gemm_q8.cl, q8_gemm_vnni_1x1; its panel of K4 x 32 uints lives in __local memory), up to 8
   * row blocks per work-item (each interleaves its panel once). Layers with too few panels to
   * keep the threads busy that way (7x7, 14x14) take the packed path, whose copy is cheap there
   * and whose GEMM splits finer. */
  const int64_t panels = ceil_div(P, 32), nrb = ceil_div(Mg, rows), rblocks = nrb < 8 ? nrb : 8;
  if (d->pack == CLIQ__Q8_PACK_1X1 && v->kernel_1x1 && chan_rows && !asym && !emulate &&
      (uint64_t)K4 * 128 <= cliq__plan_device(p)->local_mem / 2 && panels * ceil_div(nrb, rblocks) * Z >= 16 &&
      fits_i32(d->images * gm->C * P)) {
    free(X.koff);
    if (wc < 0 || cc < 0) return cliq__plan_status(p);
    cliq__launch *L = cliq__plan_kernel(p, node, v->program, v->options, v->kernel_1x1);
    cliq__arg_const(L, wc);
    cliq__arg_value(L, d->x);
    cliq__arg_const(L, cc);
    if (d->res >= 0) cliq__arg_value(L, d->res);
    else cliq__arg_const(L, cc); /* not read */
    cliq__arg_value(L, d->y);
    cliq__arg_local(L, (size_t)K4 * 128);
    const int64_t a[] = {Mg, P, K, K4, G, gm->C, w_sg, Mgp, plane, d->y_sn, d->y_sc, rblocks, d->images * gm->C * P};
    for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) cliq__arg_i32(L, (int32_t)a[i]);
    arg_epilogue(L, e);
    size_t gws[3] = {(size_t)panels, (size_t)ceil_div(nrb, rblocks), (size_t)Z}, lws[3] = {1, 1, 1};
    cliq__launch_range(L, 3, gws, lws);
    return cliq__plan_status(p);
  }
  int kc = cliq__plan_const(p, X.koff, (size_t)K4 * sizeof(int32_t));
  int pc = conv ? cliq__plan_const(p, X.phases, (size_t)(X.nph + X.npw) * sizeof(int32_t)) : -1;
  free(X.koff);
  int xs = cliq__plan_scratch(p, node, (size_t)x_total * 4);
  int cs = asym ? cliq__plan_scratch(p, node, (size_t)(Z * span) * 4) : -1;
  if (wc < 0 || cc < 0 || kc < 0 || xs < 0) return cliq__plan_status(p);

  /* the activations in the layout of conv_q8.cl */
  cliq__launch *L;
  if (!conv) {
    L = cliq__plan_kernel(p, node, "conv_q8", NULL, "q8_pack_rows");
    cliq__arg_value(L, d->x);
    cliq__arg_scratch(L, xs);
    const int64_t a[] = {P, K, K4, v->xor_mask};
    for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) cliq__arg_i32(L, (int32_t)a[i]);
    size_t gws[2] = {(size_t)P, (size_t)K4}, lws[2] = {64, 1};
    cliq__launch_range(L, 2, gws, lws);
  } else {
    L = cliq__plan_kernel(p, node, "conv_q8", NULL, "q8_pack_conv");
    cliq__arg_value(L, d->x);
    cliq__arg_scratch(L, xs);
    cliq__arg_const(L, pc);
    const cliq__device *dev = cliq__plan_device(p);
    const int64_t rows_wi = copy_rows(dev, X.Hq);
    const int64_t a[] = {gm->C, gm->H, gm->W, Cg, G, X.C4, X.nph, X.npw, X.Hq, X.Wq, gm->sh, gm->sw,
                         gm->pt, gm->pl, e->x_zp, v->xor_mask, X.x_sz, rows_wi};
    for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) cliq__arg_i32(L, (int32_t)a[i]);
    size_t gws[3] = {(size_t)ceil_div(X.Hq, rows_wi), (size_t)(X.nph * X.npw), (size_t)(Z * X.C4)},
           lws[3] = {copy_lws(dev), 1, 1};
    cliq__launch_range(L, 3, gws, lws);
  }
  if (asym) {
    L = cliq__plan_kernel(p, node, "conv_q8", NULL, "q8_colsum");
    cliq__arg_scratch(L, xs);
    cliq__arg_const(L, kc);
    cliq__arg_scratch(L, cs);
    const int64_t a[] = {K4, X.x_sz, span, v->xor_mask};
    for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) cliq__arg_i32(L, (int32_t)a[i]);
    size_t gws[2] = {(size_t)span, (size_t)Z}, lws[2] = {32, 1};
    cliq__launch_range(L, 2, gws, lws);
  }

  /* the GEMM */
  char opts[160];
  snprintf(opts, sizeof opts, "%s%s", v->options, emulate ? " -DQ8_EMULATE_DOT=1" : "");
  const bool dot4 = strcmp(v->kernel_n, v->kernel_t) == 0;
  L = cliq__plan_kernel(p, node, v->program, opts, chan_rows ? v->kernel_n : v->kernel_t);
  cliq__arg_const(L, wc);
  cliq__arg_scratch(L, xs);
  cliq__arg_const(L, kc);
  cliq__arg_const(L, cc);
  if (asym) cliq__arg_scratch(L, cs);
  else cliq__arg_const(L, cc); /* not read */
  if (d->res >= 0) cliq__arg_value(L, d->res);
  else cliq__arg_const(L, cc); /* not read */
  cliq__arg_value(L, d->y);
  const int64_t a[] = {R, C, K4, G, w_sg, X.x_sz, Mgp, plane, span, d->y_sn, d->y_sc, d->y_sp, X.OW, X.Wq, X.Q,
                       asym ? 1 : 0};
  for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) cliq__arg_i32(L, (int32_t)a[i]);
  arg_epilogue(L, e);
  if (dot4) {
    cliq__arg_i32(L, chan_rows ? 1 : 0);
    size_t gws[3] = {(size_t)ceil_div(C, 4), (size_t)ceil_div(R, 4), (size_t)Z}, lws[3] = {8, 8, 1};
    cliq__launch_range(L, 3, gws, lws);
  } else {
    size_t gws[3] = {(size_t)ceil_div(C, 32), (size_t)ceil_div(R, rows), (size_t)Z}, lws[3] = {1, 4, 1};
    cliq__launch_range(L, 3, gws, lws);
  }
  return cliq__plan_status(p);
}

cliq_status cliq__q8_plan_dwconv(cliq__planner *p, int node, const cliq__qconv_geom *g, const int8_t *w,
                                 const int32_t *bias, int x, int y, int res, const cliq__q8_epi *e) {
  cliq__opctx oc = {cliq__plan_context(p), cliq__plan_graph(p), node};
  const cliq__node *nd = cliq__op_node(&oc);
  const cliq__device *dev = cliq__plan_device(p);
  const cliq__q8_dw_variant *v = cliq__q8_dw_variant_find(cliq__attr_string(nd, "cliq.variant", NULL));
  if (v && !v->available(dev))
    return cliq__op_fail(&oc, CLIQ_STATUS_UNSUPPORTED, "int8 variant '%s' cannot run on '%s' (its int8 paths: %s)",
                         v->name, dev->name, dev->int8_paths);
  for (const cliq__q8_dw_variant *c = cliq__q8_dw_variants; !v && c->name; c++)
    if (c->available(dev)) v = c;
  const int64_t M = g->M, taps = g->KH * g->KW, NC = g->N * g->C;
  const bool fixed = !v->generic_only && g->dh == 1 && g->dw == 1 && g->KH == g->KW && g->sh == g->sw &&
                     (g->KH == 3 || g->KH == 5) && (g->sh == 1 || g->sh == 2);
  /* the VNNI kernels take w - z_w as signed bytes */
  bool vnni = fixed && strcmp(v->options, "") != 0;
  for (int64_t i = 0; vnni && i < M * taps; i++) {
    const int32_t wt = w[i] - e->w_zp[i / taps];
    vnni = wt >= -128 && wt <= 127;
  }
  /* fixed kernels (dwconv_q8.cl): 4 output rows x TW columns per work-item over the input padded
   * with zero points to Hp x Wp, so that every lane's taps are inside */
  const int64_t RH = 4, TW = g->OW <= 16 ? 16 : 32, KS = g->KH, ST = g->sh;
  const int64_t Wp = round_up(g->OW, TW) * ST + KS - 1, Hp = (round_up(g->OH, RH) - 1) * ST + KS;
  if (!fits_i32(g->N * g->C * g->H * g->W) || !fits_i32(g->N * M * g->OH * g->OW) || !fits_i32(3 * M) ||
      !fits_i32(M * taps * 4) || (fixed && !fits_i32(NC * Hp * Wp)))
    return cliq__op_fail(&oc, CLIQ_STATUS_UNSUPPORTED, "int8 depthwise convolution too large for 32-bit indexing");
  /* channel planes [bias][multiplier][shift] and the weights w - z_w: int32 [M][taps] for the
   * generic kernel, int16 [M][taps] for the fixed ones, and for VNNI per kernel row two dwords of
   * signed bytes (taps 0..3, tap 4). The fixed kernels read padding as z_x (+128 with VNNI), so
   * their bias carries -(z_x + xoff) * sum(w - z_w). */
  const int xoff = vnni ? 128 : 0;
  const size_t wsize = vnni ? (size_t)(M * KS * 2) * 4 : (size_t)(M * taps) * (fixed ? 2 : 4);
  int32_t *planes = calloc((size_t)(3 * M), sizeof(int32_t));
  uint8_t *wz = calloc(wsize ? wsize : 1, 1);
  if (!planes || !wz) {
    free(planes);
    free(wz);
    return cliq__op_fail(&oc, CLIQ_STATUS_OUT_OF_MEMORY, "allocating depthwise parameters");
  }
  for (int64_t m = 0; m < M; m++) {
    int64_t b = bias ? bias[m] : 0;
    for (int64_t t = 0; t < taps; t++) {
      const int32_t wt = w[m * taps + t] - e->w_zp[m];
      if (vnni) {
        const int64_t kh = t / KS, kw = t % KS;
        wz[((m * KS + kh) * 2 + kw / 4) * 4 + kw % 4] = (uint8_t)(int8_t)wt;
      } else if (fixed) {
        ((int16_t *)wz)[m * taps + t] = (int16_t)wt;
      } else {
        ((int32_t *)wz)[m * taps + t] = wt;
      }
      if (fixed) b -= (int64_t)(e->x_zp + xoff) * wt;
    }
    planes[m] = cliq__wrap_i32(b);
    planes[M + m] = e->mult[m];
    planes[2 * M + m] = e->shift[m];
  }
  int cc = cliq__plan_const(p, planes, (size_t)(3 * M) * sizeof(int32_t));
  int wc = cliq__plan_const(p, wz, wsize);
  free(planes);
  free(wz);
  if (cc < 0 || wc < 0) return cliq__plan_status(p);
  cliq__launch *L;
  const char *opts = vnni ? v->options : NULL;
  if (fixed) {
    const int xs = cliq__plan_scratch(p, node, (size_t)(NC * Hp * Wp));
    if (xs < 0) return cliq__plan_status(p);
    L = cliq__plan_kernel(p, node, v->program, opts, "q8_dw_pad");
    cliq__arg_value(L, x);
    cliq__arg_scratch(L, xs);
    const int64_t rows_wi = copy_rows(dev, Hp);
    const int64_t pa[] = {g->H, g->W, Hp, Wp, g->pt, g->pl, e->x_zp, xoff, rows_wi};
    for (size_t i = 0; i < sizeof pa / sizeof pa[0]; i++) cliq__arg_i32(L, (int32_t)pa[i]);
    size_t pg[2] = {(size_t)ceil_div(Hp, rows_wi), (size_t)NC}, pl[2] = {copy_lws(dev), 1};
    cliq__launch_range(L, 2, pg, pl);
    char kernel[48];
    snprintf(kernel, sizeof kernel, "%s%lldx%llds%lld%s", vnni ? v->prefix : "q8_dw_", (long long)KS, (long long)KS,
             (long long)ST, TW == 16 ? "_n" : "");
    L = cliq__plan_kernel(p, node, v->program, opts, kernel);
    cliq__arg_scratch(L, xs);
  } else {
    L = cliq__plan_kernel(p, node, v->program, NULL, "q8_dw_generic");
    cliq__arg_value(L, x);
  }
  cliq__arg_const(L, wc);
  cliq__arg_const(L, cc);
  if (res >= 0) cliq__arg_value(L, res);
  else cliq__arg_const(L, cc); /* not read */
  cliq__arg_value(L, y);
  if (fixed) {
    const int64_t a[] = {g->C, Hp, Wp, M, g->OH, g->OW};
    for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) cliq__arg_i32(L, (int32_t)a[i]);
  } else {
    const int64_t a[] = {g->C, g->H, g->W, M, g->OH, g->OW, g->KH, g->KW, g->sh, g->sw, g->dh, g->dw, g->pt, g->pl, e->x_zp};
    for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) cliq__arg_i32(L, (int32_t)a[i]);
  }
  arg_epilogue(L, e);
  size_t gws[3] = {(size_t)ceil_div(g->OW, fixed ? TW : 16), (size_t)(fixed ? ceil_div(g->OH, RH) : g->OH),
                   (size_t)(g->N * M)},
         lws[3] = {1, 1, 1};
  cliq__launch_range(L, 3, gws, lws);
  return cliq__plan_status(p);
}
