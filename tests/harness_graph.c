/*
 * harness_graph.c — whole-model builders and temporary folders for tests (see harness_graph.h).
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

tg *tg_new(int opset) {
  tg *t = calloc(1, sizeof *t);
  if (!t || !(t->g = cliq__graph_new())) {
    printf("FAIL allocating a test graph\n");
    exit(1);
  }
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
    *arr = realloc(*arr, *cap * sizeof(int));
  }
  (*arr)[(*n)++] = v;
}

int tg_input(tg *t, const char *name, cliq_dtype dtype, int rank, const int64_t *dims, const char *const *dim_names) {
  int v = cliq__graph_add_value(t->g, name);
  cliq__value *val = &t->g->values[v];
  cliq__value_set_shape(val, dtype, rank, dims);
  for (int d = 0; d < rank; d++)
    if (dim_names && dim_names[d]) {
      val->dim_param[d] = cliq__strdup(dim_names[d]);
      val->dims[d] = -1;
    }
  val->flags |= CLIQ__VALUE_GRAPH_INPUT;
  push(&t->g->inputs, &t->g->n_inputs, &t->cap_in, v);
  return v;
}

int tg_const(tg *t, const char *name, const cliq__tensor *c) {
  int v = cliq__graph_add_value(t->g, name);
  cliq__value_set_constant(&t->g->values[v], cliq__tensor_clone(c));
  t->g->values[v].flags |= CLIQ__VALUE_INITIALIZER;
  return v;
}

int tg_node(tg *t, const char *op_type, const char *name, const int *inputs, size_t n_inputs) {
  int out = cliq__graph_add_value(t->g, name);
  cliq__graph_add_node(t->g, op_type, "", name, inputs, n_inputs, &out, 1);
  return out;
}

cliq__node *tg_last_node(tg *t) { return &t->g->nodes[t->g->n_nodes - 1]; }

void tg_output(tg *t, int value) {
  t->g->values[value].flags |= CLIQ__VALUE_GRAPH_OUTPUT;
  push(&t->g->outputs, &t->g->n_outputs, &t->cap_out, value);
}

cliq_status tg_bytes(tg *t, cliq_context *ctx, void **out, size_t *size) { return cliq__onnx_export(ctx, t->g, out, size); }

cliq_status tg_model(tg *t, cliq_context *ctx, cliq_model **out) {
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

cliq_status tg_relu_model(cliq_context *ctx, int rank, const int64_t *dims, const char *const *dim_names,
                          cliq_model **out) {
  tg *t = tg_new(13);
  int x = tg_input(t, "x", CLIQ_DTYPE_FLOAT32, rank, dims, dim_names);
  tg_output(t, tg_node(t, "Relu", "y", &x, 1));
  cliq_status st = tg_model(t, ctx, out);
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
