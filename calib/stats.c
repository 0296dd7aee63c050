/*
 * stats.c — the per-tensor statistics table of stats.h.
 */
#include "stats.h"

#include "../host/error.h"
#include "../host/graph.h"
#include "../host/tensor.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

cliq__stats_table *cliq__stats_new(void) { return calloc(1, sizeof(cliq__stats_table)); }

void cliq__stats_free(cliq__stats_table *tab) {
  if (!tab) return;
  for (size_t i = 0; i < tab->n; i++) {
    cliq__tstats *t = &tab->t[i];
    free(t->name);
    free(t->ch_sum);
    free(t->ch_sumsq);
    free(t->ch_min);
    free(t->ch_max);
  }
  free(tab->t);
  free(tab);
}

int cliq__stats_find(const cliq__stats_table *tab, const char *name) {
  for (size_t i = 0; i < tab->n; i++)
    if (strcmp(tab->t[i].name, name) == 0) return (int)i;
  return -1;
}

int cliq__stats_add(cliq__stats_table *tab, const char *name, int ch_axis) {
  int found = cliq__stats_find(tab, name);
  if (found >= 0) return found;
  if (tab->n == tab->cap) {
    size_t cap = tab->cap ? tab->cap * 2 : 32;
    cliq__tstats *p = realloc(tab->t, cap * sizeof *p);
    if (!p) return -1;
    tab->t = p;
    tab->cap = cap;
  }
  cliq__tstats *t = &tab->t[tab->n];
  memset(t, 0, sizeof *t);
  if (!(t->name = cliq__strdup(name))) return -1;
  cliq__hist_init(&t->hist);
  t->ch_axis = ch_axis;
  t->share = -1;
  return (int)tab->n++;
}

/* Per-channel sums; the layout is [outer, C, inner] around ch_axis. */
static cliq_status observe_channels(cliq_context *ctx, cliq__tstats *ts, const float *x, int rank, const int64_t *dims) {
  if (ts->ch_axis < 0 || ts->ch_axis >= rank) return CLIQ_STATUS_OK;
  size_t C = (size_t)dims[ts->ch_axis], outer = 1, inner = 1;
  for (int d = 0; d < ts->ch_axis; d++) outer *= (size_t)dims[d];
  for (int d = ts->ch_axis + 1; d < rank; d++) inner *= (size_t)dims[d];
  if (!ts->ch_sum) {
    ts->n_ch = C;
    ts->ch_sum = calloc(C ? C : 1, sizeof(double));
    ts->ch_sumsq = calloc(C ? C : 1, sizeof(double));
    ts->ch_min = malloc((C ? C : 1) * sizeof(float));
    ts->ch_max = malloc((C ? C : 1) * sizeof(float));
    if (!ts->ch_sum || !ts->ch_sumsq || !ts->ch_min || !ts->ch_max)
      return cliq__fail(ctx, CLIQ_STATUS_OUT_OF_MEMORY, "per-channel statistics of '%s'", ts->name);
    for (size_t c = 0; c < C; c++) ts->ch_min[c] = INFINITY, ts->ch_max[c] = -INFINITY;
  } else if (ts->n_ch != C) {
    return cliq__fail(ctx, CLIQ_STATUS_SHAPE_MISMATCH, "tensor '%s' had %zu channels along axis %d and now has %zu",
                      ts->name, ts->n_ch, ts->ch_axis, C);
  }
  for (size_t o = 0; o < outer; o++)
    for (size_t c = 0; c < C; c++) {
      const float *p = x + (o * C + c) * inner;
      /* two accumulators each: the adds' latency, not their count, would set the pace */
      double sa = 0.0, sb = 0.0, qa = 0.0, qb = 0.0;
      float mn = ts->ch_min[c], mx = ts->ch_max[c], mn2 = mn, mx2 = mx;
      size_t i = 0;
      for (; i + 2 <= inner; i += 2) {
        double u = p[i], v = p[i + 1];
        sa += u, sb += v;
        qa += u * u, qb += v * v;
        mn = p[i] < mn ? p[i] : mn;
        mx = p[i] > mx ? p[i] : mx;
        mn2 = p[i + 1] < mn2 ? p[i + 1] : mn2;
        mx2 = p[i + 1] > mx2 ? p[i + 1] : mx2;
      }
      for (; i < inner; i++) {
        double u = p[i];
        sa += u, qa += u * u;
        mn = p[i] < mn ? p[i] : mn;
        mx = p[i] > mx ? p[i] : mx;
      }
      double s = sa + sb, s2 = qa + qb;
      mn = mn2 < mn ? mn2 : mn;
      mx = mx2 > mx ? mx2 : mx;
      ts->ch_sum[c] += s;
      ts->ch_sumsq[c] += s2;
      ts->sum += s; /* the tensor's moments come with the channels' (one pass over the data) */
      ts->sumsq += s2;
      ts->ch_min[c] = mn;
      ts->ch_max[c] = mx;
    }
  ts->ch_count += (uint64_t)(outer * inner);
  return CLIQ_STATUS_OK;
}

cliq_status cliq__stats_observe(cliq_context *ctx, cliq__tstats *ts, const float *x, int rank, const int64_t *dims) {
  size_t n;
  if (!cliq__shape_elems(rank, dims, &n))
    return cliq__fail(ctx, CLIQ_STATUS_OUT_OF_MEMORY, "tensor '%s': element count overflows", ts->name);
  CLIQ__TRY(cliq__hist_add(ctx, ts->name, &ts->hist, x, n));
  if (ts->ch_axis >= 0 && ts->ch_axis < rank) return observe_channels(ctx, ts, x, rank, dims); /* sums included */
  double s = 0.0, s2 = 0.0;
  for (size_t i = 0; i < n; i++) {
    double v = x[i];
    s += v;
    s2 += v * v;
  }
  ts->sum += s;
  ts->sumsq += s2;
  return CLIQ_STATUS_OK;
}

double cliq__tstats_mean(const cliq__tstats *ts) { return ts->hist.count ? ts->sum / (double)ts->hist.count : 0.0; }

double cliq__tstats_std(const cliq__tstats *ts) {
  if (!ts->hist.count) return 0.0;
  double m = cliq__tstats_mean(ts), v = ts->sumsq / (double)ts->hist.count - m * m;
  return v > 0.0 ? sqrt(v) : 0.0;
}

double cliq__tstats_ch_mean(const cliq__tstats *ts, size_t c) {
  return (c < ts->n_ch && ts->ch_count) ? ts->ch_sum[c] / (double)ts->ch_count : 0.0;
}
