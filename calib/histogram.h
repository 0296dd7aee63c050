/*
 * histogram.h — mergeable, bounded-memory histograms of a tensor's values, the statistic every
 * calibrator (calib/calibrate.h) reads. Part of calib/, the host-only quantization code.
 *
 * Why: ONNX Runtime's calibrators keep every activation of every image until the end, and their
 * users run out of memory on a few hundred images. A cliq__hist is a fixed 2048 bins whatever the
 * number of values fed to it, so calibration memory does not grow with the calibration set.
 *
 * Layout. Bin widths are powers of two, w = 2^exp, and bins lie on the grid k*w (k integer)
 * anchored at 0: bin i covers [(origin + i) * w, (origin + i + 1) * w). Because every grid shares
 * the point 0 and widths differ by powers of two, re-binning to a coarser width merges exactly
 * 2^k old bins into one new bin, so counts stay exact, and two histograms can always be merged
 * exactly. The state is a pure function of the multiset of values seen (exp and origin depend
 * only on the running min and max), hence merge(A, B) equals one pass over A then B, bin for bin.
 *
 *   exp    = the smallest e with floor(max/2^e) - floor(min/2^e) + 1 <= CLIQ__HIST_BINS, and
 *            e >= ilogb(max|x|) - 40 so bin indices stay exact in a double (|x/w| < 2^41) even
 *            when the range is zero (a constant tensor);
 *   origin = floor(min / 2^exp).
 *
 * Values are assumed uniformly spread inside a bin, clipped to [min, max] at the two ends (see
 * cliq__hist_bin_extent); calibrators integrate over this piecewise-uniform density. Exact zeros
 * are counted apart (`zeros`, a point mass at 0 inside the bin whose left edge is 0): ReLU outputs
 * are often half zeros, every quantizer represents 0 exactly, and smearing them over a bin would
 * bias the error estimates and swamp the entropy method (pytorch-quantization flattens bin 0 for
 * the same reason).
 * NaN or infinite values are refused with BAD_DATA naming the tensor.
 */
#ifndef CLIQ_CALIB_HISTOGRAM_H
#define CLIQ_CALIB_HISTOGRAM_H

#include "cliq.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CLIQ__HIST_BINS 2048

typedef struct cliq__hist {
  uint64_t bins[CLIQ__HIST_BINS];
  uint64_t count;  /* values seen (sum of bins) */
  uint64_t zeros;  /* how many of them are exactly 0 (counted in the bin whose left edge is 0 too) */
  double min, max; /* running extremes (valid when count > 0) */
  int exp;         /* bin width 2^exp */
  int64_t origin;  /* global index of bins[0] */
} cliq__hist;

/* An empty histogram. */
void cliq__hist_init(cliq__hist *h);

/* Adds n floats. Fails with BAD_DATA (message naming `tensor` and the element) on NaN or
 * infinity, leaving h unchanged. ctx may be NULL. */
cliq_status cliq__hist_add(cliq_context *ctx, const char *tensor, cliq__hist *h, const float *x, size_t n);

/* dst += src (exact: both are re-binned to the coarser common grid). */
void cliq__hist_merge(cliq__hist *dst, const cliq__hist *src);

/* Bin width, and the value interval where bin i's counts lie: its edges clipped to [min, max]
 * (so a constant tensor is a point mass, and the ends do not smear past the extremes). */
double cliq__hist_width(const cliq__hist *h);
void cliq__hist_bin_extent(const cliq__hist *h, size_t i, double *lo, double *hi);
/* Index of the bin holding the exact zeros (left edge 0), or CLIQ__HIST_BINS when 0 is outside the
 * window. Its uniform part is bins[i] - zeros. */
size_t cliq__hist_zero_bin(const cliq__hist *h);

/* The histogram of |x| derived from a signed one, on the same 0-anchored grid: bin k of width w
 * receives the values in [k*w, (k+1)*w) and the negative values in (-(k+1)*w, -k*w]. When the
 * |x| range does not fit CLIQ__HIST_BINS bins of the source width, bins are merged by a power of
 * two (exact, as for growth). The result is a cliq__hist of |x| (min and max are those of |x|) that
 * every function here and every calibrator accepts; it is a view, not meant to be merged. */
void cliq__hist_fold_abs(const cliq__hist *h, cliq__hist *out);

/* Value below which a fraction q in [0, 1] of the values lies, interpolated linearly inside the
 * bin (piecewise-uniform density). q = 0 gives min, q = 1 gives max. */
double cliq__hist_quantile(const cliq__hist *h, double q);

#endif /* CLIQ_CALIB_HISTOGRAM_H */
