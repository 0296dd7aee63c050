/*
 * cmd_bench.c — `cliq bench MODEL`: end-to-end latency per batch size (median and spread of N
 * timed runs after warm-up, monotonic clock), images/s, device time per op type from OpenCL
 * profiling events (cliq_session_profile, summed over the timed runs), device memory, plan time.
 * Results are appended to bench/results/bench.csv and bench.jsonl with device, driver and git
 * revision, so figures can be traced to the code and machine that produced them. --compare runs a
 * second model (the int8 one of the same network) in the same invocation and prints the ratio.
 *
 * `cliq bench kernels ...` is the int8 kernel benchmark (tools/cmd_bench_kernels.c).
 */
#include "tool_common.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#ifndef CLIQ_SOURCE_DIR
#define CLIQ_SOURCE_DIR ""
#endif

typedef struct op_row {
  char *op;
  double ms;        /* summed over timed runs */
  size_t launches;  /* per run */
} op_row;

typedef struct bench_result {
  size_t batch;
  double plan_ms, median, p10, p90, min, max, kernel_ms;
  uint64_t weight_bytes, activation_bytes;
  op_row *ops;
  size_t n_ops;
  char *error; /* why this batch size could not run (the library's message), else NULL */
} bench_result;

static int cmp_op(const void *a, const void *b) {
  const op_row *x = a, *y = b;
  return x->ms < y->ms ? 1 : x->ms > y->ms ? -1 : strcmp(x->op, y->op);
}

/* Nearest-rank percentile of sorted values. */
static double percentile(const double *v, size_t n, double p) {
  size_t k = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
  return v[k < n ? k : n - 1];
}

static void fill_inputs(tool_io *io) {
  uint64_t x = 0x9E3779B97F4A7C15ull; /* fixed: every run of the benchmark sees the same data */
  for (size_t i = 0; i < io->n_in; i++) {
    if (io->in[i].dtype != CLIQ_DTYPE_FLOAT32) continue; /* integer inputs stay 0 */
    float *d = io->in[i].data;
    for (size_t k = 0; k < io->in[i].size / sizeof(float); k++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      d[k] = (float)((x >> 40) * (1.0 / 16777216.0));
    }
  }
}

static bool add_profile(bench_result *r, cliq_session *s, bool first) {
  const cliq_op_time *t;
  size_t n;
  if (cliq_session_profile(s, &t, &n) != CLIQ_STATUS_OK) return true;
  for (size_t i = 0; i < n; i++) {
    size_t k = 0;
    while (k < r->n_ops && strcmp(r->ops[k].op, t[i].op_type) != 0) k++;
    if (k == r->n_ops) {
      op_row *p = realloc(r->ops, (r->n_ops + 1) * sizeof *p);
      if (!p) return false;
      r->ops = p;
      r->ops[k].op = strdup(t[i].op_type);
      if (!r->ops[k].op) return false;
      r->ops[k].ms = 0;
      r->ops[k].launches = 0;
      r->n_ops++;
    }
    r->ops[k].ms += t[i].ms;
    if (first) r->ops[k].launches++;
    r->kernel_ms += t[i].ms;
  }
  return true;
}

static int bench_batch(tool_opts *o, cliq_context *ctx, const cliq_model *m, const char *path, size_t batch, long warmup,
                       long runs, bench_result *r) {
  memset(r, 0, sizeof *r);
  r->batch = batch;
  cliq_session *s = NULL;
  tool_io io = {0};
  double *t = calloc((size_t)runs, sizeof *t);
  int rc = TOOL_EXIT_OK;
  cliq_status st;
  double t0 = tool_now();
  if (!t) return tool_usage_error(o, "out of memory");
  if ((st = tool_session(o, ctx, m, batch, &s)) != CLIQ_STATUS_OK) {
    rc = tool_lib_error(o, ctx, st, "cannot plan '%s' at batch %zu", path, batch);
    goto done;
  }
  r->plan_ms = (tool_now() - t0) * 1e3;
  if ((st = tool_io_alloc(s, m, &io)) != CLIQ_STATUS_OK) {
    rc = tool_lib_error(o, ctx, st, "allocating buffers");
    goto done;
  }
  fill_inputs(&io);
  for (long i = 0; i < warmup + runs; i++) {
    double a = tool_now();
    if ((st = cliq_session_run(s, io.n_in, io.in, io.n_out, io.out)) != CLIQ_STATUS_OK) {
      rc = tool_lib_error(o, ctx, st, "running '%s' at batch %zu", path, batch);
      goto done;
    }
    double dt = (tool_now() - a) * 1e3;
    if (i < warmup) continue;
    t[i - warmup] = dt;
    if (!add_profile(r, s, i == warmup)) {
      rc = tool_usage_error(o, "out of memory");
      goto done;
    }
  }
  qsort(t, (size_t)runs, sizeof *t, tool_cmp_double);
  r->median = percentile(t, (size_t)runs, 50);
  r->p10 = percentile(t, (size_t)runs, 10);
  r->p90 = percentile(t, (size_t)runs, 90);
  r->min = t[0];
  r->max = t[runs - 1];
  r->kernel_ms /= (double)runs;
  for (size_t k = 0; k < r->n_ops; k++) r->ops[k].ms /= (double)runs;
  qsort(r->ops, r->n_ops, sizeof *r->ops, cmp_op);
  cliq_session_memory(s, &r->weight_bytes, &r->activation_bytes);
done:
  free(t);
  tool_io_free(&io);
  cliq_session_destroy(s);
  return rc;
}

static void write_results(FILE *f, const bench_result *res, size_t n) {
  fprintf(f, "[");
  for (size_t i = 0; i < n; i++) {
    const bench_result *r = &res[i];
    if (r->error) {
      fprintf(f, "%s{\"batch\":%zu,\"error\":", i ? "," : "", r->batch);
      tool_json_str(f, r->error);
      fprintf(f, "}");
      continue;
    }
    fprintf(f,
            "%s{\"batch\":%zu,\"median_ms\":%.6g,\"p10_ms\":%.6g,\"p90_ms\":%.6g,\"min_ms\":%.6g,\"max_ms\":%.6g,"
            "\"images_per_s\":%.6g,\"kernel_ms\":%.6g,\"plan_ms\":%.6g,\"weight_bytes\":%llu,\"activation_bytes\":%llu,"
            "\"ops\":[",
            i ? "," : "", r->batch, r->median, r->p10, r->p90, r->min, r->max,
            r->median > 0 ? (double)r->batch * 1e3 / r->median : 0.0, r->kernel_ms, r->plan_ms,
            (unsigned long long)r->weight_bytes, (unsigned long long)r->activation_bytes);
    for (size_t k = 0; k < r->n_ops; k++) {
      fprintf(f, "%s{\"op\":", k ? "," : "");
      tool_json_str(f, r->ops[k].op);
      fprintf(f, ",\"ms\":%.6g,\"launches\":%zu}", r->ops[k].ms, r->ops[k].launches);
    }
    fprintf(f, "]}");
  }
  fprintf(f, "]");
}

/* One benchmarked model: its path and one result per batch size. */
typedef struct bench_run {
  const char *model;
  bench_result res[32];
  size_t n;
} bench_run;

/* int8/fp32 latency ratio of batch i (median over median); 0 when either is missing. */
static double ratio(const bench_run *base, const bench_run *cmp, size_t i) {
  if (i >= base->n || i >= cmp->n || base->res[i].error || cmp->res[i].error || !(base->res[i].median > 0)) return 0.0;
  return cmp->res[i].median / base->res[i].median;
}

static void write_json(FILE *f, const bench_run *run, const bench_run *cmp, const cliq_device_info *dev, const char *stamp,
                       long runs, long warmup) {
  fprintf(f, "{\"model\":");
  tool_json_str(f, run->model);
  tool_json_provenance(f, dev, false);
  fprintf(f, ",\"date\":\"%s\",\"runs\":%ld,\"warmup\":%ld,\"results\":", stamp, runs, warmup);
  write_results(f, run->res, run->n);
  if (cmp) {
    fprintf(f, ",\"compare\":{\"model\":");
    tool_json_str(f, cmp->model);
    fprintf(f, ",\"results\":");
    write_results(f, cmp->res, cmp->n);
    fprintf(f, "},\"ratios\":[");
    for (size_t i = 0, k = 0; i < run->n && i < cmp->n; i++)
      if (ratio(run, cmp, i) > 0) /* batch sizes both models ran */
        fprintf(f, "%s{\"batch\":%zu,\"median_ms\":%.6g,\"compare_median_ms\":%.6g,\"ratio\":%.6g}", k++ ? "," : "",
                run->res[i].batch, run->res[i].median, cmp->res[i].median, ratio(run, cmp, i));
    fprintf(f, "]");
  }
  fprintf(f, "}\n");
}

static void csv_field(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"') fputc('"', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

/* mkdir -p */
static bool make_dirs(const char *dir) {
  char buf[4096];
  int len = snprintf(buf, sizeof buf, "%s", dir);
  if (len < 0 || (size_t)len >= sizeof buf) return false;
  for (char *p = buf + 1; *p; p++)
    if (*p == '/') {
      *p = '\0';
      if (mkdir(buf, 0777) != 0 && errno != EEXIST) return false;
      *p = '/';
    }
  return mkdir(buf, 0777) == 0 || errno == EEXIST;
}

static void csv_rows(FILE *f, const bench_run *run, const cliq_device_info *dev, const char *stamp, long runs) {
  for (size_t i = 0; i < run->n; i++) {
    const bench_result *r = &run->res[i];
    if (r->error) continue;
    fprintf(f, "%s,", stamp);
    csv_field(f, tool_git_revision());
    fputc(',', f);
    csv_field(f, dev->name);
    fputc(',', f);
    csv_field(f, dev->driver);
    fputc(',', f);
    csv_field(f, run->model);
    fprintf(f, ",%zu,%ld,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%llu,%llu\n", r->batch, runs, r->median, r->p10, r->p90,
            r->min, r->max, r->median > 0 ? (double)r->batch * 1e3 / r->median : 0.0, r->kernel_ms, r->plan_ms,
            (unsigned long long)r->weight_bytes, (unsigned long long)r->activation_bytes);
  }
}

static int save_results(tool_opts *o, const char *dir, const bench_run *run, const bench_run *cmp, const cliq_device_info *dev,
                        const char *stamp, long runs, long warmup) {
  char path[4200];
  if (!make_dirs(dir)) return tool_usage_error(o, "cannot create results folder '%s': %s", dir, strerror(errno));
  int len = snprintf(path, sizeof path, "%s/bench.csv", dir);
  if (len < 0 || (size_t)len >= sizeof path) return tool_usage_error(o, "results folder name too long");
  struct stat sb;
  bool fresh = stat(path, &sb) != 0;
  FILE *f = fopen(path, "a");
  if (!f) return tool_usage_error(o, "cannot append to '%s': %s", path, strerror(errno));
  if (fresh)
    fprintf(f, "date,git,device,driver,model,batch,runs,median_ms,p10_ms,p90_ms,min_ms,max_ms,images_per_s,kernel_ms,"
               "plan_ms,weight_bytes,activation_bytes\n");
  csv_rows(f, run, dev, stamp, runs);
  if (cmp) csv_rows(f, cmp, dev, stamp, runs);
  fclose(f);
  len = snprintf(path, sizeof path, "%s/bench.jsonl", dir);
  if (len < 0 || (size_t)len >= sizeof path || !(f = fopen(path, "a"))) return tool_usage_error(o, "cannot append to '%s': %s", path, strerror(errno));
  write_json(f, run, cmp, dev, stamp, runs, warmup);
  fclose(f);
  return TOOL_EXIT_OK;
}

/* Loads run->model and benchmarks it at every batch size, printing each result unless --json. */
static int bench_model(tool_opts *o, cliq_context *ctx, bench_run *run, const size_t *batches, size_t n_batch, long warmup,
                       long runs, long top) {
  cliq_model *m = NULL;
  int rc = TOOL_EXIT_OK;
  if (tool_model(o, ctx, run->model, &m) != CLIQ_STATUS_OK) return TOOL_EXIT_USAGE;
  /* a batch size the model cannot run at (a Reshape fixing the batch, say) is reported and the
   * others still run; the exit code says something failed */
  for (size_t b = 0; b < n_batch; b++) {
    bench_result *r = &run->res[run->n++];
    if (bench_batch(o, ctx, m, run->model, batches[b], warmup, runs, r) != TOOL_EXIT_OK) {
      rc = TOOL_EXIT_USAGE;
      const char *msg = cliq_context_error(ctx);
      r->error = strdup(msg && msg[0] ? msg : "failed");
      continue;
    }
    if (o->json) continue;
    printf("%s batch %zu: median %.3f ms (p10 %.3f, p90 %.3f, min %.3f, max %.3f), %.1f images/s\n", run->model, r->batch,
           r->median, r->p10, r->p90, r->min, r->max, r->median > 0 ? (double)r->batch * 1e3 / r->median : 0.0);
    printf("  device memory: weights %.2f MiB, activations %.2f MiB; plan %.0f ms\n",
           (double)r->weight_bytes / 1048576.0, (double)r->activation_bytes / 1048576.0, r->plan_ms);
    if (r->n_ops) {
      printf("  device time per run %.3f ms by op (profiling events):\n", r->kernel_ms);
      for (size_t k = 0; k < r->n_ops && (long)k < top; k++)
        printf("    %-24s %9.3f ms  %5.1f%%  %zu launches\n", r->ops[k].op, r->ops[k].ms,
               r->kernel_ms > 0 ? 100.0 * r->ops[k].ms / r->kernel_ms : 0.0, r->ops[k].launches);
    }
  }
  cliq_model_destroy(m);
  return rc;
}

static void free_run(bench_run *run) {
  for (size_t i = 0; i < run->n; i++) {
    free(run->res[i].error);
    for (size_t k = 0; k < run->res[i].n_ops; k++) free(run->res[i].ops[k].op);
    free(run->res[i].ops);
  }
}

int cliq_cmd_bench_kernels(int argc, char **argv); /* tools/cmd_bench_kernels.c */

int cliq_cmd_bench(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "kernels") == 0) {
    return cliq_cmd_bench_kernels(argc - 1, argv + 1);
  }
  tool_opts o;
  tool_opts_init(&o, "bench", TOOL_OPT_DEVICE | TOOL_OPT_JSON | TOOL_OPT_DIMS);
  const char *model = NULL, *compare = NULL, *batches = "1", *results = NULL;
  long runs = 20, warmup = 3, top = 12;
  int save = 1;
  /* the source tree's bench/results while it exists (results are committed with the code that
   * made them), else ./bench/results */
  char default_results[4200];
  struct stat sb;
  bool have_src = CLIQ_SOURCE_DIR[0] && stat(CLIQ_SOURCE_DIR, &sb) == 0 && S_ISDIR(sb.st_mode);
  snprintf(default_results, sizeof default_results, "%s%sbench/results", have_src ? CLIQ_SOURCE_DIR : "",
           have_src ? "/" : "");
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      printf("usage: cliq bench MODEL.onnx [--batch 1,8] [--compare INT8.onnx] [--runs N] [--warmup N] [--top N]\n"
             "                  [--results DIR | --no-save] [options]\n"
             "       cliq bench kernels ...   (int8 convolution/GEMM kernels: 'cliq bench kernels --help')\n\n"
             "Per batch size: median end-to-end latency of N timed runs (default 20) after warm-up runs\n"
             "(default 3; the first runs build kernels), p10/p90/min/max, images/s, device time per op\n"
             "type from OpenCL profiling events (the N largest, default 12), device memory (weights,\n"
             "activations) and plan time. Inputs are fixed pseudo-random data. Results are appended to\n"
             "DIR/bench.csv and DIR/bench.jsonl (default %s) with device, driver and git revision.\n"
             "--compare INT8.onnx benchmarks a second model (e.g. the int8 model 'cliq quantize' made of\n"
             "MODEL) in the same run, batch by batch, and prints the latency ratio INT8/MODEL (< 1: the\n"
             "second is faster). JSON: {\"model\":..,\"results\":[{\"batch\":..,\"median_ms\":..,...}],\n"
             "\"compare\":{\"model\":..,\"results\":[..]},\"ratios\":[{\"batch\":..,\"ratio\":..}]}.\n\n",
             default_results);
      tool_print_common_help(stdout, o.accepts);
      return TOOL_EXIT_OK;
    }
    int r = tool_parse_common(&o, argc, argv, &i);
    if (r < 0) return TOOL_EXIT_USAGE;
    if (r == 1) continue;
    if (tool_is_opt(argv[i], "--batch")) {
      if (!(batches = tool_value(&o, argc, argv, &i))) return TOOL_EXIT_USAGE;
    } else if (tool_is_opt(argv[i], "--compare")) {
      if (!(compare = tool_value(&o, argc, argv, &i))) return TOOL_EXIT_USAGE;
    } else if (tool_is_opt(argv[i], "--runs")) {
      if (!tool_count_value(&o, argc, argv, &i, "--runs", 1, 100000, &runs)) return TOOL_EXIT_USAGE;
    } else if (tool_is_opt(argv[i], "--warmup")) {
      if (!tool_count_value(&o, argc, argv, &i, "--warmup", 0, 100000, &warmup)) return TOOL_EXIT_USAGE;
    } else if (tool_is_opt(argv[i], "--top")) {
      if (!tool_count_value(&o, argc, argv, &i, "--top", 0, 100000, &top)) return TOOL_EXIT_USAGE;
    } else if (tool_is_opt(argv[i], "--results")) {
      if (!(results = tool_value(&o, argc, argv, &i))) return TOOL_EXIT_USAGE;
    } else if (strcmp(argv[i], "--no-save") == 0) {
      save = 0;
    } else if (tool_model_arg(&o, argv[i], &model) != TOOL_EXIT_OK) {
      return TOOL_EXIT_USAGE;
    }
  }
  if (!model) return tool_usage_error(&o, "missing MODEL");
  size_t batch_list[32], n_batch = 0;
  for (const char *p = batches; *p;) {
    char *end;
    long b = strtol(p, &end, 10);
    if (end == p || b < 1 || b > 4096 || (*end && *end != ',') || n_batch == 32)
      return tool_usage_error(&o, "--batch '%s': expected sizes like 1,8", batches);
    batch_list[n_batch++] = (size_t)b;
    p = *end ? end + 1 : end;
  }
  if (!n_batch) return tool_usage_error(&o, "--batch '%s': expected sizes like 1,8", batches);

  cliq_context *ctx;
  if (tool_context(&o, NULL, 1, &ctx) != CLIQ_STATUS_OK) return TOOL_EXIT_USAGE;
  bench_run *run = calloc(2, sizeof *run); /* the model, then the --compare one */
  if (!run) {
    cliq_context_destroy(ctx);
    return tool_usage_error(&o, "out of memory");
  }
  run[0].model = model;
  run[1].model = compare;
  cliq_device_info dev;
  cliq_context_device(ctx, &dev);
  char stamp[32];
  time_t now = time(NULL);
  struct tm tmv;
  strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tmv));
  if (!o.json)
    printf("%s%s%s on %s / %s (driver %s), git %s: %ld timed runs after %ld warm-up\n", model, compare ? " vs " : "",
           compare ? compare : "", dev.platform, dev.name, dev.driver, tool_git_revision(), runs, warmup);
  int rc = bench_model(&o, ctx, &run[0], batch_list, n_batch, warmup, runs, top);
  if (compare) {
    int rc2 = bench_model(&o, ctx, &run[1], batch_list, n_batch, warmup, runs, top);
    if (rc == TOOL_EXIT_OK) rc = rc2;
  }
  const bench_run *cmp = compare ? &run[1] : NULL;
  if (cmp && !o.json) {
    printf("latency ratio %s / %s (median over median; < 1: the second is faster):\n", compare, model);
    for (size_t i = 0; i < run[0].n && i < run[1].n; i++)
      if (ratio(&run[0], cmp, i) > 0)
        printf("  batch %zu: %.3f ms / %.3f ms = %.3f\n", run[0].res[i].batch, run[1].res[i].median, run[0].res[i].median,
               ratio(&run[0], cmp, i));
      else
        printf("  batch %zu: not run by both\n", run[0].res[i].batch);
  }
  if (run[0].n) { /* what ran is reported and saved even when some batch size failed */
    if (o.json) write_json(stdout, &run[0], cmp, &dev, stamp, runs, warmup);
    if (save) {
      const char *dir = results ? results : default_results;
      int rs = save_results(&o, dir, &run[0], cmp, &dev, stamp, runs, warmup);
      if (rs == TOOL_EXIT_OK && !o.json) printf("results appended to %s/bench.csv and bench.jsonl\n", dir);
      if (rc == TOOL_EXIT_OK) rc = rs;
    }
  }
  free_run(&run[0]);
  free_run(&run[1]);
  free(run);
  cliq_context_destroy(ctx);
  return rc;
}
