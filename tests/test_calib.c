/*
 * test_calib.c — calibration statistics and calibrators (calib/histogram.h, calib/calibrate.h,
 * calib/stats.h), on the host only:
 *   - histogram invariants: counts preserved across re-binning, every value in the bin its grid
 *     says, merge(A, B) identical to one pass over A then B and to one call over A u B, bounded
 *     size, NaN/Inf refused with BAD_DATA naming the tensor (histogram left unchanged);
 *   - quantiles against sorted samples;
 *   - the expected-error integral against the empirical error of the samples;
 *   - MSE calibration against the true optimum for Gaussian, Laplace, half-normal (ReLU) and
 *     uniform data: the expected 8-bit error E(T) is computed here exactly from the distribution
 *     (closed-form integrals per rounding cell) and minimised by brute force over T, independently
 *     of the implementation;
 *   - entropy, percentile and minmax sanity on known distributions; zero-width ranges.
 */
#include "harness.h"

#include "calib/calibrate.h"
#include "calib/histogram.h"
#include "calib/stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* uniform in (0, 1) with 53 bits, so Gaussian tails are not cut at 5.8 sigma */
static double u01(void) { return ((double)(th_rand() >> 11) + 0.5) * (1.0 / 9007199254740992.0); }
static double gauss(void) { return sqrt(-2.0 * log(u01())) * cos(6.283185307179586 * u01()); }
static double laplace(void) {
  double u = u01() - 0.5;
  return u < 0 ? log(1.0 + 2.0 * u) : -log(1.0 - 2.0 * u);
}

static int cmp_float(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return x < y ? -1 : (x > y ? 1 : 0);
}

static cliq__hist hist_of(const float *x, size_t n, size_t chunk) {
  cliq__hist h;
  cliq__hist_init(&h);
  for (size_t i = 0; i < n; i += chunk) {
    size_t m = n - i < chunk ? n - i : chunk;
    cliq_status st = cliq__hist_add(NULL, "t", &h, x + i, m);
    if (st != CLIQ_STATUS_OK) TH_CHECK(false, "hist_add failed: %s", cliq_status_name(st));
  }
  return h;
}

static uint64_t bin_sum(const cliq__hist *h) {
  uint64_t s = 0;
  for (size_t i = 0; i < CLIQ__HIST_BINS; i++) s += h->bins[i];
  return s;
}

/* ---- histogram invariants ------------------------------------------------------------------ */

static void test_histogram_invariants(void) {
  /* data whose range grows by orders of magnitude (many re-binnings), both signs */
  size_t n = 60000;
  float *x = malloc(n * sizeof *x);
  for (size_t i = 0; i < n; i++) {
    double scale = pow(10.0, -3.0 + 6.0 * (double)i / (double)n);
    x[i] = (float)(gauss() * scale + (i % 7 == 0 ? 0.3 * scale : 0.0));
  }
  cliq__hist h = hist_of(x, n, 1000);
  TH_CHECK(h.count == n && bin_sum(&h) == n, "counts preserved across re-binning: count %llu, bins sum %llu, n %zu",
           (unsigned long long)h.count, (unsigned long long)bin_sum(&h), n);
  float mn = x[0], mx = x[0];
  for (size_t i = 0; i < n; i++) mn = x[i] < mn ? x[i] : mn, mx = x[i] > mx ? x[i] : mx;
  TH_CHECK(h.min == mn && h.max == mx, "running min/max exact: got [%g, %g], want [%g, %g]", h.min, h.max, mn, mx);

  /* every value in the bin the final grid gives it (recount independently) */
  uint64_t *want = calloc(CLIQ__HIST_BINS, sizeof *want);
  double w = cliq__hist_width(&h);
  bool in_window = true;
  for (size_t i = 0; i < n; i++) {
    double g = floor((double)x[i] / w) - (double)h.origin;
    if (g < 0 || g >= CLIQ__HIST_BINS) {
      in_window = false;
      continue;
    }
    want[(size_t)g]++;
  }
  TH_CHECK(in_window, "every value falls inside the window of %d bins", CLIQ__HIST_BINS);
  TH_CHECK(memcmp(want, h.bins, CLIQ__HIST_BINS * sizeof *want) == 0, "bins equal a recount on the final grid (width 2^%d)", h.exp);
  /* the grid is as fine as the bin count allows: one step finer would not fit */
  double wf = w / 2;
  TH_CHECK(floor(h.max / wf) - floor(h.min / wf) + 1 > CLIQ__HIST_BINS,
           "width 2^%d is the finest that fits [%g, %g] in %d bins", h.exp, h.min, h.max, CLIQ__HIST_BINS);

  /* merge(A, B) == one pass over A then B == one call over A u B */
  size_t na = 20000, nb = 30000;
  float *ab = malloc((na + nb) * sizeof *ab);
  for (size_t i = 0; i < na; i++) ab[i] = (float)(gauss() * 0.5);
  for (size_t i = 0; i < nb; i++) ab[na + i] = (float)(laplace() * 3.0 + 2.0);
  cliq__hist A = hist_of(ab, na, 777), B = hist_of(ab + na, nb, 1234), one = hist_of(ab, na + nb, na + nb),
             seq = hist_of(ab, na + nb, 500);
  cliq__hist M = A;
  cliq__hist_merge(&M, &B);
  TH_CHECK(M.count == na + nb && bin_sum(&M) == na + nb, "merge preserves counts");
  TH_CHECK(M.exp == one.exp && M.origin == one.origin && memcmp(M.bins, one.bins, sizeof M.bins) == 0 &&
               M.min == one.min && M.max == one.max,
           "merge(A,B) equals one pass over A u B bin for bin (exp %d/%d, origin %lld/%lld)", M.exp, one.exp,
           (long long)M.origin, (long long)one.origin);
  TH_CHECK(seq.exp == one.exp && memcmp(seq.bins, one.bins, sizeof seq.bins) == 0,
           "streaming in chunks equals one call (the state is a function of the values seen)");
  cliq__hist M2 = B;
  cliq__hist_merge(&M2, &A);
  TH_CHECK(memcmp(M2.bins, M.bins, sizeof M.bins) == 0 && M2.exp == M.exp, "merge is symmetric");
  cliq__hist empty;
  cliq__hist_init(&empty);
  cliq__hist M3 = A;
  cliq__hist_merge(&M3, &empty);
  TH_CHECK(memcmp(&M3, &A, sizeof A) == 0, "merging an empty histogram changes nothing");

  /* memory bound: the histogram is a fixed-size object whatever it has seen */
  TH_CHECK(sizeof(cliq__hist) <= 17 * 1024, "a histogram is %zu bytes", sizeof(cliq__hist));
  cliq__stats_table *tab = cliq__stats_new();
  int e = cliq__stats_add(tab, "big", 1);
  int64_t dims[4] = {4, 3, 50, 50};
  float *img = malloc(4 * 3 * 50 * 50 * sizeof *img);
  for (int rep = 0; rep < 40; rep++) {
    for (size_t i = 0; i < 30000; i++) img[i] = (float)gauss() * (float)(rep + 1);
    cliq__stats_observe(NULL, &tab->t[e], img, 4, dims);
  }
  TH_CHECK(tab->t[e].hist.count == 40u * 30000u && tab->t[e].n_ch == 3 && tab->t[e].ch_count == 40u * 4u * 2500u,
           "stats entry after 1.2M values: %llu values, %zu channels (storage fixed: %zu bins + 4 x %zu channel sums)",
           (unsigned long long)tab->t[e].hist.count, tab->t[e].n_ch, (size_t)CLIQ__HIST_BINS, tab->t[e].n_ch);
  /* per-channel means against a direct computation on the last batch only (fresh entry) */
  int e2 = cliq__stats_add(tab, "one", 1);
  for (size_t i = 0; i < 30000; i++) img[i] = (float)((i / 2500) % 3) + (float)gauss() * 0.01f;
  cliq__stats_observe(NULL, &tab->t[e2], img, 4, dims);
  bool ch_ok = true;
  for (size_t c = 0; c < 3; c++) ch_ok = ch_ok && fabs(cliq__tstats_ch_mean(&tab->t[e2], c) - (double)c) < 1e-3;
  TH_CHECK(ch_ok, "per-channel means along axis 1: %g %g %g, want 0 1 2", cliq__tstats_ch_mean(&tab->t[e2], 0),
           cliq__tstats_ch_mean(&tab->t[e2], 1), cliq__tstats_ch_mean(&tab->t[e2], 2));
  double m = 0, m2 = 0;
  for (size_t i = 0; i < 30000; i++) m += img[i], m2 += (double)img[i] * img[i];
  m /= 30000, m2 = sqrt(m2 / 30000 - m * m);
  TH_CHECK(fabs(cliq__tstats_mean(&tab->t[e2]) - m) < 1e-9 && fabs(cliq__tstats_std(&tab->t[e2]) - m2) < 1e-6,
           "tensor mean %g and std %g, want %g and %g", cliq__tstats_mean(&tab->t[e2]), cliq__tstats_std(&tab->t[e2]), m, m2);
  free(img);

  /* NaN and infinity: BAD_DATA naming the tensor, histogram unchanged */
  cliq_context *ctx = th_ref_context();
  float bad[5] = {1.0f, 2.0f, NAN, 3.0f, 4.0f};
  cliq__hist before = A;
  cliq_status st = cliq__hist_add(ctx, "conv7_out", &A, bad, 5);
  th_expect_status(ctx, st, CLIQ_STATUS_BAD_DATA, "histogram of a NaN");
  TH_CHECK(strstr(cliq_context_error(ctx), "conv7_out") && strstr(cliq_context_error(ctx), "NaN"),
           "message names the tensor and the NaN: '%s'", cliq_context_error(ctx));
  TH_CHECK(memcmp(&before, &A, sizeof A) == 0, "a refused batch leaves the histogram unchanged");
  bad[2] = -INFINITY;
  th_expect_status(ctx, cliq__stats_observe(ctx, &tab->t[e2], bad, 1, (int64_t[]){5}), CLIQ_STATUS_BAD_DATA,
                   "stats of an infinity");
  TH_CHECK(strstr(cliq_context_error(ctx), "one") != NULL, "message names the tensor: '%s'", cliq_context_error(ctx));
  cliq_context_destroy(ctx);
  cliq__stats_free(tab);
  free(want);
  free(x);
  free(ab);
}

/* ---- quantiles ----------------------------------------------------------------------------- */

/* A histogram quantile must lie within one bin of the order statistics around rank q*n (in sparse
 * tails neighbouring samples can be bins apart, so the bracket is [s[k-1], s[k+1]]). */
static void check_quantile(const char *what, const cliq__hist *h, const float *sorted, size_t n, double q, double got) {
  double r = q * (double)n;
  size_t k0 = r >= 1.0 ? (size_t)r - 1 : 0, k1 = (size_t)r + 1 < n ? (size_t)r + 1 : n - 1;
  double w = 1.01 * cliq__hist_width(h) + 1e-6;
  TH_CHECK(got >= sorted[k0] - w && got <= sorted[k1] + w,
           "quantile %g of %s: got %.6g; samples of rank %zu..%zu are %.6g..%.6g (tolerance one bin %.3g)", q, what, got, k0,
           k1, sorted[k0], sorted[k1], w);
}

static void test_quantiles(void) {
  size_t n = 200000;
  float *x = malloc(n * sizeof *x), *s = malloc(n * sizeof *s), *a = malloc(n * sizeof *a);
  for (size_t i = 0; i < n; i++) x[i] = (float)(i % 3 == 0 ? laplace() * 2.0 - 1.0 : gauss() + 1.5);
  cliq__hist h = hist_of(x, n, 4096);
  memcpy(s, x, n * sizeof *x);
  qsort(s, n, sizeof *s, cmp_float);
  for (size_t i = 0; i < n; i++) a[i] = fabsf(x[i]);
  qsort(a, n, sizeof *a, cmp_float);
  cliq__hist fa;
  cliq__hist_fold_abs(&h, &fa);
  TH_CHECK(fa.count == n && bin_sum(&fa) == n && fa.min >= 0 && fa.max == a[n - 1], "|x| histogram: counts %llu, max %g (want %g)",
           (unsigned long long)bin_sum(&fa), fa.max, a[n - 1]);
  const double qs[] = {0.0, 1e-4, 0.001, 0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 0.9999, 1.0};
  for (size_t k = 0; k < sizeof qs / sizeof qs[0]; k++) {
    double q = qs[k];
    check_quantile("x", &h, s, n, q, cliq__hist_quantile(&h, q));
    check_quantile("|x|", &fa, a, n, q, cliq__hist_quantile(&fa, q));
  }
  /* the percentile calibrator is these quantiles */
  cliq__calib_cfg cfg = {CLIQ_CALIB_PERCENTILE, 99.99, true, -128, 127};
  double lo, hi;
  cliq__calib_range(NULL, &h, &cfg, &lo, &hi);
  check_quantile("|x| (percentile 99.99)", &fa, a, n, 0.9999, hi);
  TH_CHECK(lo == -hi, "percentile 99.99 symmetric: [%g, %g]", lo, hi);
  cfg.symmetric = false;
  cfg.percentile = 99.9;
  cliq__calib_range(NULL, &h, &cfg, &lo, &hi);
  check_quantile("x (percentile 99.9, low side)", &h, s, n, 0.001, lo);
  check_quantile("x (percentile 99.9, high side)", &h, s, n, 0.999, hi);
  cliq_context *ctx = th_ref_context();
  cfg.percentile = 50.0;
  th_expect_status(ctx, cliq__calib_range(ctx, &h, &cfg, &lo, &hi), CLIQ_STATUS_INVALID_ARGUMENT, "percentile 50 refused");
  cfg.method = CLIQ_CALIB_AUTO;
  th_expect_status(ctx, cliq__calib_range(ctx, &h, &cfg, &lo, &hi), CLIQ_STATUS_INVALID_ARGUMENT,
                   "auto is not a histogram method");
  cliq_context_destroy(ctx);
  free(x);
  free(s);
  free(a);
}

/* ---- exact expected errors of known distributions (independent of calib/) ------------------ */

typedef enum { DIST_GAUSS, DIST_LAPLACE, DIST_HALFNORMAL, DIST_UNIFORM } dist;

static double Phi(double x) { return 0.5 * erfc(-x / sqrt(2.0)); }
static double phi(double x) { return exp(-0.5 * x * x) / 2.5066282746310002; }

/* integral over [a, b] of (x - c)^2 f(x) dx for the density f of the distribution */
static double cell(dist d, double a, double b, double c) {
  if (a >= b) return 0.0;
  switch (d) {
  case DIST_GAUSS:
  case DIST_HALFNORMAL: {
    /* half-normal: density 2*phi on x > 0 (the mass at 0 is exactly representable: no error) */
    double k = d == DIST_HALFNORMAL ? 2.0 : 1.0;
    if (d == DIST_HALFNORMAL) a = fmax(a, 0.0);
    if (a >= b) return 0.0;
    double pa = isinf(a) ? 0.0 : phi(a), pb = isinf(b) ? 0.0 : phi(b);
    double xa = isinf(a) ? 0.0 : a * pa, xb = isinf(b) ? 0.0 : b * pb;
    return k * ((1.0 + c * c) * (Phi(b) - Phi(a)) - (xb - xa) + 2.0 * c * (pb - pa));
  }
  case DIST_LAPLACE: {
    /* density exp(-|x|)/2; antiderivatives of (x-c)^2 e^{-x} and (x-c)^2 e^{x} */
    double s = 0.0;
    if (b > 0) {
      double l = fmax(a, 0.0);
#define FP(x) (isinf(x) ? 0.0 : -exp(-(x)) * (((x) - c) * ((x) - c) + 2.0 * ((x) - c) + 2.0))
      s += 0.5 * (FP(b) - FP(l));
    }
    if (a < 0) {
      double u = fmin(b, 0.0);
#define FN(x) (isinf(x) ? 0.0 : exp(x) * (((x) - c) * ((x) - c) - 2.0 * ((x) - c) + 2.0))
      s += 0.5 * (FN(u) - FN(a));
    }
    return s;
  }
  case DIST_UNIFORM: { /* U(-1, 1) */
    a = fmax(a, -1.0);
    b = fmin(b, 1.0);
    if (a >= b) return 0.0;
    return 0.5 * (pow(b - c, 3) - pow(a - c, 3)) / 3.0;
  }
  }
  return 0.0;
}

/* E[(x - Q(x))^2] for q = clamp(round(x/s) + z, qmin, qmax): sum over the rounding cells */
static double expected_error(dist d, double s, int z, int qmin, int qmax) {
  double e = 0.0;
  for (int q = qmin; q <= qmax; q++) {
    double c = (q - z) * s;
    double a = q == qmin ? -INFINITY : c - 0.5 * s, b = q == qmax ? INFINITY : c + 0.5 * s;
    e += cell(d, a, b, c);
  }
  return e;
}

static double sample(dist d) {
  switch (d) {
  case DIST_GAUSS: return gauss();
  case DIST_LAPLACE: return laplace();
  case DIST_HALFNORMAL: return fmax(gauss(), 0.0);
  case DIST_UNIFORM: return 2.0 * u01() - 1.0;
  }
  return 0;
}

static void test_mse_optimum(dist d, const char *name, bool symmetric) {
  size_t n = 2000000;
  float *x = malloc(n * sizeof *x);
  for (size_t i = 0; i < n; i++) x[i] = (float)sample(d);
  cliq__hist h = hist_of(x, n, 65536);
  int qmin = -128, qmax = 127;
  /* brute force over thresholds T (symmetric: s = T/127, z = 0; one-sided: s = T/255, z = -128) */
  double best_t = 0, best_e = INFINITY;
  for (double t = 0.5; t <= 20.0; t += 0.0005) {
    double e = symmetric ? expected_error(d, t / qmax, 0, qmin, qmax) : expected_error(d, t / 255.0, -128, qmin, qmax);
    if (e < best_e) best_e = e, best_t = t;
  }
  cliq__calib_cfg cfg = {CLIQ_CALIB_MSE, 0, symmetric, qmin, qmax};
  double lo, hi;
  cliq__calib_range(NULL, &h, &cfg, &lo, &hi);
  double t = hi;
  double e = symmetric ? expected_error(d, t / qmax, 0, qmin, qmax) : expected_error(d, t / 255.0, -128, qmin, qmax);
  printf("  %s (%s): true optimum T* = %.4f (E = %.4g); mse calibrator T = %.4f (E = %.4g, +%.2f%%); max %.3f\n", name,
         symmetric ? "symmetric" : "one-sided", best_t, best_e, t, e, 100.0 * (e / best_e - 1.0), h.max);
  TH_CHECK(e <= best_e * 1.03, "%s: MSE calibrator's threshold %.4f has expected error %.4g, within 3%% of the optimum %.4g at %.4f",
           name, t, e, best_e, best_t);
  /* the uniform's optimum is the edge (the clipping side of the curve is steep) */
  double ttol = d == DIST_UNIFORM ? 0.01 : 0.08;
  TH_CHECK(fabs(t - best_t) <= ttol * best_t, "%s: threshold %.4f within %.0f%% of the true optimum %.4f", name, t,
           100 * ttol, best_t);
  if (!symmetric) TH_CHECK(lo == 0.0, "%s: one-sided data keeps lo = 0 (got %g)", name, lo);

  /* the histogram's expected-error integral against the empirical error on the samples */
  cliq__qgrid g = cliq__qgrid_make(lo, hi, symmetric, qmin, qmax);
  double emp = 0.0;
  for (size_t i = 0; i < n; i++) {
    double r = (double)x[i] - (double)cliq__qgrid_fake(&g, x[i]);
    emp += r * r;
  }
  emp /= (double)n;
  double hm = cliq__qgrid_mse(&h, &g);
  TH_CHECK(fabs(hm - emp) <= 0.03 * emp, "%s: histogram error integral %.5g vs empirical %.5g", name, hm, emp);

  /* minmax and entropy on the same data, for the record and for sanity */
  cfg.method = CLIQ_CALIB_MINMAX;
  cliq__calib_range(NULL, &h, &cfg, &lo, &hi);
  TH_CHECK(hi == h.max || hi == fmax(fabs(h.min), h.max), "%s: minmax is the observed range", name);
  cfg.method = CLIQ_CALIB_ENTROPY;
  cliq__calib_range(NULL, &h, &cfg, &lo, &hi);
  double te = hi;
  double ee = symmetric ? expected_error(d, te / qmax, 0, qmin, qmax) : expected_error(d, te / 255.0, -128, qmin, qmax);
  printf("  %s: entropy T = %.4f (E = %.4g, +%.1f%%)\n", name, te, ee, 100.0 * (ee / best_e - 1.0));
  if (d == DIST_UNIFORM)
    TH_CHECK(te >= 0.95 * h.max, "uniform: entropy keeps the whole range (T %.4f, max %.4f)", te, h.max);
  else
    TH_CHECK(te > 2.0 && te <= fmax(-h.min, h.max), "%s: entropy threshold %.4f in (2, max|x| %.4f]", name, te, fmax(-h.min, h.max));
  free(x);
}

/* ---- zero-width ranges --------------------------------------------------------------------- */

static void test_zero_range(void) {
  float c[64];
  for (int i = 0; i < 64; i++) c[i] = 3.5f;
  cliq__hist h = hist_of(c, 64, 64);
  TH_CHECK(h.min == 3.5 && h.max == 3.5 && h.count == 64 && bin_sum(&h) == 64, "constant tensor histogram");
  TH_CHECK(cliq__hist_quantile(&h, 0.5) == 3.5, "quantile of a point mass is the point");
  for (int m = CLIQ_CALIB_MINMAX; m <= CLIQ_CALIB_MSE; m++) {
    for (int sym = 0; sym <= 1; sym++) {
      cliq__calib_cfg cfg = {(cliq_calib_method)m, 99.99, sym != 0, -128, 127};
      double lo, hi;
      cliq_status st = cliq__calib_range(NULL, &h, &cfg, &lo, &hi);
      cliq__qgrid g = cliq__qgrid_make(lo, hi, sym != 0, -128, 127);
      float f = cliq__qgrid_fake(&g, 3.5f);
      TH_CHECK(st == CLIQ_STATUS_OK && isfinite(g.scale) && g.scale > 0 && fabsf(f - 3.5f) <= g.scale,
               "constant 3.5, %s %s: range [%g, %g], scale %g, 3.5 -> %g", cliq__calib_method_name((cliq_calib_method)m),
               sym ? "symmetric" : "asymmetric", lo, hi, g.scale, f);
    }
  }
  for (int i = 0; i < 64; i++) c[i] = 0.0f;
  h = hist_of(c, 64, 64);
  for (int sym = 0; sym <= 1; sym++) {
    cliq__calib_cfg cfg = {CLIQ_CALIB_MSE, 0, sym != 0, -128, 127};
    double lo, hi;
    cliq__calib_range(NULL, &h, &cfg, &lo, &hi);
    cliq__qgrid g = cliq__qgrid_make(lo, hi, sym != 0, -128, 127);
    TH_CHECK(g.scale == (float)CLIQ__CALIB_MIN_SCALE && g.zero_point >= -128 && g.zero_point <= 127 &&
                 cliq__qgrid_fake(&g, 0.0f) == 0.0f && cliq__qgrid_mse(&h, &g) == 0.0,
             "all-zero tensor (%s): scale %g (the documented epsilon), zero point %d, 0 exact",
             sym ? "symmetric" : "asymmetric", g.scale, g.zero_point);
  }
  /* weights-style grid: symmetric [-127, 127] */
  cliq__qgrid w = cliq__qgrid_make(-0.5, 0.25, true, -127, 127);
  TH_CHECK(w.zero_point == 0 && fabsf(w.scale - 0.5f / 127) < 1e-9f && cliq__qgrid_fake(&w, -1.0f) == -0.5f,
           "symmetric weight grid: scale %g, -1 saturates to -0.5", w.scale);
  /* asymmetric grid represents 0 exactly and covers the range */
  cliq__qgrid a = cliq__qgrid_make(-1.0, 3.0, false, -128, 127);
  TH_CHECK(cliq__qgrid_fake(&a, 0.0f) == 0.0f && fabs(cliq__qgrid_value(&a, -128) + 1.0) <= a.scale &&
               fabs(cliq__qgrid_value(&a, 127) - 3.0) <= a.scale,
           "asymmetric grid [-1, 3]: scale %g zero point %d", a.scale, a.zero_point);
}

int main(void) {
  th_init("test_calib");
  test_histogram_invariants();
  test_quantiles();
  test_mse_optimum(DIST_GAUSS, "gaussian", true);
  test_mse_optimum(DIST_LAPLACE, "laplace", true);
  test_mse_optimum(DIST_HALFNORMAL, "relu(gaussian)", false);
  test_mse_optimum(DIST_UNIFORM, "uniform", true);
  test_zero_range();
  return th_finish();
}
