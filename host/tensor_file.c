/*
 * tensor_file.c — cliq_tensor_file: the public face of the ONNX TensorProto reader
 * (cliq__tensor_read_pb in onnx_tensor.c), for `cliq run --test-data` and applications checking
 * a model against ONNX test data sets.
 */
#include "error.h"
#include "graph.h"
#include "onnx_tensor.h"
#include "read_file.h"

#include <stdlib.h>
#include <string.h>

struct cliq_tensor_file {
  cliq__tensor *t;
  char *name;
};

void cliq_tensor_file_destroy(cliq_tensor_file *tf) {
  if (!tf) return;
  cliq__tensor_free(tf->t);
  free(tf->name);
  free(tf);
}

cliq_status cliq_tensor_file_read(cliq_context *ctx, const char *path, cliq_tensor_file **out) {
  if (!out) return CLIQ_STATUS_INVALID_ARGUMENT;
  *out = NULL;
  if (!ctx) return CLIQ_STATUS_INVALID_ARGUMENT;
  cliq__error_clear(ctx);
  if (!path) return cliq__fail(ctx, CLIQ_STATUS_INVALID_ARGUMENT, "cliq_tensor_file_read: path is NULL");
  void *buf;
  size_t n;
  CLIQ__TRY(cliq__read_file(ctx, path, "tensor file", &buf, &n));
  cliq_tensor_file *tf = calloc(1, sizeof *tf);
  if (!tf) {
    free(buf);
    return cliq__fail(ctx, CLIQ_STATUS_OUT_OF_MEMORY, "reading tensor file '%s'", path);
  }
  cliq_status st = cliq__tensor_read_pb(ctx, buf, n, &tf->t, &tf->name);
  free(buf);
  if (st == CLIQ_STATUS_OK && !tf->name) tf->name = cliq__strdup("");
  if (st == CLIQ_STATUS_OK && !tf->name) st = CLIQ_STATUS_OUT_OF_MEMORY;
  if (st != CLIQ_STATUS_OK) {
    /* the parser's message says what is wrong; say which file */
    char *msg = cliq__strdup(cliq_context_error(ctx));
    cliq__fail(ctx, st, "tensor file '%s': ", path);
    if (msg) cliq__error_append(ctx, msg);
    free(msg);
    cliq_tensor_file_destroy(tf);
    return st;
  }
  *out = tf;
  return CLIQ_STATUS_OK;
}

cliq_status cliq_tensor_file_info(const cliq_tensor_file *tf, cliq_tensor_info *out) {
  if (!tf || !out) return CLIQ_STATUS_INVALID_ARGUMENT;
  memset(out, 0, sizeof *out);
  out->name = tf->name;
  out->dtype = tf->t->dtype;
  out->rank = (size_t)tf->t->rank;
  for (int d = 0; d < tf->t->rank; d++) out->dims[d] = tf->t->dims[d];
  return CLIQ_STATUS_OK;
}

const void *cliq_tensor_file_data(const cliq_tensor_file *tf, size_t *out_size) {
  if (out_size) *out_size = tf ? tf->t->nbytes : 0;
  return tf ? tf->t->data : NULL;
}
