/*
 * auto.c — the AUTO calibration method (see auto.h): candidate ranges judged by the error they
 * cause in the outputs of the tensor's consumers, evaluated with the host reference.
 */
#include "auto.h"

#include "../host/error.h"
#include "../host/ops/op.h"
#include "../host/session.h"
#include "../host/shape.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define N_CAND 4
static const cliq_calib_method cand_order[N_CAND] = {CLIQ_CALIB_MSE, CLIQ_CALIB_ENTROPY, CLIQ_CALIB_PERCENTILE,
                                                     CLIQ_CALIB_MINMAX};

typedef struct cands {
  int n;
  cliq_calib_method method[N_CAND];
  double lo[N_CAND], hi[N_CAND];
  cliq__qgrid grid[N_CAND];
  double err[N_CAND];
} cands;

static cliq_status make_candidates(cliq_context *ctx, const cliq__tstats *t, const cliq__calib_cfg *cfg, cands *c) {
  c->n = 0;
  for (int k = 0; k < N_CAND; k++) {
    cliq__calib_cfg m = *cfg;
    m.method = cand_order[k];
    double lo, hi;
    CLIQ__TRY(cliq__calib_range(ctx, &t->hist, &m, &lo, &hi));
    cliq__qgrid g = cliq__qgrid_make(lo, hi, cfg->symmetric, cfg->qmin, cfg->qmax);
    bool dup = false;
    for (int j = 0; j < c->n; j++) dup = dup || (c->grid[j].scale == g.scale && c->grid[j].zero_point == g.zero_point);
    if (dup) continue;
    c->method[c->n] = m.method;
    c->lo[c->n] = lo;
    c->hi[c->n] = hi;
    c->grid[c->n] = g;
    c->err[c->n] = 0.0;
    c->n++;
  }
  return CLIQ_STATUS_OK;
}

/* Values read back from the session once per image. */
typedef struct cache {
  cliq_session *s;
  cliq__tensor **t;
} cache;

static const cliq__tensor *cache_get(cache *c, int v) {
  const cliq__value *val = &c->s->g->values[v];
  if (val->constant) return val->constant;
  if (!c->t[v] && cliq__session_read_value(c->s, v, &c->t[v]) != CLIQ_STATUS_OK) return NULL;
  return c->t[v];
}

static double energy(const cliq__tensor *y) {
  double s = 0.0;
  const float *p = y->data;
  for (size_t i = 0, n = cliq__tensor_elems(y); i < n; i++) s += (double)p[i] * p[i];
  return s;
}

static double diff_energy(const cliq__tensor *a, const cliq__tensor *b) {
  double s = 0.0;
  const float *p = a->data, *q = b->data;
  for (size_t i = 0, n = cliq__tensor_elems(a); i < n; i++) {
    double d = (double)p[i] - q[i];
    s += d * d;
  }
  return s;
}

static void free_outs(cliq__tensor **out, size_t n) {
  for (size_t k = 0; k < n; k++) cliq__tensor_free(out[k]), out[k] = NULL;
}

/* Whether the reference can evaluate a session node: standard ops, and of the attributes session
 * passes add only the fused activation (DEVELOPERS.md: references apply it). Other session-only
 * attributes (e.g. cliq.input_nhwc) describe device layouts the reference does not read. */
static bool reference_can_eval(const cliq__node *n) {
  if (n->domain[0] || !n->def || !n->def->ref) return false;
  for (size_t k = 0; k < n->n_attrs; k++) {
    const char *a = n->attrs[k].name;
    if (strncmp(a, "cliq.", 5) == 0 && strcmp(a, "cliq.act") != 0 && strcmp(a, "cliq.act_a") != 0 &&
        strcmp(a, "cliq.act_b") != 0 && strcmp(a, "cliq.activation") != 0)
      return false;
  }
  return true;
}

/* Adds the relative output error of consumer `node` under each candidate quantizer of value v. */
static void judge_consumer(cliq_context *ctx, cache *ch, int node, int v, cands *c) {
  cliq__graph *g = ch->s->g;
  const cliq__node *n = &g->nodes[node];
  if (n->n_inputs > 64 || n->n_outputs > 64 || !reference_can_eval(n)) return;
  const cliq__tensor *in[64] = {0};
  cliq__tensor *y0[64] = {0}, *yk[64] = {0};
  for (size_t k = 0; k < n->n_inputs; k++)
    if (n->inputs[k] >= 0 && !(in[k] = cache_get(ch, n->inputs[k]))) return;
  const cliq__tensor *x = cache_get(ch, v);
  if (!x || x->dtype != CLIQ_DTYPE_FLOAT32) return;
  if (cliq__node_eval(ctx, g, node, in, y0) != CLIQ_STATUS_OK) {
    cliq__error_clear(ctx); /* a consumer the reference cannot evaluate does not vote */
    return;
  }
  double e0 = 0.0;
  for (size_t k = 0; k < n->n_outputs; k++)
    if (y0[k] && y0[k]->dtype == CLIQ_DTYPE_FLOAT32) e0 += energy(y0[k]);
  cliq__tensor *xq = cliq__tensor_clone(x);
  if (!xq) {
    free_outs(y0, n->n_outputs);
    return;
  }
  const cliq__tensor *inq[64] = {0}; /* absent inputs must read as NULL */
  for (size_t k = 0; k < n->n_inputs; k++) inq[k] = n->inputs[k] == v ? xq : in[k];
  size_t count = cliq__tensor_elems(x);
  for (int j = 0; j < c->n; j++) {
    const float *src = x->data;
    float *dst = xq->data;
    for (size_t i = 0; i < count; i++) dst[i] = cliq__qgrid_fake(&c->grid[j], src[i]);
    if (cliq__node_eval(ctx, g, node, inq, yk) != CLIQ_STATUS_OK) {
      cliq__error_clear(ctx);
      break;
    }
    double d = 0.0;
    for (size_t k = 0; k < n->n_outputs; k++)
      if (yk[k] && y0[k] && yk[k]->dtype == CLIQ_DTYPE_FLOAT32) d += diff_energy(yk[k], y0[k]);
    c->err[j] += d / (e0 + 1e-30);
    free_outs(yk, n->n_outputs);
  }
  cliq__tensor_free(xq);
  free_outs(y0, n->n_outputs);
}

cliq_status cliq__auto_choose(cliq_context *ctx, const cliq_model *model, const cliq_session_options *so, cliq__stats_table *tab,
                              const float *const *images, size_t n_inputs, size_t n_images, const cliq__calib_cfg *cfg) {
  cands *c = calloc(tab->n + 1, sizeof *c);
  if (!c) return cliq__fail(ctx, CLIQ_STATUS_OUT_OF_MEMORY, "auto calibration candidates");
  cliq_status st = CLIQ_STATUS_OK;
  for (size_t e = 0; e < tab->n && st == CLIQ_STATUS_OK; e++)
    if (tab->t[e].share < 0 && tab->t[e].hist.count > 0) st = make_candidates(ctx, &tab->t[e], cfg, &c[e]);
  cliq_session *s = NULL;
  cliq_buffer *ib = NULL, *ob = NULL;
  size_t n_out = 0;
  if (st == CLIQ_STATUS_OK) {
    cliq_session_options o1 = *so;
    o1.batch = 1;
    o1.keep_intermediates = 1;
    st = cliq_session_create(ctx, model, &o1, &s);
  }
  if (st == CLIQ_STATUS_OK) {
    n_out = cliq_model_output_count(model);
    ib = calloc(n_inputs + 1, sizeof *ib);
    ob = calloc(n_out + 1, sizeof *ob);
    if (!ib || !ob) st = cliq__fail(ctx, CLIQ_STATUS_OUT_OF_MEMORY, "auto calibration buffers");
    for (size_t i = 0; st == CLIQ_STATUS_OK && i < n_out; i++) {
      cliq_tensor_info info;
      cliq_session_output(s, i, &info);
      size_t n = 1;
      for (size_t d = 0; d < info.rank; d++) n *= (size_t)info.dims[d];
      ob[i].dtype = info.dtype;
      ob[i].size = n * cliq_dtype_size(info.dtype);
      if (!(ob[i].data = malloc(ob[i].size ? ob[i].size : 1))) st = CLIQ_STATUS_OUT_OF_MEMORY;
    }
  }
  size_t imgs = n_images < CLIQ__AUTO_IMAGES ? n_images : CLIQ__AUTO_IMAGES;
  for (size_t im = 0; st == CLIQ_STATUS_OK && im < imgs; im++) {
    for (size_t i = 0; i < n_inputs; i++) {
      cliq_tensor_info info;
      cliq_session_input(s, i, &info);
      size_t n = 1;
      for (size_t d = 0; d < info.rank; d++) n *= (size_t)info.dims[d];
      ib[i].dtype = CLIQ_DTYPE_FLOAT32;
      ib[i].data = (void *)(images[i] + im * n);
      ib[i].size = n * sizeof(float);
    }
    st = cliq_session_run(s, n_inputs, ib, n_out, ob);
    if (st != CLIQ_STATUS_OK) break;
    cache ch = {s, calloc(s->g->n_values + 1, sizeof(cliq__tensor *))};
    if (!ch.t) {
      st = cliq__fail(ctx, CLIQ_STATUS_OUT_OF_MEMORY, "auto calibration");
      break;
    }
    for (size_t e = 0; e < tab->n; e++) {
      if (c[e].n < 2) continue;
      int v = cliq__graph_find_value(s->g, tab->t[e].name);
      if (v < 0 || s->g->values[v].constant) continue;
      for (size_t i = 0; i < s->g->n_nodes; i++) {
        bool reads = false;
        for (size_t k = 0; k < s->g->nodes[i].n_inputs; k++) reads = reads || s->g->nodes[i].inputs[k] == v;
        if (reads) judge_consumer(ctx, &ch, (int)i, v, &c[e]);
      }
    }
    for (size_t v = 0; v < s->g->n_values; v++) cliq__tensor_free(ch.t[v]);
    free(ch.t);
  }
  if (st == CLIQ_STATUS_OK)
    for (size_t e = 0; e < tab->n; e++) {
      if (c[e].n == 0) continue;
      int best = 0;
      for (int j = 1; j < c[e].n; j++)
        if (c[e].err[j] < c[e].err[best]) best = j;
      tab->t[e].lo = c[e].lo[best];
      tab->t[e].hi = c[e].hi[best];
      tab->t[e].chosen = c[e].method[best];
    }
  for (size_t i = 0; ob && i < n_out; i++) free(ob[i].data);
  free(ib);
  free(ob);
  cliq_session_destroy(s);
  free(c);
  return st;
}
