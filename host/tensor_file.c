/*
 * tensor_file.c — cliq_tensor_file: the public face of the ONNX TensorProto reader
 * (cliq__tensor_read_pb in onnx_tensor.c), for `cliq run --test-data` and applications checking
 * a model against ONNX test data sets.
 */
#include "error.h"
#include "graph.h"
#include "onnx_tensor.h"

#include <errno.h>
#include <stdio.h>
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
  FILE *f = fopen(path, "rb");
  if (!f) return cliq__fail(ctx, CLIQ_STATUS_IO_ERROR, "cannot open tensor file '%s': %s", path, strerror(errno));
  long n = -1;
  if (fseek(f, 0, SEEK_END) == 0) n = ftell(f);
  if (n < 0 || fseek(f, 0, SEEK_SET) != 0) {
    fclose(f);
    return cliq__fail(ctx, CLIQ_STATUS_IO_ERROR, "cannot read tensor file '%s' (not a regular file?)", path);
  }
  void *buf = malloc((size_t)n + 1);
  if (!buf) {
    fclose(f);
    return cliq__fail(ctx, CLIQ_STATUS_OUT_OF_MEMORY, "tensor file '%s' has %ld bytes; cannot allocate them", path, n);
  }
  size_t got = fread(buf, 1, (size_t)n, f);
  fclose(f);
  if (got != (size_t)n) {
    free(buf);
    return cliq__fail(ctx, CLIQ_STATUS_IO_ERROR, "reading tensor file '%s' stopped after %zu of %ld bytes", path, got, n);
  }
  cliq_tensor_file *tf = calloc(1, sizeof *tf);
  if (!tf) {
    free(buf);
    return cliq__fail(ctx, CLIQ_STATUS_OUT_OF_MEMORY, "reading tensor file '%s'", path);
  }
  cliq_status st = cliq__tensor_read_pb(ctx, buf, (size_t)n, &tf->t, &tf->name);
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
