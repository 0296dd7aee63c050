/*
 * gemm_f32.c — benchmark of cliq's float convolution kernels on conv-shaped problems: every
 * GEMM_F32 variant of host/cl/variants.h that can run on the device (CLBlast SGEMM included, the
 * comparison the fast kernels are judged by), on the layer shapes of bench/shapes/ (*.txt).
 *
 *   bench_gemm_f32 [--shapes FILE]... [--repeat N] [--no-clblast] [--filter TEXT] [--out DIR] [--verbose]
 * (--verbose prints every launch's time of the last run to stderr)
 *
 * Each layer runs as a one-node Conv session (batch 1, with bias) on a profiling context, so what
 * is measured is exactly what a model runs: the planner's path (direct kernel for depthwise, pack
 * or im2col + GEMM otherwise), forced to a variant with CLIQ_TUNE=GEMM_F32=<variant>. Times come
 * from OpenCL profiling events (median of --repeat runs after 2 warm-up runs, which also absorb
 * PoCL's and CLBlast's first-use compiles). GFLOP/s = 2 * MACs / time, for the GEMM launch alone
 * ("gemm", events), the whole layer's launches including packing/im2col/epilogue ("layer",
 * events) and the layer's session run by a monotonic clock ("wall": what the own-vs-CLBlast ratio
 * uses, since CLBlast's event covers only its last kernel, not its whole SGEMM).
 * Results: a table on stdout and bench/results/gemm_f32-<device>.{csv,json} with a header naming
 * device, driver, git revision and date. Timings on a shared machine are indicative.
 */
#include "harness_graph.h"
#include "harness.h"

#include "cl/variant.h"
#include "context.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef CLIQ_BENCH_DIR
#define CLIQ_BENCH_DIR "bench"
#endif

typedef struct shape {
  char name[96];
  int C, H, W, M, KH, KW, S, P, D, G;
} shape;

typedef struct result {
  double gemm_ms, layer_ms, wall_ms; /* medians; < 0: not run */
} result;

static size_t read_shapes(const char *path, shape **out, size_t n) {
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "cannot read %s\n", path);
    return n;
  }
  char line[512];
  while (fgets(line, sizeof line, f)) {
    if (line[0] == '#' || line[0] == '\n') continue;
    shape s;
    if (sscanf(line, "%95s %d %d %d %d %d %d %d %d %d %d", s.name, &s.C, &s.H, &s.W, &s.M, &s.KH, &s.KW, &s.S, &s.P, &s.D,
               &s.G) != 11)
      continue;
    *out = realloc(*out, (n + 1) * sizeof **out);
    (*out)[n++] = s;
  }
  fclose(f);
  return n;
}

static int64_t out_size(int in, int k, int s, int p, int d) { return (in + 2 * p - ((k - 1) * d + 1)) / s + 1; }

static double macs_of(const shape *s) {
  return (double)s->M * out_size(s->H, s->KH, s->S, s->P, s->D) * out_size(s->W, s->KW, s->S, s->P, s->D) *
         (double)(s->C / s->G) * s->KH * s->KW;
}

/* Runs one layer with the current CLIQ_TUNE; fills the medians. */
static bool verbose;

static bool run_layer(cliq_context *ctx, const shape *s, int repeat, result *r) {
  r->gemm_ms = r->layer_ms = r->wall_ms = -1;
  tg *t = tg_new(13);
  int64_t xd[4] = {1, s->C, s->H, s->W}, wd[4] = {s->M, s->C / s->G, s->KH, s->KW}, bd[1] = {s->M};
  int in[3] = {tg_input(t, "x", CLIQ_DTYPE_FLOAT32, 4, xd, NULL), tg_const_random(t, "w", 4, wd, -1, 1),
               tg_const_random(t, "b", 1, bd, -1, 1)};
  int y = tg_value(t, "y");
  tg_node_ex(t, "", "Conv", s->name, in, 3, &y, 1);
  int64_t st[2] = {s->S, s->S}, dl[2] = {s->D, s->D}, pads[4] = {s->P, s->P, s->P, s->P};
  cliq__node *n = tg_last_node(t);
  cliq__node_set_ints(n, "strides", st, 2);
  cliq__node_set_ints(n, "dilations", dl, 2);
  cliq__node_set_ints(n, "pads", pads, 4);
  if (s->G > 1) cliq__node_set_int(n, "group", s->G);
  tg_output(t, y);
  cliq_model *m = NULL;
  cliq_session *sess = NULL;
  bool ok = tg_model(t, ctx, &m) == CLIQ_STATUS_OK && cliq_session_create(ctx, m, NULL, &sess) == CLIQ_STATUS_OK;
  if (!ok) {
    fprintf(stderr, "%s: %s\n", s->name, cliq_context_error(ctx));
  } else {
    cliq__tensor *x = th_tensor_random(CLIQ_DTYPE_FLOAT32, 4, xd, -1, 1);
    cliq_tensor_info oi;
    cliq_session_output(sess, 0, &oi);
    cliq__tensor *yt = th_tensor(CLIQ_DTYPE_FLOAT32, (int)oi.rank, oi.dims);
    cliq_buffer ib = {CLIQ_DTYPE_FLOAT32, x->data, x->nbytes}, ob = {CLIQ_DTYPE_FLOAT32, yt->data, yt->nbytes};
    double *g = calloc((size_t)repeat, sizeof(double)), *l = calloc((size_t)repeat, sizeof(double)),
           *wl = calloc((size_t)repeat, sizeof(double));
    for (int i = -2; i < repeat && ok; i++) {
      double t0 = th_now_ms();
      ok = cliq_session_run(sess, 1, &ib, 1, &ob) == CLIQ_STATUS_OK;
      if (i >= 0) wl[i] = th_now_ms() - t0;
      const cliq_op_time *times;
      size_t nt;
      if (!ok || i < 0 || cliq_session_profile(sess, &times, &nt) != CLIQ_STATUS_OK) continue;
      if (verbose && i == repeat - 1)
        for (size_t k = 0; k < nt; k++) fprintf(stderr, "  [%s] %s %.3f ms\n", s->name, times[k].kernel, times[k].ms);
      for (size_t k = 0; k < nt; k++) {
        l[i] += times[k].ms;
        if (strcmp(times[k].kernel, "gemm_f32") == 0 || strcmp(times[k].kernel, "clblast_sgemm") == 0) g[i] += times[k].ms;
      }
    }
    if (ok) {
      qsort(g, (size_t)repeat, sizeof(double), th_cmp_double);
      qsort(l, (size_t)repeat, sizeof(double), th_cmp_double);
      qsort(wl, (size_t)repeat, sizeof(double), th_cmp_double);
      r->gemm_ms = g[repeat / 2] > 0 ? g[repeat / 2] : -1;
      r->layer_ms = l[repeat / 2];
      r->wall_ms = wl[repeat / 2];
    } else {
      fprintf(stderr, "%s: run failed: %s\n", s->name, cliq_context_error(ctx));
    }
    free(g);
    free(l);
    free(wl);
    cliq__tensor_free(x);
    cliq__tensor_free(yt);
  }
  cliq_session_destroy(sess);
  cliq_model_destroy(m);
  tg_free(t);
  return ok;
}

static void git_revision(char *buf, size_t size) {
  snprintf(buf, size, "unknown");
  FILE *p = popen("git -C " CLIQ_BENCH_DIR " rev-parse --short HEAD 2>/dev/null", "r");
  if (!p) return;
  if (fgets(buf, (int)size, p)) buf[strcspn(buf, "\n")] = '\0';
  if (!buf[0]) snprintf(buf, size, "unknown");
  pclose(p);
}

static double gflops(double macs, double ms) { return ms > 0 ? 2.0 * macs / (ms * 1e6) : 0.0; }

int main(int argc, char **argv) {
  const char *files[16];
  int n_files = 0, repeat = 10;
  bool clblast = true;
  const char *filter = NULL, *out_dir = CLIQ_BENCH_DIR "/results";
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--shapes") == 0 && i + 1 < argc && n_files < 16) files[n_files++] = argv[++i];
    else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) repeat = atoi(argv[++i]);
    else if (strcmp(argv[i], "--no-clblast") == 0) clblast = false;
    else if (strcmp(argv[i], "--filter") == 0 && i + 1 < argc) filter = argv[++i];
    else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) out_dir = argv[++i];
    else if (strcmp(argv[i], "--verbose") == 0) verbose = true;
    else {
      fprintf(stderr, "usage: %s [--shapes FILE]... [--repeat N] [--no-clblast] [--filter TEXT] [--out DIR] [--verbose]\n", argv[0]);
      return 2;
    }
  }
  if (repeat < 1) repeat = 1;
  static const char *def[] = {CLIQ_BENCH_DIR "/shapes/mobilenet_v2.txt", CLIQ_BENCH_DIR "/shapes/resnet50.txt",
                              CLIQ_BENCH_DIR "/shapes/shared_models.txt"};
  if (!n_files)
    for (int i = 0; i < 3; i++) files[n_files++] = def[i];
  shape *shapes = NULL;
  size_t n_shapes = 0;
  for (int i = 0; i < n_files; i++) n_shapes = read_shapes(files[i], &shapes, n_shapes);

  cliq_context_options o = cliq_context_options_default();
  o.profiling = 1;
  char err[512] = "";
  o.errbuf = err;
  o.errbuf_size = sizeof err;
  cliq_context *ctx = NULL;
  if (cliq_context_create(&o, &ctx) != CLIQ_STATUS_OK) {
    fprintf(stderr, "no device: %s\n", err);
    return 77;
  }
  const cliq__device *dev = &ctx->dev;
  const cliq__variant *def_v = cliq__variant_pick(dev, CLIQ__VK_GEMM_F32, "GEMM_F32");
  int vids[CLIQ__VARIANT_COUNT], nv = 0;
  for (int i = 0; i < CLIQ__VARIANT_COUNT; i++) {
    const cliq__variant *v = &cliq__variants[i];
    if (v->kind != CLIQ__VK_GEMM_F32 || !v->where(dev) || (!v->program && !clblast)) continue;
    vids[nv++] = i;
  }
  char rev[64], date[32], devname[160];
  git_revision(rev, sizeof rev);
  time_t now = time(NULL);
  strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", localtime(&now));
  snprintf(devname, sizeof devname, "%s", dev->name);
  for (char *c = devname; *c; c++)
    if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '-')) *c = '_';
  printf("# device %s / %s, driver %s, cliq %s, %s, median of %d runs; default variant %s\n", dev->platform, dev->name,
         dev->driver, rev, date, repeat, def_v ? def_v->name : "none");
  printf("%-28s %5s %6s %5s %3s %-7s", "layer", "M", "N", "K", "G", "path");
  for (int j = 0; j < nv; j++) printf(" %16s", cliq__variants[vids[j]].name);
  printf("  %s\n", "best/clblast (wall)");
  printf("%-28s %5s %6s %5s %3s %-7s", "", "", "", "", "", "");
  for (int j = 0; j < nv; j++) printf(" %16s", "gemm|wall GF/s");
  printf("\n");

  char path[1024];
  snprintf(path, sizeof path, "%s/gemm_f32-%s.csv", out_dir, devname);
  FILE *csv = fopen(path, "w");
  snprintf(path, sizeof path, "%s/gemm_f32-%s.json", out_dir, devname);
  FILE *json = fopen(path, "w");
  if (csv) {
    fprintf(csv, "# device=%s / %s; driver=%s; git=%s; date=%s; repeat=%d; default=%s\n", dev->platform, dev->name, dev->driver,
            rev, date, repeat, def_v ? def_v->name : "none");
    fprintf(csv, "layer,Cin,H,W,Cout,KH,KW,stride,pad,dilation,group,M,N,K,path,variant,gemm_ms,layer_ms,wall_ms,gemm_gflops,layer_gflops,wall_gflops\n");
  }
  if (json)
    fprintf(json, "{\"device\": \"%s / %s\", \"driver\": \"%s\", \"git\": \"%s\", \"date\": \"%s\", \"repeat\": %d, \"default_variant\": \"%s\", \"layers\": [",
            dev->platform, dev->name, dev->driver, rev, date, repeat, def_v ? def_v->name : "none");
  double log_ratio = 0;
  int n_ratio = 0;
  for (size_t si = 0; si < n_shapes; si++) {
    const shape *s = &shapes[si];
    if (filter && !strstr(s->name, filter)) continue;
    int64_t oh = out_size(s->H, s->KH, s->S, s->P, s->D), ow = out_size(s->W, s->KW, s->S, s->P, s->D);
    if (oh < 1 || ow < 1) continue;
    bool direct = s->G > 1 && s->C / s->G <= 4;
    double macs = macs_of(s);
    int64_t M = s->M / s->G, N = oh * ow, K = (int64_t)(s->C / s->G) * s->KH * s->KW;
    printf("%-28.28s %5lld %6lld %5lld %3d %-7s", s->name, (long long)M, (long long)N, (long long)K, s->G, direct ? "direct" : "gemm");
    fflush(stdout);
    double best_own = 0, blast = 0; /* layer GFLOP/s by wall clock */
    if (json) fprintf(json, "%s\n  {\"layer\": \"%s\", \"M\": %lld, \"N\": %lld, \"K\": %lld, \"group\": %d, \"macs\": %.0f, \"results\": {",
                      si ? "," : "", s->name, (long long)M, (long long)N, (long long)K, s->G, macs);
    for (int j = 0; j < nv; j++) {
      const cliq__variant *v = &cliq__variants[vids[j]];
      result r = {-1, -1, -1};
      if (!direct || j == 0) {
        char tune[96];
        snprintf(tune, sizeof tune, "GEMM_F32=%s", v->name);
        setenv("CLIQ_TUNE", tune, 1);
        run_layer(ctx, s, repeat, &r);
      }
      /* CLBlast's event covers only the last of its kernels: its GEMM time is not measurable by
       * events, so the comparison uses the layer's wall time (session run, one wait) for all */
      if (!v->program) r.gemm_ms = -1;
      double gg = r.gemm_ms > 0 ? gflops(macs, r.gemm_ms) : 0, gl = r.layer_ms > 0 ? gflops(macs, r.layer_ms) : 0,
             gw = r.wall_ms > 0 ? gflops(macs, r.wall_ms) : 0;
      if (direct && j > 0) printf(" %16s", "");
      else if (r.gemm_ms > 0) printf(" %7.1f|%-8.1f", gg, gw);
      else printf(" %7s|%-8.1f", "-", gw);
      fflush(stdout);
      if (v->program && gw > best_own) best_own = gw;
      if (!v->program) blast = gw;
      if (csv && r.layer_ms > 0)
        fprintf(csv, "%s,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%lld,%lld,%lld,%s,%s,%.6f,%.6f,%.6f,%.3f,%.3f,%.3f\n", s->name, s->C, s->H, s->W,
                s->M, s->KH, s->KW, s->S, s->P, s->D, s->G, (long long)M, (long long)N, (long long)K, direct ? "direct" : "gemm",
                direct ? "direct" : v->name, r.gemm_ms, r.layer_ms, r.wall_ms, gg, gl, gw);
      if (json && r.layer_ms > 0)
        fprintf(json, "%s\"%s\": {\"gemm_ms\": %.6f, \"layer_ms\": %.6f, \"wall_ms\": %.6f, \"gemm_gflops\": %.3f, \"layer_gflops\": %.3f, \"wall_gflops\": %.3f}",
                j ? ", " : "", direct ? "direct" : v->name, r.gemm_ms, r.layer_ms, r.wall_ms, gg, gl, gw);
    }
    unsetenv("CLIQ_TUNE");
    if (best_own > 0 && blast > 0) {
      printf("  %.2fx\n", best_own / blast);
      log_ratio += log(best_own / blast);
      n_ratio++;
    } else {
      printf("\n");
    }
    if (json) fprintf(json, "}, \"best_over_clblast\": %.4f}", best_own > 0 && blast > 0 ? best_own / blast : 0.0);
  }
  if (n_ratio) printf("# geometric mean over %d GEMM layers of (best own variant / CLBlast), layer wall time: %.2fx\n", n_ratio, exp(log_ratio / n_ratio));
  if (json) {
    fprintf(json, "\n], \"geomean_best_over_clblast\": %.4f}\n", n_ratio ? exp(log_ratio / n_ratio) : 0.0);
    fclose(json);
  }
  if (csv) fclose(csv);
  printf("# results in %s/gemm_f32-%s.{csv,json}\n", out_dir, devname);
  free(shapes);
  cliq_context_destroy(ctx);
  return 0;
}
