/*
 * calibrate.h — choosing an int8 quantizer from a histogram (calib/histogram.h). Host-only part
 * of calib/; the PTQ driver (calib/ptq.c) calls these once per quantized tensor after the
 * calibration images have been seen.
 *
 * A quantizer (cliq__qgrid) follows ONNX QuantizeLinear: q = clamp(round(x / scale) + zp, qmin, qmax),
 * x' = (q - zp) * scale. Its real range always contains 0 (zero padding and ReLU zeros must be
 * exact), so every grid point is a multiple of scale.
 *
 * Methods (each returns a real clipping range [lo, hi]; the sources are cited in calibrate.c):
 *   MINMAX      the observed range.
 *   PERCENTILE  the range keeping P% of the values (P from 99.9 to 99.9999): of |x| when symmetric,
 *               per side (the (100-P)% and P% quantiles) when asymmetric.
 *   ENTROPY     TensorRT's threshold minimising KL(P || Q) between the clipped reference
 *               distribution and its int8-quantized version (Migacz, GTC 2017).
 *   MSE         the range minimising the expected squared quantization error (clipping + rounding)
 *               of the histogram's density, integrated exactly per bin.
 *   AUTO        is chosen per tensor by the PTQ driver among the candidates above (see ptq.c).
 * Scales never go below CLIQ__CALIB_MIN_SCALE: a constant tensor (zero-width range, e.g. a dead
 * ReLU channel or an all-zero bias) gets that scale instead of a division by zero.
 */
#ifndef CLIQ_CALIB_CALIBRATE_H
#define CLIQ_CALIB_CALIBRATE_H

#include "histogram.h"

#include <stdbool.h>

/* 2^-24: every value a zero-width range holds (0) is exact at any scale; this one is small enough
 * to be negligible next to real activations and weights, and large enough that requantization
 * multipliers s_in*s_w/s_out and int32 bias scales stay representable (cliq_quantize_multiplier
 * needs m < 2^30). */
#define CLIQ__CALIB_MIN_SCALE (1.0 / 16777216.0)

typedef struct cliq__qgrid {
  float scale;
  int32_t zero_point;
  int qmin, qmax;
} cliq__qgrid;

/* The quantizer whose real range covers [lo, hi] (extended to contain 0). Symmetric: zp = 0 and
 * scale = max(|lo|, |hi|) / qmax. Asymmetric: scale = (hi - lo) / (qmax - qmin) and
 * zp = round(qmin - lo / scale), clamped to [qmin, qmax]. */
cliq__qgrid cliq__qgrid_make(double lo, double hi, bool symmetric, int qmin, int qmax);

/* Real value of level q, and the quantize-dequantize of x (round half to even, saturating). */
double cliq__qgrid_value(const cliq__qgrid *g, int q);
float cliq__qgrid_fake(const cliq__qgrid *g, float x);

/* Expected squared error E[(x - fake(x))^2] of quantizer g under the histogram's density (values
 * uniform inside each bin's extent), integrated exactly: periodic rounding error inside the
 * quantizer's range, squared distance to the end level outside. */
double cliq__qgrid_mse(const cliq__hist *h, const cliq__qgrid *g);

typedef struct cliq__calib_cfg {
  cliq_calib_method method; /* MINMAX, PERCENTILE, ENTROPY or MSE */
  double percentile;        /* PERCENTILE: in (90, 100] */
  bool symmetric;
  int qmin, qmax;           /* the integer range, e.g. -128..127 */
} cliq__calib_cfg;

/* The clipping range the method chooses for the values of h (count > 0). INVALID_ARGUMENT for a
 * percentile outside (90, 100] or AUTO (chosen by the driver). ctx may be NULL. */
cliq_status cliq__calib_range(cliq_context *ctx, const cliq__hist *h, const cliq__calib_cfg *cfg, double *lo, double *hi);

/* Short name of a method ("minmax", "percentile", "entropy", "mse", "auto"). */
const char *cliq__calib_method_name(cliq_calib_method m);

#endif /* CLIQ_CALIB_CALIBRATE_H */
