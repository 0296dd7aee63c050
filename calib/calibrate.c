/*
 * calibrate.c — the calibrators of calibrate.h: from a tensor's histogram to a clipping range.
 *
 * Sources:
 *   minmax      the observed range, as in Jacob et al., "Quantization and Training of Neural
 *               Networks for Efficient Integer-Arithmetic-Only Inference", CVPR 2018, sec. 3.
 *   percentile  Wu et al., "Integer Quantization for Deep Learning Inference: Principles and
 *               Empirical Evaluation", arXiv:2004.09602, sec. 4.2 (99.9 .. 99.999% of |x|).
 *   entropy     Migacz, "8-bit Inference with TensorRT", GTC 2017, slides 29-39: for each
 *               candidate threshold i (in bins, from the number of levels up), P = the first i
 *               bins with the outliers added to bin i-1, Q = those bins merged into the levels
 *               and expanded back over their non-empty bins; pick the i minimising KL(P || Q).
 *               Grouping and the empty-bin rule follow NVIDIA's pytorch-quantization
 *               (calib/histogram.py, _compute_amax_entropy).
 *   mse         the range minimising E[(x - Q(x))^2]; the clipping-vs-rounding trade-off is the
 *               one analysed by Banner et al., "Post training 4-bit quantization of convolutional
 *               networks for rapid-deployment" (ACIQ), NeurIPS 2019. Here the expectation is not
 *               approximated by bin centres: it is integrated exactly over each bin under the
 *               piecewise-uniform density, which stays right when bins are wider than a step.
 */
#include "calibrate.h"

#include "../host/error.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *cliq__calib_method_name(cliq_calib_method m) {
  switch (m) {
  case CLIQ_CALIB_MINMAX: return "minmax";
  case CLIQ_CALIB_PERCENTILE: return "percentile";
  case CLIQ_CALIB_ENTROPY: return "entropy";
  case CLIQ_CALIB_MSE: return "mse";
  case CLIQ_CALIB_AUTO: return "auto";
  }
  return "unknown";
}

cliq__qgrid cliq__qgrid_make(double lo, double hi, bool symmetric, int qmin, int qmax) {
  cliq__qgrid g;
  g.qmin = qmin;
  g.qmax = qmax;
  lo = fmin(lo, 0.0);
  hi = fmax(hi, 0.0);
  double scale;
  if (symmetric)
    scale = fmax(-lo, hi) / qmax;
  else
    scale = (hi - lo) / (double)(qmax - qmin);
  if (!(scale >= CLIQ__CALIB_MIN_SCALE)) scale = CLIQ__CALIB_MIN_SCALE; /* also catches NaN */
  if (scale > FLT_MAX) scale = FLT_MAX;
  g.scale = (float)scale;
  if (symmetric) {
    g.zero_point = 0;
  } else {
    double z = nearbyint(qmin - lo / (double)g.scale);
    g.zero_point = (int32_t)(z < qmin ? qmin : (z > qmax ? qmax : z));
  }
  return g;
}

double cliq__qgrid_value(const cliq__qgrid *g, int q) { return (double)(q - g->zero_point) * (double)g->scale; }

float cliq__qgrid_fake(const cliq__qgrid *g, float x) {
  double q = nearbyint((double)(x / g->scale)) + g->zero_point;
  if (q != q) q = g->zero_point;
  q = q < g->qmin ? g->qmin : (q > g->qmax ? g->qmax : q);
  return (float)((q - g->zero_point) * (double)g->scale);
}

/* Integral over [-1/2, y] of e(t)^2, e(t) = t - round(t) (period 1, mean square 1/12). */
static double round_err_integral(double y) {
  double n = floor(y + 0.5), r = y - n;
  return n / 12.0 + (r * r * r + 0.125) / 3.0;
}

double cliq__qgrid_mse(const cliq__hist *h, const cliq__qgrid *g) {
  if (h->count == 0) return 0.0;
  const double s = g->scale;
  /* in units of the scale, the representable levels are lo_n..hi_n */
  const double lo_n = g->qmin - g->zero_point, hi_n = g->qmax - g->zero_point;
  const double L = lo_n - 0.5, U = hi_n + 0.5;
  double total = 0.0;
  size_t zb = cliq__hist_zero_bin(h);
  for (size_t i = 0; i < CLIQ__HIST_BINS; i++) {
    uint64_t c = h->bins[i] - (i == zb ? h->zeros : 0); /* exact zeros: no error, 0 is a level */
    if (!c) continue;
    double a, b;
    cliq__hist_bin_extent(h, i, &a, &b);
    double ya = a / s, yb = b / s, e2;
    if (yb - ya < 1e-6) {
      /* (near) point mass: the error at the middle */
      double y = 0.5 * (ya + yb), q = nearbyint(y);
      q = q < lo_n ? lo_n : (q > hi_n ? hi_n : q);
      e2 = (y - q) * (y - q);
    } else {
      double I = 0.0;
      if (ya < L) {
        double u = fmin(yb, L);
        I += (pow(u - lo_n, 3) - pow(ya - lo_n, 3)) / 3.0;
      }
      if (yb > U) {
        double l = fmax(ya, U);
        I += (pow(yb - hi_n, 3) - pow(l - hi_n, 3)) / 3.0;
      }
      double ml = fmax(ya, L), mu = fmin(yb, U);
      if (mu > ml) I += round_err_integral(mu) - round_err_integral(ml);
      e2 = I / (yb - ya);
    }
    total += (double)c * e2;
  }
  return total / (double)h->count * s * s;
}

/* ---- MSE: 1-D searches over a fraction t of an end of the range ----------------------------- */

typedef struct mse_ctx {
  const cliq__hist *h;
  const cliq__calib_cfg *cfg;
  double lo, hi;  /* the fixed end(s) */
  int mode;       /* 0: symmetric [-t*M, t*M]; 1: hi = t*M with lo fixed; 2: lo = t*M with hi fixed */
  double M;
} mse_ctx;

static double mse_eval(const mse_ctx *m, double t) {
  double lo = m->lo, hi = m->hi;
  if (m->mode == 0) {
    lo = -t * m->M;
    hi = t * m->M;
  } else if (m->mode == 1) {
    hi = t * m->M;
  } else {
    lo = t * m->M;
  }
  cliq__qgrid g = cliq__qgrid_make(lo, hi, m->cfg->symmetric, m->cfg->qmin, m->cfg->qmax);
  return cliq__qgrid_mse(m->h, &g);
}

/* argmin over t in (0, 1]: a grid quadratic in t (dense near 0, where heavy-tailed tensors have
 * their optimum), then golden-section refinement between the best point's neighbours. */
static double mse_search(const mse_ctx *m) {
  enum { N = 96 };
  double best_t = 1.0, best = mse_eval(m, 1.0);
  int best_j = N;
  for (int j = 1; j < N; j++) {
    double t = (double)j * j / ((double)N * N), e = mse_eval(m, t);
    if (e < best) best = e, best_t = t, best_j = j;
  }
  double a = (double)(best_j - 1) * (best_j - 1) / ((double)N * N);
  double b = best_j < N ? (double)(best_j + 1) * (best_j + 1) / ((double)N * N) : 1.0;
  const double phi = 0.6180339887498949;
  double x1 = b - phi * (b - a), x2 = a + phi * (b - a);
  double f1 = mse_eval(m, x1), f2 = mse_eval(m, x2);
  for (int it = 0; it < 40 && b - a > 1e-7; it++) {
    if (f1 < f2) {
      b = x2, x2 = x1, f2 = f1;
      x1 = b - phi * (b - a), f1 = mse_eval(m, x1);
    } else {
      a = x1, x1 = x2, f1 = f2;
      x2 = a + phi * (b - a), f2 = mse_eval(m, x2);
    }
    if (f1 < best) best = f1, best_t = x1;
    if (f2 < best) best = f2, best_t = x2;
  }
  return best_t;
}

static void range_mse(const cliq__hist *h, const cliq__calib_cfg *cfg, double *lo, double *hi) {
  mse_ctx m = {h, cfg, h->min, h->max, 0, 0.0};
  if (cfg->symmetric) {
    m.M = fmax(fabs(h->min), fabs(h->max));
    double t = mse_search(&m);
    *lo = -t * m.M;
    *hi = t * m.M;
    return;
  }
  double l = fmin(h->min, 0.0), u = fmax(h->max, 0.0);
  /* coordinate descent on the two ends; one-sided tensors need one search */
  for (int round = 0; round < 2; round++) {
    if (u > 0.0) {
      m.mode = 1, m.lo = l, m.M = fmax(h->max, 0.0);
      u = mse_search(&m) * m.M;
    }
    if (l < 0.0) {
      m.mode = 2, m.hi = u, m.M = fmin(h->min, 0.0);
      l = mse_search(&m) * m.M;
    }
    if (!(l < 0.0 && u > 0.0)) break;
  }
  *lo = l;
  *hi = u;
}

/* ---- entropy (KL divergence) ---------------------------------------------------------------- */

/* Counts of a histogram with min >= 0 on 0-anchored bins [k*w, (k+1)*w), merged by powers of two
 * until they fit CLIQ__HIST_BINS bins. Returns the bin count; *w the width. */
static size_t zero_based(const cliq__hist *h, uint64_t *out, double *w) {
  size_t last = 0;
  for (size_t i = 0; i < CLIQ__HIST_BINS; i++)
    if (h->bins[i]) last = i;
  int64_t top = h->origin + (int64_t)last; /* global index of the highest non-empty bin, >= 0 */
  int k = 0;
  while ((top >> k) + 1 > CLIQ__HIST_BINS) k++;
  size_t n = (size_t)(top >> k) + 1;
  memset(out, 0, n * sizeof *out);
  for (size_t i = 0; i <= last; i++) out[(size_t)((h->origin + (int64_t)i) >> k)] += h->bins[i];
  /* exact zeros are represented by every threshold: they carry no information about it */
  out[0] -= h->zeros; /* zeros imply min = 0, so origin = 0 */
  *w = ldexp(1.0, h->exp + k);
  return n;
}

/* The entropy threshold, in bins, for counts bins[0..n) quantized to `levels` levels. */
static size_t kl_threshold_bins(const uint64_t *bins, size_t n, size_t levels) {
  if (n <= levels) return n;
  double *p = malloc(n * sizeof *p), *q = malloc(n * sizeof *q), *gsum = malloc(levels * sizeof *gsum);
  size_t *gnz = malloc(levels * sizeof *gnz);
  double *suffix = malloc((n + 1) * sizeof *suffix);
  size_t best_i = n;
  if (!p || !q || !gsum || !gnz || !suffix) goto out;
  suffix[n] = 0.0;
  for (size_t k = n; k-- > 0;) suffix[k] = suffix[k + 1] + (double)bins[k];
  double best = INFINITY;
  for (size_t i = levels; i <= n; i++) {
    memset(gsum, 0, levels * sizeof *gsum);
    memset(gnz, 0, levels * sizeof *gnz);
    for (size_t k = 0; k < i; k++) {
      if (!bins[k]) continue;
      size_t gi = k * levels / i;
      gsum[gi] += (double)bins[k];
      gnz[gi]++;
    }
    double qs = 0.0, ps = suffix[0];
    for (size_t k = 0; k < i; k++) {
      size_t gi = k * levels / i;
      q[k] = bins[k] ? gsum[gi] / (double)gnz[gi] : 0.0;
      qs += q[k];
      p[k] = (double)bins[k];
    }
    p[i - 1] += suffix[i];
    if (qs <= 0.0) continue;
    double kl = 0.0;
    for (size_t k = 0; k < i && kl < INFINITY; k++) {
      if (p[k] <= 0.0) continue;
      if (q[k] <= 0.0) {
        kl = INFINITY; /* outliers landed on an empty bin: Q cannot represent P */
        break;
      }
      double pk = p[k] / ps, qk = q[k] / qs;
      kl += pk * log(pk / qk);
    }
    if (kl < best) best = kl, best_i = i;
  }
out:
  free(p);
  free(q);
  free(gsum);
  free(gnz);
  free(suffix);
  return best_i;
}

static double entropy_threshold(const cliq__hist *nonneg, size_t levels) {
  uint64_t bins[CLIQ__HIST_BINS];
  double w;
  size_t n = zero_based(nonneg, bins, &w);
  size_t i = kl_threshold_bins(bins, n, levels);
  return fmin((double)i * w, nonneg->max);
}

static void range_entropy(const cliq__hist *h, const cliq__calib_cfg *cfg, double *lo, double *hi) {
  bool one_sided = h->min >= 0.0 || h->max <= 0.0;
  if (!cfg->symmetric && one_sided) {
    /* all the levels serve one side */
    size_t levels = (size_t)(cfg->qmax - cfg->qmin + 1);
    if (h->min >= 0.0) {
      *lo = 0.0;
      *hi = entropy_threshold(h, levels);
    } else {
      cliq__hist a;
      cliq__hist_fold_abs(h, &a);
      *lo = -entropy_threshold(&a, levels);
      *hi = 0.0;
    }
    return;
  }
  cliq__hist a;
  cliq__hist_fold_abs(h, &a);
  double t = entropy_threshold(&a, (size_t)cfg->qmax + 1);
  if (cfg->symmetric) {
    *lo = -t;
    *hi = t;
  } else {
    *lo = fmax(h->min, -t);
    *hi = fmin(h->max, t);
  }
}

cliq_status cliq__calib_range(cliq_context *ctx, const cliq__hist *h, const cliq__calib_cfg *cfg, double *lo, double *hi) {
  *lo = 0.0;
  *hi = 0.0;
  if (h->count == 0) return CLIQ_STATUS_OK;
  if (h->min == h->max) { /* constant: nothing to clip; qgrid_make handles a zero width */
    *lo = h->min;
    *hi = h->max;
    return CLIQ_STATUS_OK;
  }
  switch (cfg->method) {
  case CLIQ_CALIB_MINMAX:
    *lo = h->min;
    *hi = h->max;
    if (cfg->symmetric) {
      double m = fmax(fabs(h->min), fabs(h->max));
      *lo = -m;
      *hi = m;
    }
    return CLIQ_STATUS_OK;
  case CLIQ_CALIB_PERCENTILE: {
    double p = cfg->percentile;
    if (!(p > 90.0 && p <= 100.0))
      return cliq__fail(ctx, CLIQ_STATUS_INVALID_ARGUMENT,
                        "percentile %.9g is outside (90, 100]: give the share of values to keep, e.g. 99.99", p);
    if (cfg->symmetric) {
      cliq__hist a;
      cliq__hist_fold_abs(h, &a);
      double t = cliq__hist_quantile(&a, p / 100.0);
      *lo = -t;
      *hi = t;
    } else {
      *lo = cliq__hist_quantile(h, 1.0 - p / 100.0);
      *hi = cliq__hist_quantile(h, p / 100.0);
    }
    return CLIQ_STATUS_OK;
  }
  case CLIQ_CALIB_ENTROPY:
    range_entropy(h, cfg, lo, hi);
    return CLIQ_STATUS_OK;
  case CLIQ_CALIB_MSE:
    range_mse(h, cfg, lo, hi);
    return CLIQ_STATUS_OK;
  default:
    return cliq__fail(ctx, CLIQ_STATUS_INVALID_ARGUMENT,
                      "calibration method %d is not a histogram method (auto is chosen per tensor by the quantizer)",
                      (int)cfg->method);
  }
}
