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
 * mask or a decoded index says little in SQNR). The weights stay int8: when int8 weights alone
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
} fallback;

static void fallback_free(fallback *F) {
  for (size_t k = 0; F->ref && k < F->n_out; k++) free(F->ref[k]);
  free(F->ref);
  free(F->elems);
  for (size_t i = 0; F->images && i < F->n_in; i++) free(F->images[i]);
  free(F->images);
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
    size_t k = 0;
    while (want && k < r->n_out && strcmp(g->values[g->outputs[k]].name, want) != 0) k++;
    if (!want || k == r->n_out || r->out[k].dtype != CLIQ_DTYPE_FLOAT32) {
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

/* Worst-output SQNR (dB, the measure of `cliq compare`) of the QDQ graph with the quantizers
 * `enabled` over the kept images. */
static cliq_status measure(fallback *F, const unsigned char *enabled, size_t n, double *out) {
  cliq__ptq *ptq = F->ptq;
  cliq__graph *g = cliq__graph_clone(ptq->g);
  if (!g) return cliq__fail(ptq->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "copying the QDQ graph");
  cliq__quantizers_bypass(g, enabled, n);
  cliq__graph_prune(g);
  cliq__ptq_runner r;
  cliq_status st = cliq__ptq_runner_open_outputs(ptq, g, &r);
  cliq__graph_free(g);
  if (st != CLIQ_STATUS_OK) return st;
  double *rr = calloc(2 * F->n_out + 1, sizeof *rr), *dd = rr + F->n_out;
  if (!rr) st = cliq__fail(ptq->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "fallback error sums");
  if (st == CLIQ_STATUS_OK && r.n_out != F->n_out)
    st = cliq__fail(ptq->ctx, CLIQ_STATUS_INVALID_STATE, "the QDQ graph has %zu outputs, the float graph %zu", r.n_out, F->n_out);
  for (size_t im = 0; st == CLIQ_STATUS_OK && im < ptq->n_images; im++) {
    if ((st = cliq__ptq_runner_run(&r, im)) != CLIQ_STATUS_OK) break;
    for (size_t k = 0; k < F->n_out; k++) {
      if (!F->ref[k] || r.out[k].dtype != CLIQ_DTYPE_FLOAT32) continue;
      const float *a = F->ref[k] + im * F->elems[k], *b = r.out[k].data;
      for (size_t e = 0; e < F->elems[k]; e++) {
        double d = (double)a[e] - b[e];
        rr[k] += (double)a[e] * a[e];
        dd[k] += d * d;
      }
    }
  }
  *out = INFINITY;
  for (size_t k = 0; st == CLIQ_STATUS_OK && k < F->n_out; k++) {
    if (!F->ref[k] || rr[k] == 0.0) continue;
    double v = dd[k] > 0 ? 10.0 * log10(rr[k] / dd[k]) : INFINITY;
    if (v < *out) *out = v;
  }
  free(rr);
  cliq__ptq_runner_close(&r);
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
 * "cliq.fallback.judged_on" ("16 calibration images", "100 target images; outputs a,b"). */
static cliq_status record(cliq__ptq *ptq, const unsigned char *enabled, size_t n, double before, double after) {
  const cliq_quantize_options *o = ptq->options;
  size_t len = 1, jlen = 64;
  for (size_t t = 0; t < o->n_target_outputs; t++) jlen += strlen(o->target_outputs[t]) + 1;
  char *judged = malloc(jlen);
  if (!judged) return cliq__fail(ptq->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "fallback metadata");
  snprintf(judged, jlen, "%zu %s images%s", ptq->n_images, o->target_source ? "target" : "calibration",
           o->n_target_outputs ? "; outputs " : "");
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
  fallback F = {ptq, NULL, NULL, 0, NULL, 0};
  const float *const *kept = ptq->images;
  size_t n_kept = ptq->n_images;
  unsigned char *en = malloc(n);
  ranked *rank = calloc(n, sizeof *rank);
  cliq_status st = en && rank ? CLIQ_STATUS_OK : cliq__fail(ptq->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "fallback flags");
  double before = 0, cur = 0;
  if (st == CLIQ_STATUS_OK) st = reference(&F);
  if (st == CLIQ_STATUS_OK) {
    memset(en, 1, n);
    st = measure(&F, en, n, &before);
    cur = before;
  }
  size_t n_float = 0, max = o->max_float_activations ? o->max_float_activations : n;
  if (st == CLIQ_STATUS_OK && cur < o->target_sqnr_db) {
    for (size_t i = 0; st == CLIQ_STATUS_OK && i < n; i++) {
      en[i] = 0;
      rank[i].index = i;
      st = measure(&F, en, n, &rank[i].without);
      en[i] = 1;
    }
    if (st == CLIQ_STATUS_OK) qsort(rank, n, sizeof *rank, by_gain);
    for (size_t r = 0; st == CLIQ_STATUS_OK && r < n && n_float < max && cur < o->target_sqnr_db; r++) {
      size_t i = rank[r].index;
      double v = rank[r].without;
      en[i] = 0;
      if (n_float > 0) st = measure(&F, en, n, &v); /* the first one was measured alone already */
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
    st = record(ptq, en, n, before, cur);
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
