/*
 * histogram.c — the bounded-memory histograms of calib/histogram.h: power-of-two bin widths on a
 * grid anchored at 0, exact re-binning when the observed range grows, exact merging.
 */
#include "histogram.h"

#include "../host/error.h"

#include <math.h>
#include <string.h>

/* Below every exponent a float input can need (ilogb of the smallest subnormal is -149, minus 40). */
#define HIST_EXP_MIN (-200)

/* floor(g / 2^k) for integers |g| < 2^62, without relying on the sign behaviour of >>. */
static int64_t floor_shift(int64_t g, int k) {
  if (k <= 0) return g;
  if (k >= 62) return g < 0 ? -1 : 0;
  return g >= 0 ? (g >> k) : -(((-g) - 1) >> k) - 1;
}

static int64_t grid_index(double x, int e) { return (int64_t)floor(ldexp(x, -e)); }

/* The exponent of the bin width for a running range [lo, hi] (see the banner): the smallest e
 * giving at most CLIQ__HIST_BINS bins, bounded below so indices stay exact. Non-decreasing when the
 * range grows, which makes the histogram a function of the values seen. */
static int exp_for_range(double lo, double hi) {
  double m = fmax(fabs(lo), fabs(hi));
  int e = HIST_EXP_MIN;
  if (m > 0.0 && ilogb(m) - 40 > e) e = ilogb(m) - 40;
  if (hi > lo) {
    /* 2^e0 <= (hi-lo)/4096 gives more than CLIQ__HIST_BINS bins, so the answer is above e0 */
    int e0 = ilogb((hi - lo) / (2.0 * CLIQ__HIST_BINS));
    if (e0 > e) e = e0;
  }
  while (grid_index(hi, e) - grid_index(lo, e) + 1 > CLIQ__HIST_BINS) e++;
  return e;
}

void cliq__hist_init(cliq__hist *h) {
  memset(h, 0, sizeof *h);
  h->exp = HIST_EXP_MIN;
}

/* Moves the counts to the grid (e, origin); e >= h->exp and the new window holds every non-empty
 * bin (callers derive it from a range containing [h->min, h->max]). */
static void rebin(cliq__hist *h, int e, int64_t origin) {
  if (e == h->exp && origin == h->origin) return;
  uint64_t nb[CLIQ__HIST_BINS];
  memset(nb, 0, sizeof nb);
  int k = e - h->exp;
  for (size_t i = 0; i < CLIQ__HIST_BINS; i++) {
    if (!h->bins[i]) continue;
    int64_t j = floor_shift(h->origin + (int64_t)i, k) - origin;
    if (j < 0) j = 0; /* cannot happen (window derived from the range); keeps counts exact anyway */
    if (j >= CLIQ__HIST_BINS) j = CLIQ__HIST_BINS - 1;
    nb[j] += h->bins[i];
  }
  memcpy(h->bins, nb, sizeof nb);
  h->exp = e;
  h->origin = origin;
}

/* Makes the grid fit [lo, hi] (which contains the current range). */
static void fit_range(cliq__hist *h, double lo, double hi) {
  int e = exp_for_range(lo, hi);
  if (e < h->exp) e = h->exp;
  int64_t origin = grid_index(lo, e);
  if (h->count == 0) {
    memset(h->bins, 0, sizeof h->bins);
    h->exp = e;
    h->origin = origin;
  } else {
    rebin(h, e, origin);
  }
  h->min = lo;
  h->max = hi;
}

/* Reports the first non-finite value (the fast scan only knows there is one). */
static cliq_status refuse(cliq_context *ctx, const char *tensor, const float *x, size_t n) {
  size_t i = 0;
  while (i < n && isfinite(x[i])) i++;
  float v = i < n ? x[i] : 0.0f;
  return cliq__fail(ctx, CLIQ_STATUS_BAD_DATA,
                    "tensor '%s' holds %s at element %zu of %zu: the model or its input produces values that cannot be "
                    "quantized",
                    tensor ? tensor : "?", isnan(v) ? "NaN" : (v > 0 ? "+infinity" : "-infinity"), i, n);
}

/* Bin of x: floor(x * 2^-exp) - origin, clamped (a no-op for values inside the range). The floor
 * avoids a libm call: |x * 2^-exp| < 2^42 here, so truncation to int64 is exact. */
static inline int64_t bin_of(float x, double inv, int64_t origin) {
  double t = (double)x * inv;
  int64_t k = (int64_t)t;
  k -= (double)k > t;
  int64_t j = k - origin;
  return j < 0 ? 0 : (j >= CLIQ__HIST_BINS ? CLIQ__HIST_BINS - 1 : j);
}

/* Counts values into bins; four interleaved sub-histograms break the store-to-load chain of
 * runs of equal bins (ReLU zeros), which otherwise serialises the loop. */
static void count_bins(uint64_t *bins, const float *x, size_t n, double inv, int64_t origin) {
  enum { SUB = 4 };
  static const size_t chunk = (size_t)1 << 30; /* uint32 sub-counts cannot overflow */
  uint32_t sub[SUB][CLIQ__HIST_BINS];
  for (size_t start = 0; start < n; start += chunk) {
    size_t m = n - start < chunk ? n - start : chunk;
    const float *p = x + start;
    memset(sub, 0, sizeof sub);
    for (size_t i = 0; i < m; i++) sub[i & (SUB - 1)][bin_of(p[i], inv, origin)]++;
    for (size_t j = 0; j < CLIQ__HIST_BINS; j++) bins[j] += (uint64_t)sub[0][j] + sub[1][j] + sub[2][j] + sub[3][j];
  }
}

cliq_status cliq__hist_add(cliq_context *ctx, const char *tensor, cliq__hist *h, const float *x, size_t n) {
  if (n == 0) return CLIQ_STATUS_OK;
  /* one branch-free scan: extremes, zeros, and non-finite values (exponent bits all ones), four
   * accumulators wide so no floating-point dependency chain sets the pace */
  float mn[4] = {x[0], x[0], x[0], x[0]}, mx[4] = {x[0], x[0], x[0], x[0]};
  uint32_t bad = 0;
  uint64_t zeros = 0;
  size_t i = 0;
  for (; i + 4 <= n; i += 4)
    for (int k = 0; k < 4; k++) {
      float v = x[i + k];
      uint32_t b;
      memcpy(&b, &v, sizeof b);
      bad |= (b & 0x7f800000u) == 0x7f800000u;
      zeros += (b & 0x7fffffffu) == 0;
      mn[k] = v < mn[k] ? v : mn[k];
      mx[k] = v > mx[k] ? v : mx[k];
    }
  for (; i < n; i++) {
    float v = x[i];
    uint32_t b;
    memcpy(&b, &v, sizeof b);
    bad |= (b & 0x7f800000u) == 0x7f800000u;
    zeros += (b & 0x7fffffffu) == 0;
    mn[0] = v < mn[0] ? v : mn[0];
    mx[0] = v > mx[0] ? v : mx[0];
  }
  if (bad || !isfinite(x[0])) return refuse(ctx, tensor, x, n);
  float bmin = fminf(fminf(mn[0], mn[1]), fminf(mn[2], mn[3])), bmax = fmaxf(fmaxf(mx[0], mx[1]), fmaxf(mx[2], mx[3]));
  double lo = bmin, hi = bmax;
  if (h->count) {
    lo = fmin(lo, h->min);
    hi = fmax(hi, h->max);
  }
  if (h->count == 0 || lo < h->min || hi > h->max) fit_range(h, lo, hi);
  double inv = ldexp(1.0, -h->exp);
  if (n < 4096) {
    for (size_t i = 0; i < n; i++) h->bins[bin_of(x[i], inv, h->origin)]++;
  } else {
    count_bins(h->bins, x, n, inv, h->origin);
  }
  h->count += n;
  h->zeros += zeros;
  return CLIQ_STATUS_OK;
}

void cliq__hist_merge(cliq__hist *dst, const cliq__hist *src) {
  if (src->count == 0) return;
  if (dst->count == 0) {
    *dst = *src;
    return;
  }
  double lo = fmin(dst->min, src->min), hi = fmax(dst->max, src->max);
  int e = exp_for_range(lo, hi);
  if (e < dst->exp) e = dst->exp;
  if (e < src->exp) e = src->exp;
  int64_t origin = grid_index(lo, e);
  rebin(dst, e, origin);
  int k = e - src->exp;
  for (size_t i = 0; i < CLIQ__HIST_BINS; i++) {
    if (!src->bins[i]) continue;
    int64_t j = floor_shift(src->origin + (int64_t)i, k) - origin;
    j = j < 0 ? 0 : (j >= CLIQ__HIST_BINS ? CLIQ__HIST_BINS - 1 : j);
    dst->bins[j] += src->bins[i];
  }
  dst->count += src->count;
  dst->zeros += src->zeros;
  dst->min = lo;
  dst->max = hi;
}

double cliq__hist_width(const cliq__hist *h) { return ldexp(1.0, h->exp); }

void cliq__hist_bin_extent(const cliq__hist *h, size_t i, double *lo, double *hi) {
  double a = ldexp((double)(h->origin + (int64_t)i), h->exp), b = ldexp((double)(h->origin + (int64_t)i + 1), h->exp);
  a = fmax(a, h->min);
  b = fmin(b, h->max);
  if (b < a) b = a;
  *lo = a;
  *hi = b;
}

void cliq__hist_fold_abs(const cliq__hist *h, cliq__hist *out) {
  cliq__hist_init(out);
  if (h->count == 0) return;
  double amin, amax = fmax(fabs(h->min), fabs(h->max));
  if (h->min <= 0.0 && h->max >= 0.0)
    amin = 0.0;
  else
    amin = h->min > 0.0 ? h->min : -h->max;
  int e = exp_for_range(amin, amax);
  if (e < h->exp) e = h->exp;
  out->exp = e;
  out->origin = grid_index(amin, e);
  out->min = amin;
  out->max = amax;
  out->count = h->count;
  out->zeros = h->zeros;
  int k = e - h->exp;
  for (size_t i = 0; i < CLIQ__HIST_BINS; i++) {
    if (!h->bins[i]) continue;
    int64_t g = h->origin + (int64_t)i;
    int64_t a = g >= 0 ? g : -g - 1; /* |x| bin on the source grid */
    int64_t j = floor_shift(a, k) - out->origin;
    j = j < 0 ? 0 : (j >= CLIQ__HIST_BINS ? CLIQ__HIST_BINS - 1 : j);
    out->bins[j] += h->bins[i];
  }
}

size_t cliq__hist_zero_bin(const cliq__hist *h) {
  return (h->origin <= 0 && -h->origin < CLIQ__HIST_BINS) ? (size_t)(-h->origin) : CLIQ__HIST_BINS;
}

double cliq__hist_quantile(const cliq__hist *h, double q) {
  if (h->count == 0) return 0.0;
  if (q <= 0.0) return h->min;
  if (q >= 1.0) return h->max;
  double target = q * (double)h->count, cum = 0.0;
  size_t zb = cliq__hist_zero_bin(h);
  for (size_t i = 0; i < CLIQ__HIST_BINS; i++) {
    double c = (double)h->bins[i];
    if (c == 0.0) continue;
    if (cum + c >= target) {
      double z = i == zb ? (double)h->zeros : 0.0; /* the zeros come first in their bin */
      if (target - cum <= z) return 0.0;
      double a, b;
      cliq__hist_bin_extent(h, i, &a, &b);
      return a + (b - a) * ((target - cum - z) / (c - z));
    }
    cum += c;
  }
  return h->max;
}
