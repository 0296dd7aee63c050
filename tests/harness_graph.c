/*
 * harness_graph.c — the test graph builder and temporary folders (see harness_graph.h).
 */
#include "harness_graph.h"

#include "model.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct tg {
  cliq__graph *g;
  size_t cap_in, cap_out;
};

/* A builder that cannot allocate has no graph to hand to the test: stop it there. */
static void *need(void *p) {
  if (!p) {
    printf("FAIL out of memory building a test graph\n");
    exit(1);
  }
  return p;
}

tg *tg_new(int opset) {
  tg *t = need(calloc(1, sizeof *t));
  t->g = need(cliq__graph_new());
  t->g->opset = opset;
  t->g->ir_version = 8;
  return t;
}

void tg_free(tg *t) {
  if (!t) return;
  cliq__graph_free(t->g);
  free(t);
}

cliq__graph *tg_graph(tg *t) { return t->g; }

static void push(int **arr, size_t *n, size_t *cap, int v) {
  if (*n == *cap) {
    *cap = *cap ? *cap * 2 : 8;
    *arr = need(realloc(*arr, *cap * sizeof(int)));
  }
  (*arr)[(*n)++] = v;
}

static int add_value(tg *t, const char *name) {
  int v = cliq__graph_add_value_unique(t->g, name);
  if (v < 0) need(NULL);
  return v;
}

int tg_input(tg *t, const char *name, cliq_dtype dtype, int rank, const int64_t *dims, const char *const *dim_names) {
  int v = tg_value_shaped(t, name, dtype, rank, dims);
  cliq__value *val = &t->g->values[v];
  for (int d = 0; d < rank; d++)
    if (dim_names && dim_names[d]) {
      val->dim_param[d] = need(cliq__strdup(dim_names[d]));
      val->dims[d] = -1;
    }
  val->flags |= CLIQ__VALUE_GRAPH_INPUT;
  push(&t->g->inputs, &t->g->n_inputs, &t->cap_in, v);
  return v;
}

int tg_value(tg *t, const char *name) { return add_value(t, name); }

int tg_value_shaped(tg *t, const char *name, cliq_dtype dtype, int rank, const int64_t *dims) {
  int v = add_value(t, name);
  cliq__value_set_shape(&t->g->values[v], dtype, rank, dims);
  return v;
}

int tg_const(tg *t, const char *name, const cliq__tensor *c) {
  int v = add_value(t, name);
  cliq__value_set_constant(&t->g->values[v], need(cliq__tensor_clone(c)));
  t->g->values[v].flags |= CLIQ__VALUE_INITIALIZER;
  return v;
}

int tg_const_random(tg *t, const char *name, int rank, const int64_t *dims, float lo, float hi) {
  cliq__tensor *c = th_tensor_random(CLIQ_DTYPE_FLOAT32, rank, dims, lo, hi);
  int v = tg_const(t, name, c);
  cliq__tensor_free(c);
  return v;
}

int tg_const_f32(tg *t, const char *name, float f) {
  cliq__tensor *c = th_tensor(CLIQ_DTYPE_FLOAT32, 0, NULL);
  ((float *)c->data)[0] = f;
  int v = tg_const(t, name, c);
  cliq__tensor_free(c);
  return v;
}

int tg_const_int(tg *t, const char *name, cliq_dtype dtype, int iv) {
  cliq__tensor *c = th_tensor(dtype, 0, NULL);
  switch (dtype) {
  case CLIQ_DTYPE_INT8: ((int8_t *)c->data)[0] = (int8_t)iv; break;
  case CLIQ_DTYPE_UINT8: ((uint8_t *)c->data)[0] = (uint8_t)iv; break;
  case CLIQ_DTYPE_INT32: ((int32_t *)c->data)[0] = iv; break;
  default: ((int64_t *)c->data)[0] = iv; break;
  }
  int v = tg_const(t, name, c);
  cliq__tensor_free(c);
  return v;
}

int tg_node_ex(tg *t, const char *domain, const char *op_type, const char *name, const int *in, size_t n_in, const int *out,
               size_t n_out) {
  bool onnx = !domain || !domain[0];
  int n = cliq__graph_add_node(t->g, op_type, onnx ? "" : domain, name, in, n_in, out, n_out);
  if (n < 0) need(NULL);
  /* cliq's own domain has one version; the node's opset is that of its domain */
  t->g->nodes[n].opset = onnx ? t->g->opset : 1;
  return n;
}

int tg_node(tg *t, const char *op_type, const char *name, const int *in, size_t n_in) {
  int y = tg_value(t, name);
  tg_node_ex(t, "", op_type, name, in, n_in, &y, 1);
  return y;
}

static void node_append(int **arr, size_t *n, int v) {
  *arr = need(realloc(*arr, (*n + 1) * sizeof(int)));
  (*arr)[(*n)++] = v;
}

void tg_node_input(tg *t, int node, int v) {
  cliq__node *nd = &t->g->nodes[node];
  node_append(&nd->inputs, &nd->n_inputs, v);
}

void tg_node_output(tg *t, int node, int v) {
  cliq__node *nd = &t->g->nodes[node];
  node_append(&nd->outputs, &nd->n_outputs, v);
  t->g->values[v].producer = node;
}

cliq__node *tg_last_node(tg *t) { return t->g->n_nodes ? &t->g->nodes[t->g->n_nodes - 1] : NULL; }

cliq__node *tg_producer(tg *t, int v) {
  for (size_t i = 0; i < t->g->n_nodes; i++)
    for (size_t k = 0; k < t->g->nodes[i].n_outputs; k++)
      if (t->g->nodes[i].outputs[k] == v) return &t->g->nodes[i];
  return NULL;
}

void tg_output(tg *t, int v) {
  t->g->values[v].flags |= CLIQ__VALUE_GRAPH_OUTPUT;
  push(&t->g->outputs, &t->g->n_outputs, &t->cap_out, v);
}

void tg_quant(tg *t, int v, float scale, int zp) {
  cliq__quant *q = need(cliq__quant_new(1, 0));
  q->scale[0] = scale;
  q->zero_point[0] = zp;
  cliq__quant_free(t->g->values[v].quant);
  t->g->values[v].quant = q;
}

int tg_activation(tg *t, int act, float a, float b, int x) {
  /* indexed by CLIQ_ACT_* (activation.h); SiLU (9) is built below */
  static const char *const ops[] = {NULL,          "Relu",      "Clip", "LeakyRelu", "Sigmoid",
                                    "HardSigmoid", "HardSwish", "Tanh", "Exp",       "Sigmoid"};
  char name[64];
  snprintf(name, sizeof name, "act%zu", t->g->n_nodes);
  int y = tg_value(t, name);
  int in[3] = {x, -1, -1};
  size_t n_in = 1;
  if (act == 2) {
    char lo[64], hi[64];
    snprintf(lo, sizeof lo, "clip_lo%zu", t->g->n_values);
    in[1] = tg_const_f32(t, lo, a);
    snprintf(hi, sizeof hi, "clip_hi%zu", t->g->n_values);
    in[2] = tg_const_f32(t, hi, b);
    n_in = 3;
  }
  if (act == 9) {
    int s = tg_value(t, "silu_sig");
    tg_node_ex(t, "", "Sigmoid", "silu_sigmoid", in, 1, &s, 1);
    int mi[2] = {x, s};
    tg_node_ex(t, "", "Mul", "silu_mul", mi, 2, &y, 1);
    return y;
  }
  tg_node_ex(t, "", ops[act], name, in, n_in, &y, 1);
  if (act == 3) cliq__node_set_float(tg_last_node(t), "alpha", a);
  if (act == 5) {
    cliq__node_set_float(tg_last_node(t), "alpha", a);
    cliq__node_set_float(tg_last_node(t), "beta", b);
  }
  return y;
}

int tg_q(tg *t, int x, float scale, int zp, cliq_dtype dtype) {
  int in[3] = {x, tg_const_f32(t, "q_scale", scale), tg_const_int(t, "q_zp", dtype, zp)};
  return tg_node(t, "QuantizeLinear", "Q", in, 3);
}

int tg_dq(tg *t, int q, float scale, int zp, cliq_dtype dtype) {
  int in[3] = {q, tg_const_f32(t, "dq_scale", scale), tg_const_int(t, "dq_zp", dtype, zp)};
  return tg_node(t, "DequantizeLinear", "DQ", in, 3);
}

int tg_qdq(tg *t, int x, float scale, int zp, cliq_dtype dtype) { return tg_dq(t, tg_q(t, x, scale, zp, dtype), scale, zp, dtype); }

int tg_weight_dq(tg *t, const cliq__tensor *w, const float *scales, size_t n, int axis) {
  int64_t d[1] = {(int64_t)n};
  cliq__tensor *s = th_tensor(CLIQ_DTYPE_FLOAT32, n == 1 ? 0 : 1, d);
  cliq__tensor *z = th_tensor(w->dtype, n == 1 ? 0 : 1, d);
  memcpy(s->data, scales, n * sizeof(float));
  int in[3] = {tg_const(t, "w", w), tg_const(t, "w_scale", s), tg_const(t, "w_zp", z)};
  cliq__tensor_free(s);
  cliq__tensor_free(z);
  int y = tg_node(t, "DequantizeLinear", "DQ_w", in, 3);
  if (n != 1) cliq__node_set_int(tg_last_node(t), "axis", axis);
  return y;
}

cliq_status tg_model(tg *t, cliq_context *ctx, cliq_model **out) {
  *out = NULL;
  cliq__graph *copy = cliq__graph_clone(t->g);
  if (!copy) return CLIQ_STATUS_OUT_OF_MEMORY;
  cliq__graph_update_producers(copy);
  return cliq__model_from_graph(ctx, copy, NULL, out);
}

cliq_status tg_bytes(tg *t, cliq_context *ctx, void **out, size_t *size) { return cliq__onnx_export(ctx, t->g, out, size); }

cliq_status tg_model_onnx(tg *t, cliq_context *ctx, cliq_model **out) {
  void *buf;
  size_t size;
  *out = NULL;
  cliq_status st = tg_bytes(t, ctx, &buf, &size);
  if (st != CLIQ_STATUS_OK) return st;
  st = cliq_model_load_memory(ctx, buf, size, NULL, out);
  free(buf);
  return st;
}

cliq_status tg_save(tg *t, cliq_context *ctx, const char *path) {
  void *buf;
  size_t size;
  cliq_status st = tg_bytes(t, ctx, &buf, &size);
  if (st != CLIQ_STATUS_OK) return st;
  FILE *f = fopen(path, "wb");
  bool ok = f && fwrite(buf, 1, size, f) == size;
  if (f) ok = fclose(f) == 0 && ok;
  free(buf);
  return ok ? CLIQ_STATUS_OK : CLIQ_STATUS_IO_ERROR;
}

cliq_status tg_run(tg *t, cliq_context *ctx, size_t n_in, cliq__tensor *const *in, size_t *n_out, cliq__tensor ***out) {
  cliq_model *m = NULL;
  *out = NULL;
  *n_out = 0;
  cliq_status st = tg_model(t, ctx, &m);
  if (st == CLIQ_STATUS_OK) st = th_run(ctx, m, n_in, in, n_out, out);
  cliq_model_destroy(m);
  return st;
}

bool tg_compare(tg *t, cliq_context *dev, cliq_context *ref, size_t n_in, cliq__tensor *const *in, float atol, float rtol,
                const char *what) {
  static cliq_context *own_dev, *own_ref;
  if (!dev) dev = own_dev ? own_dev : (own_dev = th_device_context());
  if (!ref) ref = own_ref ? own_ref : (own_ref = th_ref_context());
  cliq__tensor **od = NULL, **orf = NULL;
  size_t nd = 0, nr = 0;
  bool ok = true;
  cliq_status sr = tg_run(t, ref, n_in, in, &nr, &orf);
  if (sr != CLIQ_STATUS_OK)
    ok = th_check(false, __FILE__, __LINE__, "%s: reference: %s: %s", what, cliq_status_name(sr), cliq_context_error(ref));
  cliq_status sd = tg_run(t, dev, n_in, in, &nd, &od);
  if (sd != CLIQ_STATUS_OK)
    ok = th_check(false, __FILE__, __LINE__, "%s: device: %s: %s", what, cliq_status_name(sd), cliq_context_error(dev));
  char label[512];
  for (size_t i = 0; i < nd && i < nr; i++) {
    snprintf(label, sizeof label, "%s output %zu", what, i);
    ok = th_compare_tensor(label, od[i], orf[i], atol, rtol) && ok;
  }
  th_free_tensors(od, nd);
  th_free_tensors(orf, nr);
  return ok;
}

cliq_status tg_relu_model(cliq_context *ctx, int rank, const int64_t *dims, const char *const *dim_names, cliq_model **out) {
  tg *t = tg_new(13);
  int x = tg_input(t, "x", CLIQ_DTYPE_FLOAT32, rank, dims, dim_names);
  tg_output(t, tg_node(t, "Relu", "y", &x, 1));
  cliq_status st = tg_model_onnx(t, ctx, out);
  tg_free(t);
  return st;
}

const char *th_temp_dir(const char *tag) {
  static char bufs[8][512];
  static int next;
  char *b = bufs[next++ % 8];
  const char *base = getenv("TMPDIR");
  snprintf(b, 512, "%s/cliq_%s_XXXXXX", base && base[0] ? base : "/tmp", tag);
  if (!mkdtemp(b)) {
    printf("FAIL cannot make a temporary folder %s\n", b);
    exit(1);
  }
  return b;
}

static void remove_tree(const char *dir, int depth) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  char path[1024];
  while ((e = readdir(d))) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    if (unlink(path) != 0 && depth > 0) remove_tree(path, depth - 1);
  }
  closedir(d);
  rmdir(dir);
}

void th_remove_dir(const char *dir) { remove_tree(dir, 1); }
