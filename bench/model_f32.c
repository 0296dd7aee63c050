/*
 * model_f32.c — time per image of a float model, and how much of it the convolution/GEMM kernels
 * take, for each GEMM variant of host/cl/variants.h that can run (or the ones named).
 *
 *   bench_model_f32 MODEL.onnx [--repeat N] [--variants a,b,...] [--dims name=v,...] [--top N]
 *
 * Wall time: monotonic clock around cliq_session_run (inputs in, outputs out, one wait), median of
 * N runs after 3 warm-up runs; a separate profiling session gives the device time per op type
 * (fused ops show as "Conv+Relu"). Inputs are uniform random in [-1, 1] (speed does not depend on
 * values). Timings on a shared machine are indicative.
 */
#include "harness.h"

#include "cl/variant.h"
#include "context.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct op_sum {
  char type[64];
  double ms;
  int count;
} op_sum;

static int top_launches; /* --top N: print the N slowest launches */

static int cmp_time(const void *a, const void *b) {
  double x = ((const cliq_op_time *)a)->ms, y = ((const cliq_op_time *)b)->ms;
  return x < y ? 1 : x > y ? -1 : 0;
}

static bool run(cliq_context *ctx, const cliq_model *m, const cliq_dim_binding *dims, size_t n_dims, int repeat,
                double *median_ms, op_sum *sums, int *n_sums) {
  cliq_session_options so = cliq_session_options_default();
  so.dims = dims;
  so.n_dims = n_dims;
  cliq_session *s = NULL;
  if (cliq_session_create(ctx, m, &so, &s) != CLIQ_STATUS_OK) {
    fprintf(stderr, "session: %s\n", cliq_context_error(ctx));
    return false;
  }
  size_t ni = cliq_model_input_count(m), no = cliq_model_output_count(m);
  cliq_buffer *ib = calloc(ni, sizeof *ib), *ob = calloc(no, sizeof *ob);
  cliq__tensor **ts = calloc(ni + no, sizeof *ts);
  for (size_t i = 0; i < ni + no; i++) {
    cliq_tensor_info info;
    if (i < ni) cliq_session_input(s, i, &info);
    else cliq_session_output(s, i - ni, &info);
    ts[i] = th_tensor_random(info.dtype, (int)info.rank, info.dims, -1, 1);
    cliq_buffer b = {info.dtype, ts[i]->data, ts[i]->nbytes};
    if (i < ni) ib[i] = b;
    else ob[i - ni] = b;
  }
  double *t = calloc((size_t)repeat, sizeof(double));
  bool ok = true;
  for (int r = -3; r < repeat && ok; r++) {
    double t0 = th_now_ms();
    ok = cliq_session_run(s, ni, ib, no, ob) == CLIQ_STATUS_OK;
    if (r >= 0) t[r] = th_now_ms() - t0;
  }
  if (ok) {
    qsort(t, (size_t)repeat, sizeof(double), th_cmp_double);
    *median_ms = t[repeat / 2];
  }
  const cliq_op_time *times;
  size_t nt;
  *n_sums = 0;
  if (ok && sums && cliq_session_profile(s, &times, &nt) == CLIQ_STATUS_OK) {
    if (top_launches > 0) {
      cliq_op_time *sorted = malloc(nt * sizeof *sorted);
      memcpy(sorted, times, nt * sizeof *sorted);
      qsort(sorted, nt, sizeof *sorted, cmp_time);
      for (size_t k = 0; k < nt && (int)k < top_launches; k++)
        printf("      %8.3f ms  %-18s %-20s %s\n", sorted[k].ms, sorted[k].kernel, sorted[k].op_type, sorted[k].node);
      free(sorted);
    }
    for (size_t k = 0; k < nt; k++) {
      int j = 0;
      while (j < *n_sums && strcmp(sums[j].type, times[k].op_type) != 0) j++;
      if (j == *n_sums) {
        if (j == 64) continue;
        snprintf(sums[j].type, sizeof sums[j].type, "%s", times[k].op_type);
        sums[j].ms = 0;
        sums[j].count = 0;
        (*n_sums)++;
      }
      sums[j].ms += times[k].ms;
      sums[j].count++;
    }
  }
  if (!ok) fprintf(stderr, "run: %s\n", cliq_context_error(ctx));
  free(t);
  for (size_t i = 0; i < ni + no; i++) cliq__tensor_free(ts[i]);
  free(ts);
  free(ib);
  free(ob);
  cliq_session_destroy(s);
  return ok;
}

static int cmp_sum(const void *a, const void *b) {
  double x = ((const op_sum *)a)->ms, y = ((const op_sum *)b)->ms;
  return x < y ? 1 : x > y ? -1 : 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s MODEL.onnx [--repeat N] [--variants a,b] [--dims name=v,...] [--top N]\n", argv[0]);
    return 2;
  }
  int repeat = 20;
  const char *variants = NULL;
  cliq_dim_binding dims[16];
  size_t n_dims = 0;
  static char dimbuf[1024];
  for (int i = 2; i < argc; i++) {
    if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) repeat = atoi(argv[++i]);
    else if (strcmp(argv[i], "--variants") == 0 && i + 1 < argc) variants = argv[++i];
    else if (strcmp(argv[i], "--top") == 0 && i + 1 < argc) top_launches = atoi(argv[++i]);
    else if (strcmp(argv[i], "--dims") == 0 && i + 1 < argc) {
      snprintf(dimbuf, sizeof dimbuf, "%s", argv[++i]);
      for (char *tok = strtok(dimbuf, ","); tok && n_dims < 16; tok = strtok(NULL, ",")) {
        char *eq = strchr(tok, '=');
        if (!eq) continue;
        *eq = '\0';
        dims[n_dims].name = tok;
        dims[n_dims++].value = atoll(eq + 1);
      }
    }
  }
  if (repeat < 1) repeat = 1;
  cliq_context_options o = cliq_context_options_default();
  char err[512] = "";
  o.errbuf = err;
  o.errbuf_size = sizeof err;
  cliq_context *ctx = NULL, *pctx = NULL;
  if (cliq_context_create(&o, &ctx) != CLIQ_STATUS_OK) {
    fprintf(stderr, "no device: %s\n", err);
    return 77;
  }
  o.profiling = 1;
  cliq_context_create(&o, &pctx);
  cliq_model *m = NULL;
  if (cliq_model_load(ctx, argv[1], &m) != CLIQ_STATUS_OK) {
    fprintf(stderr, "%s\n", cliq_context_error(ctx));
    return 1;
  }
  printf("# %s on %s (%s); median of %d runs\n", argv[1], ctx->dev.name, ctx->dev.driver, repeat);
  for (int i = 0; i < CLIQ__VARIANT_COUNT; i++) {
    const cliq__variant *v = &cliq__variants[i];
    if (v->kind != CLIQ__VK_GEMM_F32 || !v->where(&ctx->dev)) continue;
    if (variants ? !strstr(variants, v->name) : !v->program) continue;
    char tune[96];
    snprintf(tune, sizeof tune, "GEMM_F32=%s", v->name);
    setenv("CLIQ_TUNE", tune, 1);
    double wall = 0, dummy;
    op_sum sums[64];
    int n_sums = 0;
    if (!run(ctx, m, dims, n_dims, repeat, &wall, NULL, &n_sums) || !run(pctx, m, dims, n_dims, 3, &dummy, sums, &n_sums))
      continue;
    qsort(sums, (size_t)n_sums, sizeof sums[0], cmp_sum);
    double total = 0, conv = 0;
    for (int j = 0; j < n_sums; j++) {
      total += sums[j].ms;
      if (strncmp(sums[j].type, "Conv", 4) == 0 || strncmp(sums[j].type, "Gemm", 4) == 0 || strncmp(sums[j].type, "MatMul", 6) == 0)
        conv += sums[j].ms;
    }
    printf("%-16s wall %.2f ms/image; device %.2f ms, of which Conv/Gemm/MatMul %.2f ms (%.0f%%)\n", v->name, wall, total, conv,
           total > 0 ? 100 * conv / total : 0);
    for (int j = 0; j < n_sums && j < 8; j++) printf("    %-24s %3d launches %7.3f ms\n", sums[j].type, sums[j].count, sums[j].ms);
  }
  unsetenv("CLIQ_TUNE");
  cliq_model_destroy(m);
  cliq_context_destroy(pctx);
  cliq_context_destroy(ctx);
  return 0;
}
