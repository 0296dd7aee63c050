/*
 * stats.h — the per-tensor statistics table the PTQ driver fills while calibrating, and that PTQ
 * passes (calib/pass.h: equalization, bias correction) and reports read afterwards.
 *
 * One entry per calibrated tensor (by name, the name it has in the float model): its histogram,
 * moments, optional per-channel moments and extremes (bias correction and high-bias absorption
 * need E[x] per channel), and the quantizer finally chosen. Memory is bounded per tensor
 * (2048 bins + 4 doubles per channel) whatever the number of images.
 */
#ifndef CLIQ_CALIB_STATS_H
#define CLIQ_CALIB_STATS_H

#include "calibrate.h"
#include "histogram.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct cliq__tstats {
  char *name;
  cliq__hist hist;
  double sum, sumsq;      /* over every value seen */
  /* per channel along ch_axis (1 = NCHW channels; -1: not kept) */
  int ch_axis;
  size_t n_ch;
  double *ch_sum, *ch_sumsq;
  float *ch_min, *ch_max;
  uint64_t ch_count;      /* values seen per channel */
  /* the driver's decisions */
  int share;              /* entry whose quantizer this tensor reuses (data movement ops), -1: its own */
  double lo, hi;          /* clipping range chosen */
  cliq_calib_method chosen; /* the method that chose it (for AUTO, the winning candidate) */
  cliq__qgrid grid;       /* the quantizer */
  bool has_grid;
} cliq__tstats;

typedef struct cliq__stats_table {
  cliq__tstats *t;
  size_t n, cap;
} cliq__stats_table;

cliq__stats_table *cliq__stats_new(void);
void cliq__stats_free(cliq__stats_table *tab);
/* Index of the entry named `name`, -1 when absent. */
int cliq__stats_find(const cliq__stats_table *tab, const char *name);
/* Adds an entry (or returns the existing one); ch_axis as above. -1 on allocation failure. */
int cliq__stats_add(cliq__stats_table *tab, const char *name, int ch_axis);

/* Feeds the values of one run (a batch) of the tensor: histogram, moments, per-channel stats.
 * BAD_DATA (naming the tensor) on NaN/infinity. */
cliq_status cliq__stats_observe(cliq_context *ctx, cliq__tstats *ts, const float *x, int rank, const int64_t *dims);

/* Mean and standard deviation of all values, and of channel c. */
double cliq__tstats_mean(const cliq__tstats *ts);
double cliq__tstats_std(const cliq__tstats *ts);
double cliq__tstats_ch_mean(const cliq__tstats *ts, size_t c);

#endif /* CLIQ_CALIB_STATS_H */
