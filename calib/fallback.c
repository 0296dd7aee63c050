/*
 * fallback.c — PTQ pass (stage QDQ, last): automatic mixed precision for an accuracy target.
 * With cliq_quantize_options.target_sqnr_db set, measures the QDQ graph's worst-output SQNR
 * against the float graph on the kept calibration images; below the target, it bypasses
 * activation quantizers (calib/quantizers.h: their readers compute in float, as TensorRT runs a
 * layer given float precision), greedily:
 *   1. rank every quantizer by the SQNR of the graph with only it bypassed (the "all but this"
 *      column of `cliq compare --sensitivity`; AIMET's per-layer analysis ranks the same way),
 *   2. walk the ranking, bypassing each in turn and keeping the bypass only when the measured
 *      SQNR rises by 0.1 dB or more (errors partly cancel, e.g. after bias correction, so a bypass
 *      can hurt),
 *   3. stop at the target or at max_float_activations.
 * Judged by default on the 16 kept calibration images, so held-out images see less of the gain,
 * or none where a few images carry the worst output (README: blazeface gains on held-out images,
 * ppocr's 2-way softmax does not). options.target_source judges on other images instead (a
 * validation set: the images are read once, kept with the float outputs for the pass, then
 * freed; the kept calibration images are put back for nothing after this last pass, but for
 * order's sake). options.target_outputs restricts the figure to chosen outputs (a thresholded
 * mask or a decoded index says little in SQNR). options.target_drop_worst leaves out the images
 * with the lowest figure of their own in the int8 graph as built: the pooled figure is carried by
 * the images with the largest errors, and an image on which the float model leaves its calibrated
 * ranges collapses every static int8 model (README: blazeface's image 203), hiding every gain. The weights stay int8: when int8 weights alone
 * miss the target (`compare --sensitivity`'s "no activation quantizer" row), the pass cannot
 * reach it and bypasses what helps.
 */
#include "../host/error.h"
#include "../host/shape.h"
#include "pass.h"
#include "ptq_run.h"
#include "quantizers.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* a bypass is kept only when it gains at least this much: smaller changes are rounding noise
 * (bypassing yunet's lossless input quantizer, scale 1, "gained" on the calibration images) */
#define MIN_GAIN_DB 0.1

typedef struct fallback {
  cliq__ptq *ptq;
  float **ref;     /* per output: n_images x elems[k] floats of the float graph; NULL: not judged */
  size_t *elems;
  size_t n_out;
  float **images;  /* target_source images per input (NULL: the kept calibration images) */
  size_t n_in;
  unsigned char *dropped; /* per judged image: left out by target_drop_worst (NULL: none) */
} fallback;

static void fallback_free(fallback *F) {
  for (size_t k = 0; F->ref && k < F->n_out; k++) free(F->ref[k]);
  free(F->ref);
  free(F->elems);
  for (size_t i = 0; F->images && i < F->n_in; i++) free(F->images[i]);
  free(F->images);
  free(F->dropped);
}

/* Reads options.target_source (up to target_limit images) into F->images and makes them the
 * images the runners feed (ptq->images; the caller puts the kept ones back). */
static cliq_status load_target(fallback *F, const size_t *in_elems, size_t n_in) {
  cliq__ptq *ptq = F->ptq;
  const cliq_calib_source *src = ptq->options->target_source; /* next checked by cliq_quantize */
  size_t limit = ptq->options->target_limit ? ptq->options->target_limit : SIZE_MAX, have = 0, cap = 0;
  F->n_in = n_in;
  F->images = calloc(n_in + 1, sizeof *F->images);
  float **at = calloc(n_in + 1, sizeof *at);
  cliq_status st = F->images && at ? CLIQ_STATUS_OK : cliq__fail(ptq->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "target images");
  while (st == CLIQ_STATUS_OK && have < limit) {
    size_t want = limit - have < 8 ? limit - have : 8, got = 0;
    if (have + want > cap) {
      cap = have + want > 2 * cap ? have + want : 2 * cap;
      for (size_t i = 0; st == CLIQ_STATUS_OK && i < n_in; i++) {
        float *p = realloc(F->images[i], cap * in_elems[i] * sizeof(float) + 1);
        if (p) F->images[i] = p;
        else st = cliq__fail(ptq->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "keeping %zu target images", cap);
      }
      if (st != CLIQ_STATUS_OK) break;
    }
    for (size_t i = 0; i < n_in; i++) at[i] = F->images[i] + have * in_elems[i];
    cliq__error_clear(ptq->ctx);
    if ((st = src->next(src->user, n_in, at, want, &got)) != CLIQ_STATUS_OK) {
      if (!cliq_context_error(ptq->ctx)[0]) /* keep the source's own message when it set one */
        cliq__fail(ptq->ctx, st, "the target source failed after %zu images: %s", have, cliq_status_string(st));
    } else if (got > want) {
      st = cliq__fail(ptq->ctx, CLIQ_STATUS_INVALID_ARGUMENT, "the target source wrote %zu images; at most %zu were asked", got, want);
    } else if (got == 0) {
      break;
    }
    have += got;
  }
  free(at);
  if (st == CLIQ_STATUS_OK && have == 0) st = cliq__fail(ptq->ctx, CLIQ_STATUS_BAD_DATA, "the target source gave no images");
  if (st == CLIQ_STATUS_OK) {
    ptq->images = (const float *const *)F->images;
    ptq->n_images = have;
  }
  return st;
}

/* Per graph output: judged (1) or not, from options.target_outputs (none: every float32 one). */
static cliq_status judged_outputs(fallback *F, const cliq__ptq_runner *r, unsigned char *judged) {
  cliq__ptq *ptq = F->ptq;
  const cliq_quantize_options *o = ptq->options;
  const cliq__graph *g = ptq->float_g; /* the runner runs a copy: same outputs, same order */
  for (size_t k = 0; k < r->n_out; k++) judged[k] = o->n_target_outputs == 0 && r->out[k].dtype == CLIQ_DTYPE_FLOAT32;
  for (size_t t = 0; t < o->n_target_outputs; t++) {
    const char *want = o->target_outputs ? o->target_outputs[t] : NULL;
    int k = cliq__graph_find_output(g, want);
    if (k < 0 || (size_t)k >= r->n_out || r->out[k].dtype != CLIQ_DTYPE_FLOAT32) {
      char names[512] = "";
      for (size_t j = 0; j < r->n_out; j++)
        if (r->out[j].dtype == CLIQ_DTYPE_FLOAT32 && strlen(names) + strlen(g->values[g->outputs[j]].name) + 5 < sizeof names) {
          if (names[0]) strcat(names, ", ");
          strcat(names, "'");
          strcat(names, g->values[g->outputs[j]].name);
          strcat(names, "'");
        }
      return cliq__fail(ptq->ctx, CLIQ_STATUS_INVALID_ARGUMENT,
                        "target output '%s' is not a float32 output of the model (its float32 outputs: %s)", want ? want : "(null)", names);
    }
    judged[k] = 1;
  }
  return CLIQ_STATUS_OK;
}

/* The float graph's outputs on every image judged (the kept ones, or target_source's). */
static cliq_status reference(fallback *F) {
  cliq__ptq *ptq = F->ptq;
  cliq__ptq_runner r;
  CLIQ__TRY(cliq__ptq_runner_open_outputs(ptq, ptq->float_g, &r));
  cliq_status st = CLIQ_STATUS_OK;
  unsigned char *judged = calloc(r.n_out + 1, 1);
  F->n_out = r.n_out;
  F->ref = calloc(r.n_out + 1, sizeof *F->ref);
  F->elems = calloc(r.n_out + 1, sizeof *F->elems);
  if (!F->ref || !F->elems || !judged) st = cliq__fail(ptq->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "fallback reference outputs");
  if (st == CLIQ_STATUS_OK) st = judged_outputs(F, &r, judged);
  if (st == CLIQ_STATUS_OK && ptq->options->target_source) st = load_target(F, r.in_elems, r.n_in);
  for (size_t k = 0; st == CLIQ_STATUS_OK && k < r.n_out; k++) {
    if (!judged[k]) continue; /* e.g. an ArgMax index, or not chosen: not measured */
    F->elems[k] = r.out[k].size / sizeof(float);
    if (!(F->ref[k] = malloc(ptq->n_images * r.out[k].size + 1)))
      st = cliq__fail(ptq->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "fallback reference outputs");
  }
  for (size_t im = 0; st == CLIQ_STATUS_OK && im < ptq->n_images; im++) {
    st = cliq__ptq_runner_run(&r, im);
    for (size_t k = 0; st == CLIQ_STATUS_OK && k < r.n_out; k++)
      if (F->ref[k]) memcpy(F->ref[k] + im * F->elems[k], r.out[k].data, r.out[k].size);
  }
  free(judged);
  cliq__ptq_runner_close(&r);
  return st;
}

/* 10 log10(signal / noise) of the worst judged output, from per-output sums; +inf when no output
 * has both signal and noise. */
static double worst_sqnr(const fallback *F, const double *rr, const double *dd) {
  double w = INFINITY;
  for (size_t k = 0; k < F->n_out; k++) {
    if (!F->ref[k] || rr[k] == 0.0) continue;
    double v = dd[k] > 0 ? 10.0 * log10(rr[k] / dd[k]) : INFINITY;
    if (v < w) w = v;
  }
  return w;
}

/* Worst-output SQNR (dB, the measure of `cliq compare`) of the QDQ graph with the quantizers
 * `enabled` over the judged images (not F->dropped); per_image (may be NULL) receives each
 * image's own figure. */
static cliq_status measure(fallback *F, const unsigned char *enabled, size_t n, double *out, double *per_image) {
  cliq__ptq *ptq = F->ptq;
  cliq__graph *g = cliq__graph_clone(ptq->g);
  if (!g) return cliq__fail(ptq->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "copying the QDQ graph");
  cliq__quantizers_bypass(g, enabled, n);
  cliq__graph_prune(g);
  cliq__ptq_runner r;
  cliq_status st = cliq__ptq_runner_open_outputs(ptq, g, &r);
  cliq__graph_free(g);
  if (st != CLIQ_STATUS_OK) return st;
  /* per output: totals (rr, dd) and this image's sums (ri, di) */
  double *rr = calloc(4 * F->n_out + 1, sizeof *rr), *dd = rr + F->n_out, *ri = dd + F->n_out, *di = ri + F->n_out;
  if (!rr) st = cliq__fail(ptq->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "fallback error sums");
  if (st == CLIQ_STATUS_OK && r.n_out != F->n_out)
    st = cliq__fail(ptq->ctx, CLIQ_STATUS_INVALID_STATE, "the QDQ graph has %zu outputs, the float graph %zu", r.n_out, F->n_out);
  for (size_t im = 0; st == CLIQ_STATUS_OK && im < ptq->n_images; im++) {
    if (F->dropped && F->dropped[im]) continue;
    if ((st = cliq__ptq_runner_run(&r, im)) != CLIQ_STATUS_OK) break;
    for (size_t k = 0; k < F->n_out; k++) {
      ri[k] = di[k] = 0.0;
      if (!F->ref[k] || r.out[k].dtype != CLIQ_DTYPE_FLOAT32) continue;
      const float *a = F->ref[k] + im * F->elems[k], *b = r.out[k].data;
      for (size_t e = 0; e < F->elems[k]; e++) {
        double d = (double)a[e] - b[e];
        ri[k] += (double)a[e] * a[e];
        di[k] += d * d;
      }
      rr[k] += ri[k];
      dd[k] += di[k];
    }
    if (per_image) per_image[im] = worst_sqnr(F, ri, di);
  }
  if (st == CLIQ_STATUS_OK) *out = worst_sqnr(F, rr, dd);
  free(rr);
  cliq__ptq_runner_close(&r);
  return st;
}

typedef struct image_figure {
  size_t index;
  double sqnr;
} image_figure;

static int by_figure(const void *a, const void *b) {
  const image_figure *x = a, *y = b;
  if (x->sqnr != y->sqnr) return (x->sqnr > y->sqnr) - (x->sqnr < y->sqnr);
  return (x->index > y->index) - (x->index < y->index);
}

/* options.target_drop_worst: measures the int8 graph as built per image, leaves the N images with
 * the lowest figure out of every later measure (F->dropped), and gives the figure without them. */
static cliq_status drop_worst(fallback *F, const unsigned char *enabled, size_t n, double *out) {
  cliq__ptq *ptq = F->ptq;
  size_t drop = ptq->options->target_drop_worst, m = ptq->n_images;
  if (drop >= m)
    return cliq__fail(ptq->ctx, CLIQ_STATUS_INVALID_ARGUMENT,
                      "target_drop_worst %zu leaves none of the %zu images the target is judged on", drop, m);
  double *per = malloc(m * sizeof *per);
  image_figure *fig = malloc(m * sizeof *fig);
  F->dropped = calloc(m, 1);
  cliq_status st = per && fig && F->dropped ? CLIQ_STATUS_OK : cliq__fail(ptq->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "per-image figures");
  double all;
  if (st == CLIQ_STATUS_OK) st = measure(F, enabled, n, &all, per);
  for (size_t im = 0; st == CLIQ_STATUS_OK && im < m; im++) fig[im] = (image_figure){im, per[im]};
  if (st == CLIQ_STATUS_OK) {
    qsort(fig, m, sizeof *fig, by_figure);
    for (size_t i = 0; i < drop; i++) F->dropped[fig[i].index] = 1;
    st = measure(F, enabled, n, out, NULL);
  }
  free(fig);
  free(per);
  return st;
}

typedef struct ranked {
  size_t index;
  double without; /* SQNR with only this quantizer bypassed */
} ranked;

static int by_gain(const void *a, const void *b) {
  double x = ((const ranked *)a)->without, y = ((const ranked *)b)->without;
  return (x < y) - (x > y); /* descending */
}

/* Records what was bypassed in the model's metadata: "cliq.fallback.float_activations" (names,
 * comma-separated), "cliq.fallback.sqnr_db" ("before after target") and
 * "cliq.fallback.judged_on" ("16 calibration images", "100 target images less #3,41; outputs a,b":
 * the images target_drop_worst left out, 0-based in the order the source gave them). */
static cliq_status record(const fallback *F, const unsigned char *enabled, size_t n, double before, double after) {
  cliq__ptq *ptq = F->ptq;
  const cliq_quantize_options *o = ptq->options;
  size_t len = 1, jlen = 96 + 24 * o->target_drop_worst;
  for (size_t t = 0; t < o->n_target_outputs; t++) jlen += strlen(o->target_outputs[t]) + 1;
  char *judged = malloc(jlen);
  if (!judged) return cliq__fail(ptq->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "fallback metadata");
  snprintf(judged, jlen, "%zu %s images", ptq->n_images, o->target_source ? "target" : "calibration");
  for (size_t im = 0, k = 0; F->dropped && im < ptq->n_images; im++) /* 0-based in the source's order */
    if (F->dropped[im]) snprintf(judged + strlen(judged), jlen - strlen(judged), "%s%zu", k++ ? "," : " less #", im);
  if (o->n_target_outputs) strcat(judged, "; outputs ");
  for (size_t t = 0; t < o->n_target_outputs; t++) {
    if (t) strcat(judged, ",");
    strcat(judged, o->target_outputs[t]);
  }
  bool jok = cliq__graph_set_metadata(ptq->g, "cliq.fallback.judged_on", judged);
  free(judged);
  if (!jok) return cliq__fail(ptq->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "fallback metadata");
  for (size_t i = 0; i < n; i++)
    if (!enabled[i]) len += strlen(ptq->g->values[cliq__quantizer_value(ptq->g, i)].name) + 1;
  char *names = malloc(len), num[96];
  if (!names) return cliq__fail(ptq->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "fallback metadata");
  names[0] = '\0';
  for (size_t i = 0; i < n; i++) {
    if (enabled[i]) continue;
    if (names[0]) strcat(names, ",");
    strcat(names, ptq->g->values[cliq__quantizer_value(ptq->g, i)].name);
  }
  snprintf(num, sizeof num, "%.2f %.2f %.2f", before, after, ptq->options->target_sqnr_db);
  bool ok = cliq__graph_set_metadata(ptq->g, "cliq.fallback.float_activations", names) &&
            cliq__graph_set_metadata(ptq->g, "cliq.fallback.sqnr_db", num);
  free(names);
  return ok ? CLIQ_STATUS_OK : cliq__fail(ptq->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "fallback metadata");
}

cliq_status cliq__ptq_fallback(cliq__ptq *ptq) {
  const cliq_quantize_options *o = ptq->options;
  if (!o || !(o->target_sqnr_db > 0) || !ptq->float_g) return CLIQ_STATUS_OK;
  size_t n = cliq__quantizer_count(ptq->g);
  if (n == 0) return CLIQ_STATUS_OK;
  fallback F = {ptq, NULL, NULL, 0, NULL, 0, NULL};
  const float *const *kept = ptq->images;
  size_t n_kept = ptq->n_images;
  unsigned char *en = malloc(n);
  ranked *rank = calloc(n, sizeof *rank);
  cliq_status st = en && rank ? CLIQ_STATUS_OK : cliq__fail(ptq->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "fallback flags");
  double before = 0, cur = 0;
  if (st == CLIQ_STATUS_OK) st = reference(&F);
  if (st == CLIQ_STATUS_OK) {
    memset(en, 1, n);
    st = o->target_drop_worst ? drop_worst(&F, en, n, &before) : measure(&F, en, n, &before, NULL);
    cur = before;
  }
  size_t n_float = 0, max = o->max_float_activations ? o->max_float_activations : n;
  if (st == CLIQ_STATUS_OK && cur < o->target_sqnr_db) {
    for (size_t i = 0; st == CLIQ_STATUS_OK && i < n; i++) {
      en[i] = 0;
      rank[i].index = i;
      st = measure(&F, en, n, &rank[i].without, NULL);
      en[i] = 1;
    }
    if (st == CLIQ_STATUS_OK) qsort(rank, n, sizeof *rank, by_gain);
    for (size_t r = 0; st == CLIQ_STATUS_OK && r < n && n_float < max && cur < o->target_sqnr_db; r++) {
      size_t i = rank[r].index;
      double v = rank[r].without;
      en[i] = 0;
      if (n_float > 0) st = measure(&F, en, n, &v, NULL); /* the first one was measured alone already */
      if (st == CLIQ_STATUS_OK && v > cur + MIN_GAIN_DB) {
        cur = v;
        n_float++;
      } else {
        en[i] = 1;
      }
    }
  }
  if (st == CLIQ_STATUS_OK) {
    ptq->fallback_float = n_float;
    ptq->fallback_before_db = before;
    ptq->fallback_after_db = cur;
    ptq->fallback_images = ptq->n_images;
    st = record(&F, en, n, before, cur);
  }
  ptq->images = kept;
  ptq->n_images = n_kept;
  /* bypass in the graph itself; the load pipeline prunes the pairs left unread */
  if (st == CLIQ_STATUS_OK && n_float) cliq__quantizers_bypass(ptq->g, en, n);
  fallback_free(&F);
  free(rank);
  free(en);
  return st;
}
