/*
 * model.c — cliq_model: loading (file or memory), the load-time pipeline, I/O info, statistics
 * and metadata.
 *
 * Load-time pipeline: import -> check every op and attribute (UNSUPPORTED fails here, naming op,
 * node and opset) -> infer what is known and fold constant-only nodes -> LOAD passes (BN folding)
 * -> prune. The result stays standard ONNX.
 */
#include "model.h"

#include "context.h"
#include "error.h"
#include "ops/op.h"
#include "passes/passes.h"
#include "read_file.h"
#include "shape.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void free_stats(cliq_model *m) {
  for (size_t i = 0; i < m->n_stat_types; i++) free(m->stat_types[i]);
  free(m->stat_types);
  free(m->stat_counts);
  m->stat_types = NULL;
  m->stat_counts = NULL;
  m->n_stat_types = 0;
}

void cliq_model_destroy(cliq_model *m) {
  if (!m) return;
  cliq__graph_free(m->g);
  free(m->base_dir);
  free_stats(m);
  free(m);
}

cliq_status cliq__model_from_graph(cliq_context *ctx, cliq__graph *g, const char *base_dir, cliq_model **out) {
  *out = NULL;
  cliq_status st = cliq__graph_check_ops(ctx, g);
  if (st == CLIQ_STATUS_OK) st = cliq__graph_infer(ctx, g, CLIQ__INFER_FOLD_CONST | CLIQ__INFER_ALLOW_UNKNOWN);
  if (st == CLIQ_STATUS_OK) st = cliq__passes_run(ctx, g, CLIQ__PASS_LOAD);
  if (st == CLIQ_STATUS_OK) cliq__graph_prune(g);
  if (st != CLIQ_STATUS_OK) {
    cliq__graph_free(g);
    return st;
  }
  cliq_model *m = calloc(1, sizeof *m);
  if (!m || (base_dir && !(m->base_dir = cliq__strdup(base_dir)))) {
    free(m);
    cliq__graph_free(g);
    return CLIQ_STATUS_OUT_OF_MEMORY;
  }
  m->g = g;
  *out = m;
  return CLIQ_STATUS_OK;
}

cliq_status cliq_model_load_memory(cliq_context *ctx, const void *data, size_t size, const char *base_dir,
                                   cliq_model **out) {
  if (!out) return CLIQ_STATUS_INVALID_ARGUMENT;
  *out = NULL;
  if (!ctx) return CLIQ_STATUS_INVALID_ARGUMENT;
  cliq__error_clear(ctx);
  if (!data && size) return cliq__fail(ctx, CLIQ_STATUS_INVALID_ARGUMENT, "model data is NULL");
  cliq__graph *g;
  CLIQ__TRY(cliq__onnx_import(ctx, data, size, base_dir, &g));
  return cliq__model_from_graph(ctx, g, base_dir, out);
}

cliq_status cliq_model_load(cliq_context *ctx, const char *path, cliq_model **out) {
  if (!out) return CLIQ_STATUS_INVALID_ARGUMENT;
  *out = NULL;
  if (!ctx || !path) return CLIQ_STATUS_INVALID_ARGUMENT;
  cliq__error_clear(ctx);
  void *buf;
  size_t n;
  CLIQ__TRY(cliq__read_file(ctx, path, "model", &buf, &n));
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  if (slash)
    *slash = '\0';
  else
    snprintf(dir, sizeof dir, ".");
  cliq_status st = cliq_model_load_memory(ctx, buf, n, dir, out);
  free(buf);
  if (st != CLIQ_STATUS_OK && ctx->err && ctx->err_len) {
    char prefix[600];
    snprintf(prefix, sizeof prefix, "%s: ", path);
    char *msg = cliq__strdup(ctx->err);
    if (msg) {
      cliq__fail(ctx, st, "%s", prefix);
      cliq__error_append(ctx, msg);
      free(msg);
    }
  }
  return st;
}

cliq_status cliq_model_save(cliq_context *ctx, const cliq_model *model, const char *path) {
  if (!ctx || !model || !path) return CLIQ_STATUS_INVALID_ARGUMENT;
  cliq__error_clear(ctx);
  void *buf;
  size_t size;
  CLIQ__TRY(cliq__onnx_export(ctx, model->g, &buf, &size));
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *f = fopen(tmp, "wb");
  if (!f) {
    free(buf);
    return cliq__fail(ctx, CLIQ_STATUS_IO_ERROR, "cannot write '%s': %s", tmp, strerror(errno));
  }
  bool ok = fwrite(buf, 1, size, f) == size;
  ok = (fclose(f) == 0) && ok;
  free(buf);
  if (!ok || rename(tmp, path) != 0) {
    remove(tmp);
    return cliq__fail(ctx, CLIQ_STATUS_IO_ERROR, "writing model '%s' failed: %s", path, strerror(errno));
  }
  return CLIQ_STATUS_OK;
}

size_t cliq_model_input_count(const cliq_model *m) { return m ? m->g->n_inputs : 0; }
size_t cliq_model_output_count(const cliq_model *m) { return m ? m->g->n_outputs : 0; }

static void value_info(const cliq__value *v, cliq_tensor_info *info, bool shapes) {
  memset(info, 0, sizeof *info);
  info->name = v->name;
  info->dtype = v->dtype;
  info->rank = v->rank < 0 ? 0 : (size_t)v->rank;
  for (int d = 0; d < v->rank && d < CLIQ_MAX_RANK; d++) {
    info->dims[d] = shapes ? v->dims[d] : -1;
    info->dim_names[d] = v->dim_param[d];
    if (v->dim_param[d]) info->dims[d] = -1;
  }
}

cliq_status cliq_model_input(const cliq_model *m, size_t index, cliq_tensor_info *out) {
  if (!m || !out || index >= m->g->n_inputs) return CLIQ_STATUS_INVALID_ARGUMENT;
  value_info(&m->g->values[m->g->inputs[index]], out, true);
  return CLIQ_STATUS_OK;
}

cliq_status cliq_model_output(const cliq_model *m, size_t index, cliq_tensor_info *out) {
  if (!m || !out || index >= m->g->n_outputs) return CLIQ_STATUS_INVALID_ARGUMENT;
  value_info(&m->g->values[m->g->outputs[index]], out, true);
  return CLIQ_STATUS_OK;
}

const char *cliq_model_metadata(const cliq_model *m, const char *key) {
  if (!m || !key) return NULL;
  return cliq__graph_metadata(m->g, key);
}
