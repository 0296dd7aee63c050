/*
 * test_requant.c — cliq's int8 numerics (cl_kernels/cliq_requant.h) against an exact 128-bit
 * integer reference written independently here (division and remainder, not shifts), on the host
 * and inside an OpenCL kernel on the device, where both the scalar functions and their 16-lane
 * twins must give the C results bit for bit.
 *
 * Covered: cliq_rshift_rne and cliq_requant over Q31 multipliers (2^30, 2^31-1, random, and the
 * small ones of n = 62), n = 1..62, zero points 0, +-1, -128, 127, accumulators INT32_MIN+1,
 * INT32_MAX, 0, +-1, exact halfway cases of both parities and random values; cliq_requant_raw where
 * its result fits in int32 (its contract); cliq_quantize_multiplier (error bound, ranges,
 * rejections); cliq_q8_add over all 65536 input pairs for several scale triples from
 * cliq_q8_add_params; cliq_q8_residual; cliq_quantize_f32 ties.
 */
#include "cl/program.h"
#include "context.h"
#include "harness.h"

#include "cliq_requant.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef __int128 i128;

/* round_half_even(v / 2^n), by division and remainder */
static int64_t exact_rne(i128 v, int n) {
  i128 d = (i128)1 << n;
  i128 q = v / d, r = v % d; /* truncating */
  if (r < 0) {
    q -= 1;
    r += d;
  }
  if (2 * r > d || (2 * r == d && (q & 1))) q += 1;
  return (int64_t)q;
}

static int exact_requant(int acc, int m, int sh, int zp, int lo, int hi) {
  i128 y = (i128)exact_rne((i128)acc * m, 31 + sh) + zp;
  return (int)(y < lo ? lo : (y > hi ? hi : y));
}

static int exact_add(int a, int za, int ma, int sha, int b, int zb, int mb, int shb, int my, int shy, int zy, int lo, int hi) {
  int64_t ra = exact_rne((i128)(a - za) * (1 << CLIQ_ADD_LEFT_SHIFT) * ma, 31 + sha);
  int64_t rb = exact_rne((i128)(b - zb) * (1 << CLIQ_ADD_LEFT_SHIFT) * mb, 31 + shb);
  return exact_requant((int)(ra + rb), my, shy, zy, lo, hi);
}

/* ---- test vectors, in groups of 16 sharing the per-tensor parameters ---------------------------- */

typedef struct rq_case {
  int acc, m, sh;
} rq_case;

static rq_case *rq;
static int *rq_grp; /* zp, lo, hi per group */
static size_t n_rq, cap_rq;

static void add_rq(int acc, int m, int sh) {
  if (n_rq == cap_rq) {
    cap_rq = cap_rq ? cap_rq * 2 : 4096;
    rq = realloc(rq, cap_rq * sizeof *rq);
  }
  rq[n_rq++] = (rq_case){acc, m, sh};
}

static int rand_m(void) {
  switch (th_randint(0, 4)) {
  case 0: return 1 << 30;
  case 1: return INT32_MAX;
  case 2: return th_randint(1, (1 << 30) - 1); /* small multipliers of n = 62 */
  default: return (1 << 30) + (int)(th_rand() % (1u << 30));
  }
}

static int rand_acc(void) {
  switch (th_randint(0, 6)) {
  case 0: return INT32_MIN + 1;
  case 1: return INT32_MAX;
  case 2: return th_randint(-1, 1);
  case 3: return th_randint(-1000, 1000);
  default: return (int)(uint32_t)th_rand();
  }
}

static void build_rq_cases(void) {
  /* exact ties: m = 2^30, acc = odd * 2^(n-31) puts acc * m / 2^n at (2j+1)/2, both parities */
  for (int n = 31; n <= 61; n++)
    for (int j = -8; j <= 8; j++) {
      int64_t acc = (int64_t)(2 * j + 1) * ((int64_t)1 << (n - 31)); /* a multiply: shifting a negative is undefined */
      if (acc > INT32_MAX || acc < INT32_MIN + 1) continue;
      add_rq((int)acc, 1 << 30, n - 31);
    }
  /* every shift with extreme and random accumulators and multipliers */
  for (int n = 1; n <= 62; n++)
    for (int k = 0; k < 200; k++) add_rq(rand_acc(), rand_m(), n - 31);
  while (n_rq % 16) add_rq(rand_acc(), rand_m(), th_randint(1, 62) - 31);
  size_t groups = n_rq / 16;
  rq_grp = malloc(groups * 3 * sizeof(int));
  static const int zps[] = {0, 1, -1, -128, 127};
  for (size_t g = 0; g < groups; g++) {
    rq_grp[3 * g] = th_randint(0, 3) ? zps[th_randint(0, 4)] : th_randint(-128, 127);
    int lo = -128, hi = 127;
    if (th_randint(0, 2) == 0) {
      lo = th_randint(-128, 127);
      hi = th_randint(lo, 127);
    }
    rq_grp[3 * g + 1] = lo;
    rq_grp[3 * g + 2] = hi;
  }
}

static bool raw_fits(const rq_case *c) {
  int64_t v = exact_rne((i128)c->acc * c->m, 31 + c->sh);
  return v >= INT32_MIN && v <= INT32_MAX;
}

static void host_rq_checks(void) {
  size_t bad = 0, bad_raw = 0, bad_shift = 0;
  for (size_t i = 0; i < n_rq; i++) {
    const rq_case *c = &rq[i];
    const int *gp = &rq_grp[3 * (i / 16)];
    int want = exact_requant(c->acc, c->m, c->sh, gp[0], gp[1], gp[2]);
    int got = cliq_requant(c->acc, c->m, c->sh, gp[0], gp[1], gp[2]);
    if (got != want && bad++ < 5)
      printf("  cliq_requant(%d, %d, %d, zp %d, [%d,%d]) = %d, want %d\n", c->acc, c->m, c->sh, gp[0], gp[1], gp[2], got,
             want);
    if (raw_fits(c) && cliq_requant_raw(c->acc, c->m, c->sh) != (int)exact_rne((i128)c->acc * c->m, 31 + c->sh) &&
        bad_raw++ < 5)
      printf("  cliq_requant_raw(%d, %d, %d) wrong\n", c->acc, c->m, c->sh);
    int64_t v = (int64_t)c->acc * c->m;
    if (cliq_rshift_rne(v, 31 + c->sh) != exact_rne(v, 31 + c->sh) && bad_shift++ < 5)
      printf("  cliq_rshift_rne(%lld, %d) wrong\n", (long long)v, 31 + c->sh);
  }
  TH_CHECK(bad == 0, "cliq_requant vs exact: %zu of %zu differ", bad, n_rq);
  TH_CHECK(bad_raw == 0, "cliq_requant_raw vs exact: %zu differ", bad_raw);
  TH_CHECK(bad_shift == 0, "cliq_rshift_rne vs exact: %zu differ", bad_shift);
  /* rshift over the full int64 range at every n */
  size_t bad64 = 0;
  for (int n = 1; n <= 62; n++)
    for (int k = 0; k < 2000; k++) {
      int64_t v = k == 0 ? INT64_MIN + 1 : k == 1 ? INT64_MAX : (int64_t)th_rand();
      if (cliq_rshift_rne(v, n) != exact_rne(v, n)) bad64++;
    }
  TH_CHECK(bad64 == 0, "cliq_rshift_rne on int64 values: %zu differ", bad64);
}

static void multiplier_checks(void) {
  size_t bad = 0;
  for (int k = 0; k < 20000; k++) {
    double m = k < 10 ? ldexp(1.0, -k * 6) : exp2(th_uniform(-45.0f, 29.9f)) * (1.0 + th_uniform(0, 1e-3f));
    int32_t M, sh;
    if (!cliq_quantize_multiplier(m, &M, &sh)) {
      if (bad++ < 5) printf("  cliq_quantize_multiplier(%.17g) refused\n", m);
      continue;
    }
    int n = 31 + sh;
    /* within half a unit of 2^-n (n < 62), or one unit where n was capped at 62 and M truncated */
    double err = fabsl((long double)M - ldexpl((long double)m, n));
    bool ok = n >= 1 && n <= 62 && M > 0 && (n < 62 ? (M >= (1 << 30) && err <= 0.5) : err < 1.0);
    if (!ok && bad++ < 5) printf("  cliq_quantize_multiplier(%.17g) = (%d, %d): error %.3g\n", m, M, sh, err);
  }
  TH_CHECK(bad == 0, "cliq_quantize_multiplier: %zu bad results", bad);
  int32_t M, sh;
  TH_CHECK(!cliq_quantize_multiplier(1073741824.0, &M, &sh), "multiplier 2^30 must be refused");
  TH_CHECK(!cliq_quantize_multiplier(0.0, &M, &sh) && !cliq_quantize_multiplier(-1.0, &M, &sh) &&
               !cliq_quantize_multiplier(NAN, &M, &sh) && !cliq_quantize_multiplier(INFINITY, &M, &sh),
           "non-positive or non-finite multipliers must be refused");
  TH_CHECK(cliq_quantize_multiplier(0.5, &M, &sh) && M == (1 << 30) && sh == 0, "0.5 = 2^30 * 2^-31");
  TH_CHECK(cliq_quantize_multiplier(1.0, &M, &sh) && M == (1 << 30) && sh == -1, "1.0 = 2^30 * 2^-30");
  /* QuantizeLinear ties go to even, NaN to the zero point, saturation */
  TH_CHECK(cliq_quantize_f32(2.5f, 1.0f, 0, -128, 127) == 2 && cliq_quantize_f32(3.5f, 1.0f, 0, -128, 127) == 4 &&
               cliq_quantize_f32(-2.5f, 1.0f, 0, -128, 127) == -2 && cliq_quantize_f32(0.75f, 0.5f, 3, -128, 127) == 5,
           "cliq_quantize_f32 rounds half to even");
  TH_CHECK(cliq_quantize_f32(NAN, 1.0f, 7, -128, 127) == 7 && cliq_quantize_f32(1e30f, 1.0f, 0, -128, 127) == 127 &&
               cliq_quantize_f32(-INFINITY, 1.0f, 0, -128, 127) == -128,
           "cliq_quantize_f32: NaN -> zero point, saturation");
}

/* ---- add and residual -------------------------------------------------------------------------- */

#define ADD_P 11 /* za ma sha zb mb shb my shy zy lo hi */
static int add_params[8][ADD_P];
static const int n_add_sets = 8;

static void build_add_params(void) {
  static const int zps[] = {0, 1, -1, -128, 127};
  for (int s = 0; s < n_add_sets; s++) {
    double sa = exp2(th_uniform(-20.0f, 4.0f)), sb = sa * exp2(th_uniform(-6.0f, 6.0f));
    double sy = (sa > sb ? sa : sb) * exp2(th_uniform(-2.0f, 3.0f));
    if (s == 0) sa = sb = sy = 0.25; /* equal scales */
    int32_t ma = 0, sha = 0, mb = 0, shb = 0, my = 0, shy = 0;
    bool ok = cliq_q8_add_params(sa, sb, sy, &ma, &sha, &mb, &shb, &my, &shy);
    TH_CHECK(ok, "cliq_q8_add_params(%g, %g, %g)", sa, sb, sy);
    /* the fixed-point multipliers approximate the real ones */
    double s2 = 2.0 * (sa > sb ? sa : sb);
    TH_CHECK(fabs(ldexp(ma, -(31 + sha)) / (sa / s2) - 1.0) < 1e-8 && fabs(ldexp(mb, -(31 + shb)) / (sb / s2) - 1.0) < 1e-8 &&
                 fabs(ldexp(my, -(31 + shy)) / (s2 / (1048576.0 * sy)) - 1.0) < 1e-8,
             "cliq_q8_add_params multipliers for scales %g %g %g", sa, sb, sy);
    int *p = add_params[s];
    int lo = -128, hi = 127;
    if (s % 3 == 2) {
      lo = th_randint(-128, 0);
      hi = th_randint(lo, 127);
    }
    int v[ADD_P] = {zps[th_randint(0, 4)], ma, sha, th_randint(-128, 127), mb, shb, my, shy, zps[th_randint(0, 4)], lo, hi};
    memcpy(p, v, sizeof v);
  }
}

static void host_add_checks(void) {
  size_t bad = 0;
  for (int s = 0; s < n_add_sets; s++) {
    const int *p = add_params[s];
    for (int a = -128; a <= 127; a++)
      for (int b = -128; b <= 127; b++) {
        int got = cliq_q8_add(a, p[0], p[1], p[2], b, p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10]);
        int want = exact_add(a, p[0], p[1], p[2], b, p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10]);
        if (got != want && bad++ < 5) printf("  cliq_q8_add(%d, %d) set %d = %d, want %d\n", a, b, s, got, want);
      }
  }
  TH_CHECK(bad == 0, "cliq_q8_add over all input pairs: %zu differ", bad);
  /* the residual helper is requant then add */
  size_t badr = 0;
  for (size_t i = 0; i < n_rq; i++) {
    const int *p = add_params[i % n_add_sets];
    int r = (int)(i % 256) - 128, zc = rq_grp[3 * (i / 16)];
    int c = exact_requant(rq[i].acc, rq[i].m, rq[i].sh, zc, -128, 127);
    int want = exact_add(c, zc, p[1], p[2], r, p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10]);
    int got = cliq_q8_residual(rq[i].acc, rq[i].m, rq[i].sh, zc, -128, 127, r, p[3], p[1], p[2], p[4], p[5], p[6], p[7],
                               p[8], p[9], p[10]);
    if (got != want) badr++;
  }
  TH_CHECK(badr == 0, "cliq_q8_residual: %zu differ", badr);
}

/* ---- the same inside a kernel ---------------------------------------------------------------- */

static const char *kernel_src =
    "__kernel void t_requant(__global const int *acc, __global const int *m, __global const int *sh,\n"
    "                        __global const int *grp, __global int *out_s, __global int *out_v,\n"
    "                        __global int *raw_s, __global int *raw_v, __global int *out_1, __global int *raw_1) {\n"
    "  const int g = get_global_id(0);\n"
    "  const int zp = grp[3 * g], lo = grp[3 * g + 1], hi = grp[3 * g + 2];\n"
    "  for (int i = 0; i < 16; i++) {\n"
    "    const int k = 16 * g + i;\n"
    "    out_s[k] = cliq_requant(acc[k], m[k], sh[k], zp, lo, hi);\n"
    "    raw_s[k] = cliq_requant_raw(acc[k], m[k], sh[k]);\n"
    "  }\n"
    "  vstore16(cliq_requant16(vload16(g, acc), vload16(g, m), vload16(g, sh), zp, lo, hi), g, out_v);\n"
    "  vstore16(cliq_requant_raw16(vload16(g, acc), vload16(g, m), vload16(g, sh)), g, raw_v);\n"
    "  vstore16(cliq_requant16_1(vload16(g, acc), m[16 * g], sh[16 * g], zp, lo, hi), g, out_1);\n"
    "  vstore16(cliq_requant_raw16_1(vload16(g, acc), m[16 * g], sh[16 * g]), g, raw_1);\n"
    "}\n"
    "__kernel void t_add(__global const int *a, __global const int *b, __global const int *p,\n"
    "                    __global int *out_s, __global int *out_v) {\n"
    "  const int g = get_global_id(0);\n"
    "  __global const int *q = p + 11 * get_global_id(1);\n"
    "  const int k0 = 16 * g + 65536 * get_global_id(1);\n"
    "  for (int i = 0; i < 16; i++)\n"
    "    out_s[k0 + i] = cliq_q8_add(a[16 * g + i], q[0], q[1], q[2], b[16 * g + i], q[3], q[4], q[5], q[6], q[7],\n"
    "                                q[8], q[9], q[10]);\n"
    "  vstore16(cliq_q8_add16(vload16(g, a), q[0], q[1], q[2], vload16(g, b), q[3], q[4], q[5], q[6], q[7], q[8],\n"
    "                         q[9], q[10]), 0, out_v + k0);\n"
    "}\n"
    "__kernel void t_residual(__global const int *acc, __global const int *m, __global const int *sh,\n"
    "                         __global const int *grp, __global const int *r, __global const int *p,\n"
    "                         __global int *out_s, __global int *out_v, __global int *out_1) {\n"
    "  const int g = get_global_id(0);\n"
    "  const int zc = grp[3 * g];\n"
    "  __global const int *q = p + 11 * (g % 8);\n"
    "  for (int i = 0; i < 16; i++) {\n"
    "    const int k = 16 * g + i;\n"
    "    out_s[k] = cliq_q8_residual(acc[k], m[k], sh[k], zc, -128, 127, r[k], q[3], q[1], q[2], q[4], q[5], q[6],\n"
    "                                q[7], q[8], q[9], q[10]);\n"
    "  }\n"
    "  vstore16(cliq_q8_residual16(vload16(g, acc), vload16(g, m), vload16(g, sh), zc, -128, 127, vload16(g, r),\n"
    "                              q[3], q[1], q[2], q[4], q[5], q[6], q[7], q[8], q[9], q[10]), g, out_v);\n"
    "  vstore16(cliq_q8_residual16_1(vload16(g, acc), m[16 * g], sh[16 * g], zc, -128, 127, vload16(g, r),\n"
    "                                q[3], q[1], q[2], q[4], q[5], q[6], q[7], q[8], q[9], q[10]), g, out_1);\n"
    "}\n";

static cl_mem buf(cliq_context *ctx, size_t n, const int *data) {
  cl_int err;
  cl_mem m = clCreateBuffer(ctx->cl, CL_MEM_READ_WRITE | (data ? CL_MEM_COPY_HOST_PTR : 0), n * sizeof(int), (void *)data, &err);
  if (!m) {
    printf("FAIL clCreateBuffer: %d\n", err);
    exit(1);
  }
  return m;
}

static int *read_back(cliq_context *ctx, cl_mem m, size_t n) {
  int *h = malloc(n * sizeof(int));
  memset(h, 0xA5, n * sizeof(int));
  clEnqueueReadBuffer(ctx->queue, m, CL_TRUE, 0, n * sizeof(int), h, 0, NULL, NULL);
  return h;
}

static void set_args(cl_kernel k, size_t n, const cl_mem *m) {
  for (size_t i = 0; i < n; i++) clSetKernelArg(k, (cl_uint)i, sizeof(cl_mem), &m[i]);
}

static void device_checks(cliq_context *ctx) {
  char *hdr = NULL;
  if (cliq__source_load(ctx, "cliq_requant.h", &hdr) != CLIQ_STATUS_OK) {
    TH_CHECK(false, "loading cliq_requant.h: %s", cliq_context_error(ctx));
    return;
  }
  size_t len = strlen(hdr) + strlen(kernel_src) + 2;
  char *src = malloc(len);
  snprintf(src, len, "%s\n%s", hdr, kernel_src);
  free(hdr);
  cl_int err;
  const char *srcs[1] = {src};
  cl_program prog = clCreateProgramWithSource(ctx->cl, 1, srcs, NULL, &err);
  err = clBuildProgram(prog, 1, &ctx->dev.id, "-cl-std=CL1.2", NULL, NULL);
  if (err != CL_SUCCESS) {
    char log[8192] = "";
    clGetProgramBuildInfo(prog, ctx->dev.id, CL_PROGRAM_BUILD_LOG, sizeof log, log, NULL);
    TH_CHECK(false, "building the numerics kernel: %d\n%s", err, log);
    free(src);
    return;
  }
  free(src);
  const size_t n = n_rq, groups = n / 16;
  int *acc = malloc(n * sizeof(int)), *m = malloc(n * sizeof(int)), *sh = malloc(n * sizeof(int)), *r = malloc(n * sizeof(int));
  for (size_t i = 0; i < n; i++) {
    acc[i] = rq[i].acc;
    m[i] = rq[i].m;
    sh[i] = rq[i].sh;
    r[i] = (int)(i % 256) - 128;
  }
  /* requant */
  {
    cl_mem b[10] = {buf(ctx, n, acc),  buf(ctx, n, m),    buf(ctx, n, sh),   buf(ctx, 3 * groups, rq_grp), buf(ctx, n, NULL),
                    buf(ctx, n, NULL), buf(ctx, n, NULL), buf(ctx, n, NULL), buf(ctx, n, NULL),           buf(ctx, n, NULL)};
    cl_kernel k = clCreateKernel(prog, "t_requant", &err);
    set_args(k, 10, b);
    size_t gws = groups, lws = 1;
    err = clEnqueueNDRangeKernel(ctx->queue, k, 1, NULL, &gws, &lws, 0, NULL, NULL);
    TH_CHECK(err == CL_SUCCESS, "enqueue t_requant: %d", err);
    int *os = read_back(ctx, b[4], n), *ov = read_back(ctx, b[5], n), *rs = read_back(ctx, b[6], n), *rv = read_back(ctx, b[7], n);
    int *o1 = read_back(ctx, b[8], n), *r1 = read_back(ctx, b[9], n);
    size_t bad_s = 0, bad_v = 0, bad_raw = 0, bad_1 = 0;
    for (size_t i = 0; i < n; i++) {
      const int *gp = &rq_grp[3 * (i / 16)];
      int want = cliq_requant(acc[i], m[i], sh[i], gp[0], gp[1], gp[2]);
      /* cliq_requant16_1: lane i with the parameters of its group's first lane */
      const size_t f = i / 16 * 16;
      int want1 = cliq_requant(acc[i], m[f], sh[f], gp[0], gp[1], gp[2]);
      if (o1[i] != want1 && bad_1++ < 3) printf("  device cliq_requant16_1 case %zu: %d, want %d\n", i, o1[i], want1);
      const rq_case c1 = {acc[i], m[f], sh[f]};
      if (raw_fits(&c1) && r1[i] != cliq_requant_raw(acc[i], m[f], sh[f]) && bad_1++ < 3)
        printf("  device cliq_requant_raw16_1 case %zu: %d, want %d\n", i, r1[i], cliq_requant_raw(acc[i], m[f], sh[f]));
      if (os[i] != want && bad_s++ < 3) printf("  device cliq_requant case %zu: %d, want %d\n", i, os[i], want);
      if (ov[i] != want && bad_v++ < 3) printf("  device cliq_requant16 case %zu: %d, want %d\n", i, ov[i], want);
      if (raw_fits(&rq[i])) {
        int wr = cliq_requant_raw(acc[i], m[i], sh[i]);
        if ((rs[i] != wr || rv[i] != wr) && bad_raw++ < 3) printf("  device raw case %zu: %d / %d, want %d\n", i, rs[i], rv[i], wr);
      }
    }
    TH_CHECK(bad_s == 0, "device cliq_requant (scalar): %zu of %zu differ from C", bad_s, n);
    TH_CHECK(bad_v == 0, "device cliq_requant16: %zu of %zu differ from C", bad_v, n);
    TH_CHECK(bad_raw == 0, "device cliq_requant_raw / raw16: %zu differ from C", bad_raw);
    TH_CHECK(bad_1 == 0, "device cliq_requant16_1 / raw16_1: %zu of %zu differ from C", bad_1, n);
    free(os), free(ov), free(rs), free(rv), free(o1), free(r1);
    clReleaseKernel(k);
    for (int i = 0; i < 10; i++) clReleaseMemObject(b[i]);
  }
  /* add: every (a, b) pair for every parameter set */
  {
    int *a = malloc(65536 * sizeof(int)), *bb = malloc(65536 * sizeof(int));
    for (int i = 0; i < 65536; i++) {
      a[i] = (i >> 8) - 128;
      bb[i] = (i & 255) - 128;
    }
    size_t tot = 65536 * (size_t)n_add_sets;
    cl_mem b[5] = {buf(ctx, 65536, a), buf(ctx, 65536, bb), buf(ctx, ADD_P * n_add_sets, &add_params[0][0]),
                   buf(ctx, tot, NULL), buf(ctx, tot, NULL)};
    cl_kernel k = clCreateKernel(prog, "t_add", &err);
    set_args(k, 5, b);
    size_t gws[2] = {65536 / 16, (size_t)n_add_sets}, lws[2] = {16, 1};
    err = clEnqueueNDRangeKernel(ctx->queue, k, 2, NULL, gws, lws, 0, NULL, NULL);
    TH_CHECK(err == CL_SUCCESS, "enqueue t_add: %d", err);
    int *os = read_back(ctx, b[3], tot), *ov = read_back(ctx, b[4], tot);
    size_t bad_s = 0, bad_v = 0;
    for (int s = 0; s < n_add_sets; s++) {
      const int *p = add_params[s];
      for (int i = 0; i < 65536; i++) {
        int want = cliq_q8_add(a[i], p[0], p[1], p[2], bb[i], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10]);
        if (os[s * 65536 + i] != want) bad_s++;
        if (ov[s * 65536 + i] != want) bad_v++;
      }
    }
    TH_CHECK(bad_s == 0, "device cliq_q8_add (scalar): %zu of %zu differ from C", bad_s, tot);
    TH_CHECK(bad_v == 0, "device cliq_q8_add16: %zu of %zu differ from C", bad_v, tot);
    free(os), free(ov), free(a), free(bb);
    clReleaseKernel(k);
    for (int i = 0; i < 5; i++) clReleaseMemObject(b[i]);
  }
  /* residual */
  {
    cl_mem b[9] = {buf(ctx, n, acc), buf(ctx, n, m), buf(ctx, n, sh), buf(ctx, 3 * groups, rq_grp), buf(ctx, n, r),
                   buf(ctx, ADD_P * n_add_sets, &add_params[0][0]), buf(ctx, n, NULL), buf(ctx, n, NULL),
                   buf(ctx, n, NULL)};
    cl_kernel k = clCreateKernel(prog, "t_residual", &err);
    set_args(k, 9, b);
    size_t gws = groups, lws = 1;
    err = clEnqueueNDRangeKernel(ctx->queue, k, 1, NULL, &gws, &lws, 0, NULL, NULL);
    TH_CHECK(err == CL_SUCCESS, "enqueue t_residual: %d", err);
    int *os = read_back(ctx, b[6], n), *ov = read_back(ctx, b[7], n), *o1 = read_back(ctx, b[8], n);
    size_t bad_s = 0, bad_v = 0, bad_1 = 0;
    for (size_t i = 0; i < n; i++) {
      const int *p = add_params[(i / 16) % 8];
      int zc = rq_grp[3 * (i / 16)];
      int want = cliq_q8_residual(acc[i], m[i], sh[i], zc, -128, 127, r[i], p[3], p[1], p[2], p[4], p[5], p[6], p[7],
                                  p[8], p[9], p[10]);
      const size_t f = i / 16 * 16; /* cliq_q8_residual16_1: the group's first multiplier for all lanes */
      int want1 = cliq_q8_residual(acc[i], m[f], sh[f], zc, -128, 127, r[i], p[3], p[1], p[2], p[4], p[5], p[6], p[7],
                                   p[8], p[9], p[10]);
      if (os[i] != want) bad_s++;
      if (ov[i] != want) bad_v++;
      if (o1[i] != want1) bad_1++;
    }
    TH_CHECK(bad_s == 0, "device cliq_q8_residual (scalar): %zu of %zu differ from C", bad_s, n);
    TH_CHECK(bad_v == 0, "device cliq_q8_residual16: %zu of %zu differ from C", bad_v, n);
    TH_CHECK(bad_1 == 0, "device cliq_q8_residual16_1: %zu of %zu differ from C", bad_1, n);
    free(os), free(ov), free(o1);
    clReleaseKernel(k);
    for (int i = 0; i < 9; i++) clReleaseMemObject(b[i]);
  }
  free(acc), free(m), free(sh), free(r);
  clReleaseProgram(prog);
}

int main(void) {
  th_init("test_requant");
  build_rq_cases();
  printf("%zu requantization cases\n", n_rq);
  host_rq_checks();
  multiplier_checks();
  build_add_params();
  host_add_checks();
  /* the host tier above counts even without a device */
  cliq_context *ctx = NULL;
  char err[512] = "";
  cliq_context_options o = cliq_context_options_default();
  o.errbuf = err;
  o.errbuf_size = sizeof err;
  if (cliq_context_create(&o, &ctx) == CLIQ_STATUS_OK && !ctx->dev.is_reference) {
    printf("device: %s / %s\n", ctx->dev.platform, ctx->dev.name);
    device_checks(ctx);
  } else {
    printf("device checks SKIPPED: no OpenCL device (%s)\n", err);
  }
  cliq_context_destroy(ctx);
  free(rq);
  free(rq_grp);
  return th_finish();
}
