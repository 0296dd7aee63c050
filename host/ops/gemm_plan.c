/*
 * gemm_plan.c — planning a float GEMM: variant choice, orientation, packing, launches (see
 * gemm_plan.h). Kernels: cl_kernels/gemm_f32.cl and im2col_f32.cl; CLBlast for the clblast_sgemm
 * variant.
 */
#include "gemm_plan.h"

#include "../cl/device.h"
#include "../cl/tuning.h"
#include "../cl/variant.h"
#include "../context.h"
#include "../error.h"
#include "activation.h"
#include "op.h"

#include <clblast_c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Packed columns above this many KiB are processed in slices (super-resolution's 224x224x576 im2col
 * alone is 115 MiB). 8 MiB keeps a slice in cache between im2col writing it and the GEMM reading
 * it (measured on PoCL: super_resolution's 64x50176x576 layer no slower, often faster, than with
 * 64 MiB slices) and bounds the arena; tuning key GEMM_SCRATCH_KB (tests lower it to exercise
 * the slicing). */
#define GEMM_SCRATCH_KB 8192

void cliq__gemm_desc_init(cliq__gemm_desc *d) {
  memset(d, 0, sizeof *d);
  d->M = d->N = d->K = d->Z = 1;
  d->a.i_pi = d->b.i_pi = CLIQ__GEMM_NO_SPLIT;
  d->r_pi = d->c_pi = CLIQ__GEMM_NO_SPLIT;
  d->bias = -1;
  d->y_scratch = -1;
  d->alpha = d->beta = 1.0f;
}

void cliq__node_fused_act(const cliq__node *n, int *act, float *a, float *b) {
  *act = (int)cliq__attr_int(n, "cliq.act", CLIQ_ACT_NONE);
  *a = cliq__attr_float(n, "cliq.act_a", 0.0f);
  *b = cliq__attr_float(n, "cliq.act_b", 0.0f);
}

static bool fits_i32(int64_t v) { return v >= INT32_MIN && v <= INT32_MAX; }
static int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
/* Kernel arguments are 32-bit: a no-split marker becomes INT32_MAX, which no index reaches. */
static int32_t arg32(int64_t v) { return v >= CLIQ__GEMM_NO_SPLIT ? INT32_MAX : (int32_t)v; }

static int64_t zoff_of(const cliq__gemm_operand *o, int64_t z) { return o->zoff ? o->zoff[z] : z * o->z_s; }

/* Every z reads the same data: pack (or upload) once and give the kernel a z stride of 0. */
static bool z_shared(const cliq__gemm_operand *o, int64_t Z) {
  for (int64_t z = 1; z < Z; z++)
    if (zoff_of(o, z) != zoff_of(o, 0)) return false;
  return true;
}

static int64_t strided_index(const cliq__gemm_operand *o, int64_t z, int64_t i, int64_t k) {
  return o->off + zoff_of(o, z) + (i / o->i_pi) * o->i_img + (i % o->i_pi) * o->i_s + k * o->k_s;
}

static cliq_status fail(cliq__planner *p, int node, cliq_status st, const char *what) {
  cliq__node_fail(cliq__plan_context(p), cliq__plan_graph(p), node, st, "%s", what);
  return cliq__plan_error(p, st);
}

/* Host packing of a constant strided operand into panels of width P: [Zp][ceil(I/P)][K][P]. */
static int pack_const_panels(cliq__planner *p, int node, const cliq__gemm_operand *o, int64_t I, int64_t K, int64_t Z,
                             int P, int64_t *z_stride) {
  const cliq__value *v = &cliq__plan_graph(p)->values[o->value];
  const float *src = v->constant->data;
  int64_t Zp = z_shared(o, Z) ? 1 : Z;
  int64_t per_z = ceil_div(I, P) * P * K;
  size_t n, bytes;
  if (!cliq__mul_size((size_t)Zp, (size_t)per_z, &n) || !cliq__mul_size(n, sizeof(float), &bytes)) {
    fail(p, node, CLIQ_STATUS_OUT_OF_MEMORY, "packed weights overflow size_t");
    return -1;
  }
  float *dst = calloc(n ? n : 1, sizeof(float));
  if (!dst) {
    fail(p, node, CLIQ_STATUS_OUT_OF_MEMORY, "cannot allocate the packed weights");
    return -1;
  }
  for (int64_t z = 0; z < Zp; z++)
    for (int64_t i = 0; i < I; i++)
      for (int64_t k = 0; k < K; k++)
        dst[z * per_z + (i / P) * K * P + k * P + i % P] = src[strided_index(o, z, i, k)];
  int id = cliq__plan_const(p, dst, bytes);
  free(dst);
  *z_stride = Zp == 1 ? 0 : per_z;
  return id;
}

/* Uploads an int32 table of the operand's z offsets (plus off) for the pack kernels. */
static int zoff_table(cliq__planner *p, int node, const cliq__gemm_operand *o, int64_t Z) {
  int32_t *t = malloc((size_t)Z * sizeof(int32_t));
  if (!t) {
    fail(p, node, CLIQ_STATUS_OUT_OF_MEMORY, "cannot allocate a z-offset table");
    return -1;
  }
  for (int64_t z = 0; z < Z; z++) t[z] = (int32_t)zoff_of(o, z);
  int id = cliq__plan_const(p, t, (size_t)Z * sizeof(int32_t));
  free(t);
  return id;
}

/* The im2col kernels' geometry arguments: image, group, channel and pixel strides, then (D, H, W), kernel,
 * strides, dilations, leading pads and output size, depth first (1-D and 2-D have 1s there). */
static void arg_conv_geometry(cliq__launch *L, const cliq__conv_geom *g) {
  int64_t in_sz = g->in[0] * g->in[1] * g->in[2];
  int64_t c_s = g->nhwc ? 1 : in_sz, w_s = g->nhwc ? g->C : 1; /* channel and pixel strides */
  cliq__arg_i32(L, (int32_t)(g->C * in_sz));
  cliq__arg_i32(L, (int32_t)(g->C / g->G * c_s));
  cliq__arg_i32(L, (int32_t)c_s);
  cliq__arg_i32(L, (int32_t)w_s);
  const int64_t *v[6] = {g->in, g->k, g->s, g->d, g->pb, g->out};
  for (int a = 0; a < 6; a++)
    for (int i = 0; i < 3; i++) cliq__arg_i32(L, (int32_t)v[a][i]);
}

/* Device packing of operand o, i in [i_begin, I), into scratch `scratch` (panels of width P). */
static void pack_device(cliq__planner *p, int node, const cliq__gemm_operand *o, int64_t I, int64_t i_begin, int64_t K,
                        int64_t Z, int P, int scratch, int64_t p_z, int zoff_id) {
  char opts[32];
  snprintf(opts, sizeof opts, "-DPW=%d", P);
  int64_t panels = ceil_div(I - i_begin, P);
  size_t gws[3] = {(size_t)K, (size_t)panels, (size_t)Z}, lws[3] = {16, 1, 1};
  if (o->conv) {
    const cliq__conv_geom *g = o->conv;
    cliq__launch *L = cliq__plan_kernel(p, node, "im2col_f32", opts, "im2col_panels_f32");
    cliq__arg_value(L, o->value);
    cliq__arg_scratch(L, scratch);
    cliq__arg_i32(L, (int32_t)K);
    cliq__arg_i32(L, (int32_t)I);
    cliq__arg_i32(L, (int32_t)i_begin);
    cliq__arg_i32(L, (int32_t)p_z);
    arg_conv_geometry(L, g);
    cliq__launch_range(L, 3, gws, lws);
  } else {
    cliq__launch *L = cliq__plan_kernel(p, node, "im2col_f32", opts, "pack_panels_f32");
    cliq__arg_value(L, o->value);
    cliq__arg_scratch(L, scratch);
    cliq__arg_const(L, zoff_id);
    cliq__arg_i32(L, (int32_t)K);
    cliq__arg_i32(L, (int32_t)I);
    cliq__arg_i32(L, (int32_t)i_begin);
    cliq__arg_i32(L, (int32_t)p_z);
    cliq__arg_i32(L, (int32_t)o->off);
    cliq__arg_i32(L, arg32(o->i_pi));
    cliq__arg_i32(L, (int32_t)o->i_img);
    cliq__arg_i32(L, (int32_t)o->i_s);
    cliq__arg_i32(L, (int32_t)o->k_s);
    cliq__launch_range(L, 3, gws, lws);
  }
}

/* The element range an operand reads, to reject what 32-bit kernel indices cannot address
 * (strides are never negative). */
static bool operand_fits(const cliq__gemm_operand *o, int64_t I, int64_t K, int64_t Z) {
  if (o->conv) {
    const cliq__conv_geom *g = o->conv;
    return fits_i32(g->N * g->C * g->in[0] * g->in[1] * g->in[2]);
  }
  int64_t last_i = ((I - 1) / o->i_pi) * o->i_img + ((I - 1) < o->i_pi - 1 ? I - 1 : o->i_pi - 1) * o->i_s;
  for (int64_t z = 0; z < Z; z++)
    if (!fits_i32(zoff_of(o, z)) || !fits_i32(o->off + zoff_of(o, z) + last_i + (K - 1) * o->k_s)) return false;
  return true;
}

static void arg_y(cliq__launch *L, const cliq__gemm_desc *d) {
  if (d->y_scratch >= 0) cliq__arg_scratch(L, d->y_scratch);
  else cliq__arg_value(L, d->y);
}

static void swap_desc(cliq__gemm_desc *d) {
  cliq__gemm_operand t = d->a;
  d->a = d->b;
  d->b = t;
  int64_t x;
#define SWAP(u, v) (x = d->u, d->u = d->v, d->v = x)
  SWAP(M, N);
  SWAP(r_pi, c_pi);
  SWAP(r_img, c_img);
  SWAP(r_s, c_s);
  SWAP(bias_r, bias_c);
#undef SWAP
}

/* ---- the packed-panel path (gemm_f32.cl) ------------------------------------------------- */

static cliq_status plan_packed(cliq__planner *p, int node, const cliq__gemm_desc *in, const cliq__variant *v) {
  const cliq__device *dev = cliq__plan_device(p);
  cliq__graph *g = cliq__plan_graph(p);
  cliq__gemm_desc d = *in;
  const int MR = v->mr, NR = v->nr;
  /* Orientation: the operand whose side pads less goes to the wide (NR) side. */
  int64_t cost = ceil_div(d.M, MR) * MR * ceil_div(d.N, NR) * NR;
  int64_t cost_sw = ceil_div(d.N, MR) * MR * ceil_div(d.M, NR) * NR;
  if (cost_sw * 8 < cost * 7) swap_desc(&d);

  bool a_const = g->values[d.a.value].constant && !d.a.conv;
  bool b_const = g->values[d.b.value].constant && !d.b.conv;
  int64_t a_blocks = ceil_div(d.M, MR);
  int64_t a_pz = a_blocks * MR * d.K;
  int a_id = -1, a_scr = -1;
  int64_t a_z = a_pz;
  if (!fits_i32(d.Z * a_pz) || !operand_fits(&d.a, d.M, d.K, d.Z) || !operand_fits(&d.b, d.N, d.K, d.Z))
    return fail(p, node, CLIQ_STATUS_UNSUPPORTED, "GEMM operands exceed 2^31 elements (32-bit kernel indices)");
  if (a_const) {
    a_id = pack_const_panels(p, node, &d.a, d.M, d.K, d.Z, MR, &a_z);
  } else {
    a_scr = cliq__plan_scratch(p, node, (size_t)(d.Z * a_pz) * sizeof(float));
    int zid = d.a.conv ? -1 : zoff_table(p, node, &d.a, d.Z);
    pack_device(p, node, &d.a, d.M, 0, d.K, d.Z, MR, a_scr, a_pz, zid);
  }

  /* Columns: packed once (constant) or per slice of images (computed). */
  int64_t b_z = 0;
  int b_id = -1, b_scr = -1, b_zid = -1;
  int64_t slice = d.N; /* columns per launch */
  if (b_const) {
    b_id = pack_const_panels(p, node, &d.b, d.N, d.K, d.Z, NR, &b_z);
  } else {
    int64_t per_col = d.Z * d.K * (int64_t)sizeof(float);
    long kb = cliq__tuning_int(dev, "GEMM_SCRATCH_KB", GEMM_SCRATCH_KB);
    size_t limit = (size_t)(kb > 0 ? kb : GEMM_SCRATCH_KB) << 10;
    if (dev->max_alloc && limit > dev->max_alloc / 2) limit = (size_t)(dev->max_alloc / 2);
    /* slices are whole panels; the packers and the GEMM start anywhere in an image */
    if ((size_t)(ceil_div(d.N, NR) * NR * per_col) > limit) {
      int64_t panels = (int64_t)limit / (NR * per_col);
      slice = (panels < 1 ? 1 : panels) * NR;
    }
    int64_t pz = ceil_div(slice, NR) * NR * d.K;
    if (!fits_i32(d.Z * pz)) return fail(p, node, CLIQ_STATUS_UNSUPPORTED, "packed GEMM columns exceed 2^31 elements");
    b_z = pz;
    b_scr = cliq__plan_scratch(p, node, (size_t)(d.Z * pz) * sizeof(float));
    if (!d.b.conv) b_zid = zoff_table(p, node, &d.b, d.Z);
  }
  if (cliq__plan_status(p) != CLIQ_STATUS_OK) return cliq__plan_status(p);

  char opts[48];
  snprintf(opts, sizeof opts, "-DMR=%d -DNR=%d", MR, NR);
  size_t wg = (size_t)cliq__tuning_int(dev, "GEMM_WG_M", 4);
  if (wg < 1) wg = 1;
  for (int64_t c0 = 0; c0 < d.N; c0 += slice) {
    int64_t c1 = c0 + slice < d.N ? c0 + slice : d.N;
    if (!b_const) pack_device(p, node, &d.b, c1, c0, d.K, d.Z, NR, b_scr, b_z, b_zid);
    cliq__launch *L = cliq__plan_kernel(p, node, v->program, opts, v->kernel);
    if (a_const) cliq__arg_const(L, a_id);
    else cliq__arg_scratch(L, a_scr);
    if (b_const) cliq__arg_const(L, b_id);
    else cliq__arg_scratch(L, b_scr);
    arg_y(L, &d);
    if (d.bias >= 0) cliq__arg_value(L, d.bias);
    else arg_y(L, &d); /* never read */
    cliq__arg_i32(L, (int32_t)d.M);
    cliq__arg_i32(L, (int32_t)c1);
    cliq__arg_i32(L, (int32_t)c0);
    cliq__arg_i32(L, (int32_t)d.K);
    cliq__arg_i32(L, (int32_t)a_z);
    cliq__arg_i32(L, (int32_t)b_z);
    cliq__arg_i32(L, (int32_t)d.y_off);
    cliq__arg_i32(L, (int32_t)d.y_z);
    cliq__arg_i32(L, arg32(d.r_pi));
    cliq__arg_i32(L, (int32_t)d.r_img);
    cliq__arg_i32(L, (int32_t)d.r_s);
    cliq__arg_i32(L, arg32(d.c_pi));
    cliq__arg_i32(L, (int32_t)d.c_img);
    cliq__arg_i32(L, (int32_t)d.c_s);
    cliq__arg_i32(L, d.bias >= 0);
    cliq__arg_i32(L, (int32_t)d.bias_z);
    cliq__arg_i32(L, (int32_t)d.bias_r);
    cliq__arg_i32(L, (int32_t)d.bias_c);
    cliq__arg_f32(L, d.alpha);
    cliq__arg_f32(L, d.beta);
    cliq__arg_i32(L, d.act);
    cliq__arg_f32(L, d.act_a);
    cliq__arg_f32(L, d.act_b);
    size_t gws[3] = {(size_t)ceil_div(c1 - c0, NR), (size_t)a_blocks, (size_t)d.Z}, lws[3] = {1, wg, 1};
    cliq__launch_range(L, 3, gws, lws);
  }
  return cliq__plan_status(p);
}

/* ---- the CLBlast path ----------------------------------------------------------------------- */

/* One CLBlastSgemm call (one z): a launch of its own, so profiling times every call. */
typedef struct clblast_call {
  cliq_context *ctx;
  size_t M, N, K;
  CLBlastTranspose ta, tb;
  size_t lda, ldb, ldc;
  float alpha;
  size_t a_off, b_off, c_off;
} clblast_call;

static cliq_status clblast_enqueue(struct cliq__exec *ex, const cliq__launch *L, cl_event *ev) {
  const clblast_call *c = L->custom;
  cl_mem a = cliq__exec_mem(ex, &L->args[0], NULL), b = cliq__exec_mem(ex, &L->args[1], NULL),
         y = cliq__exec_mem(ex, &L->args[2], NULL);
  cl_command_queue q = cliq__exec_queue(ex);
  CLBlastStatusCode st = CLBlastSgemm(CLBlastLayoutRowMajor, c->ta, c->tb, c->M, c->N, c->K, c->alpha, a, c->a_off, c->lda, b,
                                      c->b_off, c->ldb, 0.0f, y, c->c_off, c->ldc, &q, ev);
  if (st != CLBlastSuccess)
    return cliq__fail(c->ctx, CLIQ_STATUS_DEVICE_ERROR, "CLBlastSgemm (%zux%zux%zu) failed with CLBlast status %d", c->M,
                      c->N, c->K, (int)st);
  return CLIQ_STATUS_OK;
}

/* A plain operand for CLBlast: rows x K (want_rows_major: [i][k], else [k][i]). Returns how the
 * launch reads it: kind/id, leading dimension, transpose flag and per-z offsets. */
typedef struct plain_src {
  int kind; /* 0 value, 1 const, 2 scratch */
  int id;
  size_t ld;
  bool trans;
  int64_t zoff_base; /* per z: base + z * z_stride, or the operand's own zoffs (direct) */
  int64_t z_stride;
  bool direct;
} plain_src;

static void plain_operand(cliq__planner *p, int node, const cliq__gemm_operand *o, int64_t I, int64_t K, int64_t Z,
                          bool rows_major, plain_src *ps) {
  cliq__graph *g = cliq__plan_graph(p);
  memset(ps, 0, sizeof *ps);
  bool is_const = g->values[o->value].constant && !o->conv;
  bool no_split = !o->conv && o->i_pi >= I;
  /* A (rows_major): CLBlast reads [i][k] with ld >= K, or [k][i] transposed with ld >= I.
   * B: CLBlast reads [k][i] with ld >= I, or [i][k] transposed with ld >= K. */
  if (!is_const && no_split) {
    bool ik = o->k_s == 1 && o->i_s >= K, ki = o->i_s == 1 && o->k_s >= I;
    if (ik || ki) {
      ps->kind = 0;
      ps->id = o->value;
      ps->direct = true;
      ps->trans = rows_major ? !ik : ik;
      ps->ld = (size_t)(ik ? o->i_s : o->k_s);
      if (ps->ld < 1) ps->ld = 1;
      return;
    }
  }
  /* gather into [Zp][I][K] (rows_major) or [Zp][K][I] */
  int64_t Zp = (!o->conv && z_shared(o, Z)) ? 1 : Z;
  int64_t per_z = I * K;
  int64_t d_i = rows_major ? K : 1, d_k = rows_major ? 1 : I;
  ps->ld = (size_t)(rows_major ? K : I);
  ps->trans = false;
  ps->z_stride = Zp == 1 ? 0 : per_z;
  if (is_const) {
    const float *src = g->values[o->value].constant->data;
    float *dst = malloc((size_t)(Zp * per_z) * sizeof(float) + 1);
    if (!dst) {
      fail(p, node, CLIQ_STATUS_OUT_OF_MEMORY, "cannot allocate plain weights");
      return;
    }
    for (int64_t z = 0; z < Zp; z++)
      for (int64_t i = 0; i < I; i++)
        for (int64_t k = 0; k < K; k++) dst[z * per_z + i * d_i + k * d_k] = src[strided_index(o, z, i, k)];
    ps->kind = 1;
    ps->id = cliq__plan_const(p, dst, (size_t)(Zp * per_z) * sizeof(float));
    free(dst);
    return;
  }
  ps->kind = 2;
  ps->id = cliq__plan_scratch(p, node, (size_t)(Zp * per_z) * sizeof(float));
  size_t gws[3] = {(size_t)I, (size_t)K, (size_t)Zp}, lws[3] = {64, 1, 1};
  if (o->conv) {
    const cliq__conv_geom *cg = o->conv;
    cliq__launch *L = cliq__plan_kernel(p, node, "im2col_f32", NULL, "im2col_plain_f32");
    cliq__arg_value(L, o->value);
    cliq__arg_scratch(L, ps->id);
    cliq__arg_i32(L, (int32_t)K);
    cliq__arg_i32(L, (int32_t)I);
    cliq__arg_i32(L, (int32_t)per_z);
    cliq__arg_i32(L, (int32_t)d_i);
    cliq__arg_i32(L, (int32_t)d_k);
    arg_conv_geometry(L, cg);
    cliq__launch_range(L, 3, gws, lws);
  } else {
    int zid = zoff_table(p, node, o, Zp);
    cliq__launch *L = cliq__plan_kernel(p, node, "im2col_f32", NULL, "pack_plain_f32");
    cliq__arg_value(L, o->value);
    cliq__arg_scratch(L, ps->id);
    cliq__arg_const(L, zid);
    cliq__arg_i32(L, (int32_t)K);
    cliq__arg_i32(L, (int32_t)I);
    cliq__arg_i32(L, (int32_t)per_z);
    cliq__arg_i32(L, (int32_t)d_i);
    cliq__arg_i32(L, (int32_t)d_k);
    cliq__arg_i32(L, (int32_t)o->off);
    cliq__arg_i32(L, arg32(o->i_pi));
    cliq__arg_i32(L, (int32_t)o->i_img);
    cliq__arg_i32(L, (int32_t)o->i_s);
    cliq__arg_i32(L, (int32_t)o->k_s);
    cliq__launch_range(L, 3, gws, lws);
  }
}

static void arg_plain(cliq__launch *L, const plain_src *ps) {
  if (ps->kind == 0) cliq__arg_value(L, ps->id);
  else if (ps->kind == 1) cliq__arg_const(L, ps->id);
  else cliq__arg_scratch(L, ps->id);
}

static cliq_status plan_clblast(cliq__planner *p, int node, const cliq__gemm_desc *d) {
  if (!operand_fits(&d->a, d->M, d->K, d->Z) || !operand_fits(&d->b, d->N, d->K, d->Z))
    return fail(p, node, CLIQ_STATUS_UNSUPPORTED, "GEMM operands exceed 2^31 elements (32-bit kernel indices)");
  plain_src pa, pb;
  plain_operand(p, node, &d->a, d->M, d->K, d->Z, true, &pa);
  plain_operand(p, node, &d->b, d->N, d->K, d->Z, false, &pb);
  if (cliq__plan_status(p) != CLIQ_STATUS_OK) return cliq__plan_status(p);
  /* Y straight into the output when it is a plain row-major matrix per z, else via scratch. */
  bool direct_out = d->r_pi >= d->M && d->c_pi >= d->N && d->c_s == 1 && d->r_s >= d->N;
  int t_scr = -1;
  if (!direct_out) t_scr = cliq__plan_scratch(p, node, (size_t)(d->Z * d->M * d->N) * sizeof(float));
  for (int64_t z = 0; z < d->Z; z++) {
    clblast_call *c = calloc(1, sizeof *c);
    if (!c) return fail(p, node, CLIQ_STATUS_OUT_OF_MEMORY, "cannot allocate a CLBlast call");
    c->ctx = cliq__plan_context(p);
    c->M = (size_t)d->M, c->N = (size_t)d->N, c->K = (size_t)d->K;
    c->ta = pa.trans ? CLBlastTransposeYes : CLBlastTransposeNo;
    c->tb = pb.trans ? CLBlastTransposeYes : CLBlastTransposeNo;
    c->lda = pa.ld, c->ldb = pb.ld;
    c->ldc = direct_out ? (size_t)d->r_s : (size_t)d->N;
    c->alpha = d->alpha;
    c->a_off = (size_t)(pa.direct ? d->a.off + zoff_of(&d->a, z) : z * pa.z_stride);
    c->b_off = (size_t)(pb.direct ? d->b.off + zoff_of(&d->b, z) : z * pb.z_stride);
    c->c_off = (size_t)(direct_out ? d->y_off + z * d->y_z : z * d->M * d->N);
    cliq__launch *L = cliq__plan_custom(p, node, "clblast_sgemm", clblast_enqueue, c, free);
    arg_plain(L, &pa);
    arg_plain(L, &pb);
    if (direct_out) arg_y(L, d);
    else cliq__arg_scratch(L, t_scr);
  }
  if (direct_out && d->bias < 0 && d->act == CLIQ_ACT_NONE) return cliq__plan_status(p);

  cliq__launch *E = cliq__plan_kernel(p, node, "gemm_f32", NULL, "gemm_epilogue_f32");
  if (direct_out) arg_y(E, d);
  else cliq__arg_scratch(E, t_scr);
  arg_y(E, d);
  if (d->bias >= 0) cliq__arg_value(E, d->bias);
  else arg_y(E, d); /* never read */
  cliq__arg_i32(E, (int32_t)d->M);
  cliq__arg_i32(E, (int32_t)d->N);
  cliq__arg_i32(E, direct_out ? (int32_t)d->y_off : 0);
  cliq__arg_i32(E, direct_out ? (int32_t)d->y_z : (int32_t)(d->M * d->N));
  cliq__arg_i32(E, direct_out ? (int32_t)d->r_s : (int32_t)d->N);
  cliq__arg_i32(E, (int32_t)d->y_off);
  cliq__arg_i32(E, (int32_t)d->y_z);
  cliq__arg_i32(E, arg32(d->r_pi));
  cliq__arg_i32(E, (int32_t)d->r_img);
  cliq__arg_i32(E, (int32_t)d->r_s);
  cliq__arg_i32(E, arg32(d->c_pi));
  cliq__arg_i32(E, (int32_t)d->c_img);
  cliq__arg_i32(E, (int32_t)d->c_s);
  cliq__arg_i32(E, d->bias >= 0);
  cliq__arg_i32(E, (int32_t)d->bias_z);
  cliq__arg_i32(E, (int32_t)d->bias_r);
  cliq__arg_i32(E, (int32_t)d->bias_c);
  cliq__arg_f32(E, d->beta);
  cliq__arg_i32(E, d->act);
  cliq__arg_f32(E, d->act_a);
  cliq__arg_f32(E, d->act_b);
  size_t gws[3] = {(size_t)d->N, (size_t)d->M, (size_t)d->Z}, lws[3] = {64, 1, 1};
  cliq__launch_range(E, 3, gws, lws);
  return cliq__plan_status(p);
}

cliq_status cliq__plan_gemm(cliq__planner *p, int node, const cliq__gemm_desc *d) {
  if (cliq__plan_status(p) != CLIQ_STATUS_OK) return cliq__plan_status(p);
  if (d->M <= 0 || d->N <= 0 || d->Z <= 0) return CLIQ_STATUS_OK; /* empty output: nothing to run */
  cliq__graph *g = cliq__plan_graph(p);
  size_t y_elems = 0;
  const cliq__value *y = d->y_scratch >= 0 ? NULL : &g->values[d->y];
  if (y && (!cliq__shape_elems(y->rank, y->dims, &y_elems) || y_elems > INT32_MAX))
    return fail(p, node, CLIQ_STATUS_UNSUPPORTED, "output has more than 2^31 elements (32-bit kernel indices)");
  /* K = 0 (an empty sum) needs no special case: packing launches are empty, the GEMM's K loop
   * does not run and the epilogue writes act(beta * bias). */
  const cliq__variant *v = cliq__variant_pick(cliq__plan_device(p), CLIQ__VK_GEMM_F32, "GEMM_F32");
  if (!v) return fail(p, node, CLIQ_STATUS_UNSUPPORTED, "no float GEMM kernel variant can run on this device");
  if (!v->program && d->K == 0) /* CLBlast rejects k = 0; the packed kernels handle the empty sum */
    for (int i = 0; i < CLIQ__VARIANT_COUNT && !v->program; i++)
      if (cliq__variants[i].kind == CLIQ__VK_GEMM_F32 && cliq__variants[i].program && cliq__variants[i].where(cliq__plan_device(p)))
        v = &cliq__variants[i];
  if (!v->program) return plan_clblast(p, node, d);
  return plan_packed(p, node, d, v);
}
