/*
 * cmd_bench_kernels.c — `cliq bench kernels`: int8 convolution kernels against fp32 on conv layer
 * shapes read from the .txt files of bench/shapes (one conv per line: name Cin H W Cout KH KW stride pad
 * dilation group; '#' comments).
 *
 * For each shape: every int8 variant of host/cl/variants_q8.h that runs on the device (a one-op
 * QConv session per variant, forced with cliq.variant), cliq's own fp32 Conv (a one-op session, so
 * whatever fp32 kernel the Conv op plans is measured) and CLBlast SGEMM on the im2col'd shape
 * (M = Cout/group, N = OH*OW, K = Cin/group*KH*KW, per group; timed by a wall clock around the calls
 * and clFinish, since CLBlast's event covers only its last kernel). cliq's time is device time from
 * OpenCL profiling events: the sum of the node's launches (packing included), median of --repeat runs
 * after two warm-up runs; GOP/s = 2 * MACs / time. Reported: GOP/s per path, the int8/fp32 ratio
 * (best int8 path over own fp32), the share of the device's int8 peak, and over all shapes the
 * geometric mean int8_over_fp32_geomean. Results go to stdout (table, or one JSON object with
 * --json) and to bench/results/kernels-<device>.json and .csv with device, driver and git revision.
 *
 * Entry point: int cliq_cmd_bench_kernels(int argc, char **argv), argv[0] the command name, then
 * options (the CLI's `cliq bench kernels ...` forwards here).
 */
#include "tool_common.h"

#include "../host/cl/variants_q8.h"
#include "../host/context.h"
#include "../host/graph.h"
#include "../host/model.h"

#include <clblast_c.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int cliq_cmd_bench_kernels(int argc, char **argv);

#define MAX_PATHS 16

typedef struct shape {
  char name[64];
  int64_t cin, h, w, cout, kh, kw, stride, pad, dil, group;
  int64_t oh, ow;
  uint64_t macs;
} shape;

typedef struct result {
  char path[32];
  double ms, gops, kernel_gops;
} result;

typedef struct options {
  const char *shape_files[32];
  size_t n_shape_files;
  bool json, no_clblast;
  int repeat;
  const char *device;
  const char *out_dir;
  double peak;
  const char *only; /* comma-separated variant names */
  bool verbose;      /* per-launch medians before each shape's line */
  bool best;         /* --stat min: the fastest of the runs instead of the median */
} options;

/* which of the sorted run times is reported: the median, or with --stat min the fastest (on a
 * machine shared with other work the median measures the contention as much as the kernel) */
static bool stat_min;
static size_t pick(int repeat) { return stat_min ? 0 : (size_t)repeat / 2; }

static void usage(FILE *f) {
  fprintf(f,
          "usage: cliq bench kernels [--shapes FILE]... [--json] [--repeat N] [--device SPEC] [--no-clblast]\n"
          "                          [--variants a,b] [--peak GOPS] [--out DIR] [--verbose]\n"
          "                          [--stat median|min]\n"
          "  int8 conv kernels (every variant that runs here) vs cliq's fp32 Conv and CLBlast SGEMM on conv\n"
          "  shapes (default: every .txt in bench/shapes). GOP/s = 2*MACs / device time (profiling events,\n"
          "  median of N runs after warm-up). Results also in DIR/kernels-<device>.json|csv (DIR:\n"
          "  bench/results). --peak sets the int8 peak used for the share column (default: 1485 GOP/s for\n"
          "  VNNI under PoCL on 2 cores at 2.9 GHz, unknown elsewhere). --verbose prints each launch's time\n"
          "  before the shape's line. --stat min reports the fastest run instead of the median (on a\n"
          "  shared machine the median also measures other work).\n");
}

/* ---- shapes ---------------------------------------------------------------------------------- */

static int read_shapes(const char *path, shape **out, size_t *n, size_t *cap) {
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "cliq bench kernels: cannot read shapes file '%s'\n", path);
    return -1;
  }
  char line[512];
  int lineno = 0;
  while (fgets(line, sizeof line, f)) {
    lineno++;
    char *hash = strchr(line, '#');
    if (hash) *hash = '\0';
    shape s;
    memset(&s, 0, sizeof s);
    long long v[10];
    int k = sscanf(line, "%63s %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld", s.name, &v[0], &v[1], &v[2], &v[3],
                   &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]);
    if (k <= 0) continue;
    if (k != 11) {
      fprintf(stderr, "%s:%d: expected 'name Cin H W Cout KH KW stride pad dilation group'\n", path, lineno);
      fclose(f);
      return -1;
    }
    s.cin = v[0], s.h = v[1], s.w = v[2], s.cout = v[3], s.kh = v[4], s.kw = v[5];
    s.stride = v[6], s.pad = v[7], s.dil = v[8], s.group = v[9];
    bool ok = s.cin > 0 && s.h > 0 && s.w > 0 && s.cout > 0 && s.kh > 0 && s.kw > 0 && s.stride > 0 && s.pad >= 0 &&
              s.dil > 0 && s.group > 0 && s.cin % s.group == 0 && s.cout % s.group == 0;
    s.oh = (s.h + 2 * s.pad - ((s.kh - 1) * s.dil + 1)) / s.stride + 1;
    s.ow = (s.w + 2 * s.pad - ((s.kw - 1) * s.dil + 1)) / s.stride + 1;
    if (!ok || s.oh < 1 || s.ow < 1) {
      fprintf(stderr, "%s:%d: shape '%s' is not a valid convolution\n", path, lineno, s.name);
      fclose(f);
      return -1;
    }
    s.macs = (uint64_t)(s.cout * s.oh * s.ow) * (uint64_t)(s.cin / s.group * s.kh * s.kw);
    if (*n == *cap) {
      *cap = *cap ? *cap * 2 : 64;
      *out = realloc(*out, *cap * sizeof **out);
    }
    (*out)[(*n)++] = s;
  }
  fclose(f);
  return 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* ---- one-op sessions --------------------------------------------------------------------------- */

static uint32_t rng = 12345;
static int rnd(int lo, int hi) {
  rng = rng * 1664525u + 1013904223u;
  return lo + (int)((rng >> 8) % (uint32_t)(hi - lo + 1));
}

static cliq__quant *quant1(float s, int z) {
  cliq__quant *q = cliq__quant_new(1, 0);
  q->scale[0] = s;
  q->zero_point[0] = z;
  return q;
}

/* A graph of one conv (QConv int8 or Conv fp32) over shape s; variant forces an int8 kernel. */
static cliq__graph *conv_graph(const shape *s, bool int8, const char *variant) {
  cliq__graph *g = cliq__graph_new();
  g->opset = 13;
  g->ir_version = 8;
  g->inputs = malloc(sizeof(int));
  g->outputs = malloc(sizeof(int));
  int x = cliq__graph_add_value(g, "x"), w = cliq__graph_add_value(g, "w"), b = cliq__graph_add_value(g, "b");
  int y = cliq__graph_add_value(g, "y");
  int64_t xd[4] = {1, s->cin, s->h, s->w}, wd[4] = {s->cout, s->cin / s->group, s->kh, s->kw}, bd[1] = {s->cout};
  cliq__value_set_shape(&g->values[x], int8 ? CLIQ_DTYPE_INT8 : CLIQ_DTYPE_FLOAT32, 4, xd);
  g->values[x].flags |= CLIQ__VALUE_GRAPH_INPUT;
  g->inputs[g->n_inputs++] = x;
  cliq__tensor *wt, *bt;
  cliq__tensor_new(int8 ? CLIQ_DTYPE_INT8 : CLIQ_DTYPE_FLOAT32, 4, wd, &wt);
  cliq__tensor_new(int8 ? CLIQ_DTYPE_INT32 : CLIQ_DTYPE_FLOAT32, 1, bd, &bt);
  size_t nw = cliq__tensor_elems(wt);
  for (size_t i = 0; i < nw; i++) {
    if (int8) ((int8_t *)wt->data)[i] = (int8_t)rnd(-127, 127);
    else ((float *)wt->data)[i] = (float)rnd(-1000, 1000) * 1e-3f;
  }
  for (int64_t i = 0; i < s->cout; i++) {
    if (int8) ((int32_t *)bt->data)[i] = rnd(-10000, 10000);
    else ((float *)bt->data)[i] = (float)rnd(-1000, 1000) * 1e-3f;
  }
  cliq__value_set_constant(&g->values[w], wt);
  cliq__value_set_constant(&g->values[b], bt);
  g->values[w].flags |= CLIQ__VALUE_INITIALIZER;
  g->values[b].flags |= CLIQ__VALUE_INITIALIZER;
  g->values[y].flags |= CLIQ__VALUE_GRAPH_OUTPUT;
  g->outputs[g->n_outputs++] = y;
  if (int8) {
    g->values[x].quant = quant1(0.02f, 3);
    g->values[w].quant = quant1(0.01f, 0);
    g->values[y].quant = quant1(0.5f, -5);
  }
  int in[3] = {x, w, b}, out[1] = {y};
  int n = cliq__graph_add_node(g, int8 ? "QConv" : "Conv", int8 ? "cliq" : "", "conv", in, 3, out, 1);
  cliq__node *nd = &g->nodes[n];
  nd->opset = int8 ? 1 : 13;
  int64_t two[2] = {s->stride, s->stride}, dil[2] = {s->dil, s->dil}, pads[4] = {s->pad, s->pad, s->pad, s->pad};
  cliq__node_set_ints(nd, "strides", two, 2);
  cliq__node_set_ints(nd, "dilations", dil, 2);
  cliq__node_set_ints(nd, "pads", pads, 4);
  cliq__node_set_int(nd, "group", s->group);
  if (variant) cliq__node_set_string(nd, "cliq.variant", variant);
  cliq__graph_update_producers(g);
  return g;
}

/* Median device time (ms) of the session's launches, total and of launches whose kernel name
 * starts with kernel_prefix (NULL: none). Returns false with a message on failure. */
static bool time_session(cliq_context *ctx, cliq__graph *g, int repeat, const char *kernel_prefix, FILE *vf,
                         double *ms, double *kernel_ms, char *err, size_t err_size) {
  cliq_model *m = NULL;
  cliq_session *s = NULL;
  bool ok = false;
  void *xin = NULL, *yout = NULL;
  double *t = NULL, *tk = NULL, *tl = NULL; /* tl: [launch][repeat] for verbose */
  size_t n_launch = 0;
  if (cliq__model_from_graph(ctx, g, NULL, &m) != CLIQ_STATUS_OK ||
      cliq_session_create(ctx, m, NULL, &s) != CLIQ_STATUS_OK) {
    snprintf(err, err_size, "%s", cliq_context_error(ctx));
    goto out;
  }
  cliq_tensor_info ii, oi;
  cliq_session_input(s, 0, &ii);
  cliq_session_output(s, 0, &oi);
  size_t ni = cliq_dtype_size(ii.dtype), no = cliq_dtype_size(oi.dtype);
  for (size_t i = 0; i < ii.rank; i++) ni *= (size_t)ii.dims[i];
  for (size_t i = 0; i < oi.rank; i++) no *= (size_t)oi.dims[i];
  xin = malloc(ni);
  yout = malloc(no);
  t = malloc((size_t)repeat * sizeof(double));
  tk = malloc((size_t)repeat * sizeof(double));
  for (size_t i = 0; i < ni; i++) ((uint8_t *)xin)[i] = (uint8_t)rnd(0, 255);
  if (ii.dtype == CLIQ_DTYPE_FLOAT32)
    for (size_t i = 0; i < ni / 4; i++) ((float *)xin)[i] = (float)rnd(-1000, 1000) * 1e-3f;
  cliq_buffer ib = {ii.dtype, xin, ni}, ob = {oi.dtype, yout, no};
  for (int r = -2; r < repeat; r++) {
    if (cliq_session_run(s, 1, &ib, 1, &ob) != CLIQ_STATUS_OK) {
      snprintf(err, err_size, "%s", cliq_context_error(ctx));
      goto out;
    }
    if (r < 0) continue;
    const cliq_op_time *times;
    size_t nt;
    cliq_session_profile(s, &times, &nt);
    double sum = 0, ks = 0;
    for (size_t i = 0; i < nt; i++) {
      sum += times[i].ms;
      if (kernel_prefix && strncmp(times[i].kernel, kernel_prefix, strlen(kernel_prefix)) == 0) ks += times[i].ms;
    }
    t[r] = sum;
    tk[r] = ks;
    if (vf && r == 0) {
      n_launch = nt;
      tl = calloc(nt * (size_t)repeat + 1, sizeof *tl);
    }
    for (size_t i = 0; tl && i < nt && i < n_launch; i++) tl[i * (size_t)repeat + (size_t)r] = times[i].ms;
  }
  if (tl) {
    const cliq_op_time *times;
    size_t nt;
    cliq_session_profile(s, &times, &nt);
    for (size_t i = 0; i < n_launch && i < nt; i++) {
      qsort(tl + i * (size_t)repeat, (size_t)repeat, sizeof *tl, tool_cmp_double);
      fprintf(vf, "    %-24s %8.1f us\n", times[i].kernel, 1e3 * tl[i * (size_t)repeat + pick(repeat)]);
    }
  }
  qsort(t, (size_t)repeat, sizeof *t, tool_cmp_double);
  qsort(tk, (size_t)repeat, sizeof *tk, tool_cmp_double);
  *ms = t[pick(repeat)];
  *kernel_ms = tk[pick(repeat)];
  ok = true;
out:
  free(xin);
  free(yout);
  free(t);
  free(tk);
  free(tl);
  cliq_session_destroy(s);
  cliq_model_destroy(m);
  return ok;
}

/* CLBlast SGEMM on the im2col'd shape, one call per group; median ms. */
static bool time_clblast(cliq_context *ctx, const shape *s, int repeat, double *ms, char *err, size_t err_size) {
  const size_t M = (size_t)(s->cout / s->group), N = (size_t)(s->oh * s->ow), K = (size_t)(s->cin / s->group * s->kh * s->kw);
  cl_int e1, e2, e3;
  cl_mem a = clCreateBuffer(ctx->cl, CL_MEM_READ_WRITE, M * K * 4, NULL, &e1);
  cl_mem b = clCreateBuffer(ctx->cl, CL_MEM_READ_WRITE, K * N * 4, NULL, &e2);
  cl_mem c = clCreateBuffer(ctx->cl, CL_MEM_READ_WRITE, M * N * 4, NULL, &e3);
  bool ok = a && b && c;
  double *t = malloc((size_t)repeat * sizeof(double));
  if (!ok) snprintf(err, err_size, "allocating CLBlast buffers failed");
  float zero = 0.0f;
  if (ok) {
    clEnqueueFillBuffer(ctx->queue, a, &zero, 4, 0, M * K * 4, 0, NULL, NULL);
    clEnqueueFillBuffer(ctx->queue, b, &zero, 4, 0, K * N * 4, 0, NULL, NULL);
  }
  /* Wall clock around the calls and a clFinish: CLBlast may enqueue several kernels (padding,
   * transposes) and its event covers only the last one. */
  for (int r = -1; ok && r < repeat; r++) {
    clFinish(ctx->queue);
    const double t0 = tool_now();
    for (int64_t g = 0; g < s->group && ok; g++) {
      CLBlastStatusCode st = CLBlastSgemm(CLBlastLayoutRowMajor, CLBlastTransposeNo, CLBlastTransposeNo, M, N, K, 1.0f, a,
                                          0, K, b, 0, N, 0.0f, c, 0, N, &ctx->queue, NULL);
      if (st != CLBlastSuccess) {
        snprintf(err, err_size, "CLBlastSgemm failed with status %d", (int)st);
        ok = false;
      }
    }
    clFinish(ctx->queue);
    if (r >= 0) t[r] = (tool_now() - t0) * 1e3;
  }
  if (ok) {
    qsort(t, (size_t)repeat, sizeof *t, tool_cmp_double);
    *ms = t[pick(repeat)];
  }
  free(t);
  if (a) clReleaseMemObject(a);
  if (b) clReleaseMemObject(b);
  if (c) clReleaseMemObject(c);
  return ok;
}

/* ---- output ------------------------------------------------------------------------------------ */

/* A measured figure (time, rate, ratio): null when it was not measured (0 or less). */
static void json_figure(FILE *f, double v) {
  if (isfinite(v) && v > 0) fprintf(f, "%.6g", v);
  else fputs("null", f);
}

typedef struct shape_result {
  result paths[MAX_PATHS];
  size_t n_paths;
  int best;          /* index of the best int8 path, -1 none */
  double fp32_gops;  /* 0 when unavailable */
  double clblast_gops;
  char fp32_err[256], clblast_err[256];
} shape_result;

static void write_json(FILE *f, const cliq_device_info *d, double peak, const shape *sh, const shape_result *res, size_t n,
                       double geomean) {
  fprintf(f, "{");
  tool_json_provenance(f, d, true);
  fprintf(f, ", \"statistic\": \"%s\"", stat_min ? "min" : "median");
  fprintf(f, ", \"peak_int8_gops\": ");
  json_figure(f, peak);
  fprintf(f, ", \"shapes\": [");
  for (size_t i = 0; i < n; i++) {
    const shape *s = &sh[i];
    const shape_result *r = &res[i];
    fprintf(f, "%s\n  {\"name\": ", i ? "," : "");
    tool_json_str(f, s->name);
    fprintf(f, ", \"cin\": %lld, \"h\": %lld, \"w\": %lld, \"cout\": %lld, \"kh\": %lld, \"kw\": %lld, \"stride\": %lld, "
               "\"pad\": %lld, \"dilation\": %lld, \"group\": %lld, \"macs\": %llu, \"int8\": {",
            (long long)s->cin, (long long)s->h, (long long)s->w, (long long)s->cout, (long long)s->kh, (long long)s->kw,
            (long long)s->stride, (long long)s->pad, (long long)s->dil, (long long)s->group, (unsigned long long)s->macs);
    for (size_t p = 0; p < r->n_paths; p++) {
      fprintf(f, "%s", p ? ", " : "");
      tool_json_str(f, r->paths[p].path);
      fprintf(f, ": {\"ms\": ");
      json_figure(f, r->paths[p].ms);
      fprintf(f, ", \"gops\": ");
      json_figure(f, r->paths[p].gops);
      fprintf(f, ", \"kernel_gops\": ");
      json_figure(f, r->paths[p].kernel_gops);
      fprintf(f, "}");
    }
    fprintf(f, "}, \"best_int8\": ");
    if (r->best >= 0) tool_json_str(f, r->paths[r->best].path);
    else fputs("null", f);
    double best = r->best >= 0 ? r->paths[r->best].gops : 0;
    fprintf(f, ", \"fp32_own_gops\": ");
    json_figure(f, r->fp32_gops);
    fprintf(f, ", \"clblast_gops\": ");
    json_figure(f, r->clblast_gops);
    fprintf(f, ", \"int8_over_fp32\": ");
    json_figure(f, r->fp32_gops > 0 ? best / r->fp32_gops : 0);
    fprintf(f, ", \"peak_share\": ");
    json_figure(f, peak > 0 ? best / peak : 0);
    fprintf(f, "}");
  }
  fprintf(f, "\n], \"int8_over_fp32_geomean\": ");
  json_figure(f, geomean);
  fprintf(f, "}\n");
}

static void write_csv(FILE *f, const cliq_device_info *d, const shape *sh, const shape_result *res, size_t n) {
  fprintf(f, "# device=%s driver=%s git=%s statistic=%s\n", d->name, d->driver, tool_git_revision(),
          stat_min ? "min" : "median");
  fprintf(f, "name,cin,h,w,cout,kh,kw,stride,pad,dilation,group,macs,path,ms,gops,kernel_gops\n");
  for (size_t i = 0; i < n; i++) {
    const shape *s = &sh[i];
    for (size_t p = 0; p < res[i].n_paths + 2; p++) {
      const char *name;
      double ms, gops, kg = 0;
      if (p < res[i].n_paths) {
        name = res[i].paths[p].path;
        ms = res[i].paths[p].ms;
        gops = res[i].paths[p].gops;
        kg = res[i].paths[p].kernel_gops;
      } else if (p == res[i].n_paths) {
        name = "fp32_own";
        gops = res[i].fp32_gops;
        ms = gops > 0 ? 2.0 * (double)s->macs / gops * 1e-6 : 0;
      } else {
        name = "clblast_fp32";
        gops = res[i].clblast_gops;
        ms = gops > 0 ? 2.0 * (double)s->macs / gops * 1e-6 : 0;
      }
      if (gops <= 0) continue;
      fprintf(f, "%s,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%llu,%s,%.6g,%.6g,%.6g\n", s->name,
              (long long)s->cin, (long long)s->h, (long long)s->w, (long long)s->cout, (long long)s->kh, (long long)s->kw,
              (long long)s->stride, (long long)s->pad, (long long)s->dil, (long long)s->group,
              (unsigned long long)s->macs, name, ms, gops, kg);
    }
  }
}

/* ---- the command ------------------------------------------------------------------------------- */

int cliq_cmd_bench_kernels(int argc, char **argv) {
  options o;
  memset(&o, 0, sizeof o);
  o.repeat = 7;
  o.out_dir = "bench/results";
  o.peak = -1;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    bool more = i + 1 < argc;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      return 0;
    } else if (strcmp(a, "--json") == 0) {
      o.json = true;
    } else if (strcmp(a, "--verbose") == 0) {
      o.verbose = true;
    } else if (strcmp(a, "--stat") == 0 && more && (strcmp(argv[i + 1], "min") == 0 || strcmp(argv[i + 1], "median") == 0)) {
      o.best = strcmp(argv[++i], "min") == 0;
    } else if (strcmp(a, "--no-clblast") == 0) {
      o.no_clblast = true;
    } else if (strcmp(a, "--shapes") == 0 && more && o.n_shape_files < 32) {
      o.shape_files[o.n_shape_files++] = argv[++i];
    } else if (strcmp(a, "--repeat") == 0 && more) {
      o.repeat = atoi(argv[++i]);
      if (o.repeat < 1) {
        fprintf(stderr, "cliq bench kernels: --repeat must be >= 1\n");
        return 2;
      }
    } else if (strcmp(a, "--device") == 0 && more) {
      o.device = argv[++i];
    } else if (strcmp(a, "--out") == 0 && more) {
      o.out_dir = argv[++i];
    } else if (strcmp(a, "--variants") == 0 && more) {
      o.only = argv[++i];
    } else if (strcmp(a, "--peak") == 0 && more) {
      o.peak = atof(argv[++i]);
    } else {
      fprintf(stderr, "cliq bench kernels: unknown or incomplete option '%s'\n", a);
      usage(stderr);
      return 2;
    }
  }
  stat_min = o.best;
  /* shapes */
  shape *shapes = NULL;
  size_t n_shapes = 0, cap = 0;
  char *found[64];
  size_t n_found = 0;
  if (o.n_shape_files == 0) {
    DIR *dir = opendir("bench/shapes");
    if (!dir) {
      fprintf(stderr, "cliq bench kernels: no --shapes given and no bench/shapes/ here (run from the source tree)\n");
      return 2;
    }
    struct dirent *de;
    while ((de = readdir(dir)) && n_found < 64) {
      size_t l = strlen(de->d_name);
      if (l > 4 && strcmp(de->d_name + l - 4, ".txt") == 0) {
        found[n_found] = malloc(l + 16);
        snprintf(found[n_found], l + 16, "bench/shapes/%s", de->d_name);
        n_found++;
      }
    }
    closedir(dir);
    qsort(found, n_found, sizeof *found, cmp_str);
    for (size_t i = 0; i < n_found && o.n_shape_files < 32; i++) o.shape_files[o.n_shape_files++] = found[i];
  }
  int rc = 0;
  for (size_t i = 0; i < o.n_shape_files; i++)
    if (read_shapes(o.shape_files[i], &shapes, &n_shapes, &cap) != 0) rc = 2;
  if (rc == 0 && n_shapes == 0) {
    fprintf(stderr, "cliq bench kernels: no shapes\n");
    rc = 2;
  }
  cliq_context *ctx = NULL;
  char errbuf[1024] = "";
  if (rc == 0) {
    cliq_context_options co = cliq_context_options_default();
    co.device = o.device;
    co.profiling = 1;
    co.errbuf = errbuf;
    co.errbuf_size = sizeof errbuf;
    if (cliq_context_create(&co, &ctx) != CLIQ_STATUS_OK || ctx->dev.is_reference) {
      fprintf(stderr, "cliq bench kernels: no OpenCL device: %s\n", errbuf);
      rc = 2;
    }
  }
  if (rc != 0) {
    for (size_t i = 0; i < n_found; i++) free(found[i]);
    free(shapes);
    cliq_context_destroy(ctx);
    return rc;
  }
  const cliq__device *d = &ctx->dev;
  double peak = o.peak >= 0 ? o.peak : d->has_vnni ? 1485.0 : 0.0;
  cliq_device_info info; /* the public view of d, for the results' provenance */
  cliq_context_device(ctx, &info);
  FILE *tf = o.json ? stderr : stdout; /* progress table; stdout stays one JSON object with --json */
  fprintf(tf, "device: %s / %s (driver %s; int8 paths %s); git %s; %s of %d runs\n", d->platform, d->name, d->driver,
          d->int8_paths, tool_git_revision(), stat_min ? "fastest" : "median", o.repeat);
  if (peak > 0)
    fprintf(tf, "assumed int8 peak: %.0f GOP/s%s\n", peak,
            o.peak >= 0 ? " (--peak)" : " (VNNI vpdpbusd, 2 cores x 2.9 GHz: shared/notes/pocl-performance.md)");
  else
    fprintf(tf, "int8 peak unknown for this device (give --peak GOPS for the share column)\n");
  fprintf(tf, "%-14s %10s  %-40s %9s %9s %7s %7s\n", "shape", "MMAC", "int8 GOP/s (incl. packing) [gemm only]", "fp32 own",
          "clblast", "i8/f32", "%peak");
  shape_result *res = calloc(n_shapes, sizeof *res);
  double log_sum = 0;
  size_t n_ratio = 0;
  for (size_t i = 0; i < n_shapes; i++) {
    const shape *s = &shapes[i];
    shape_result *r = &res[i];
    r->best = -1;
    const bool dw = s->group == s->cin && s->group > 1 && s->cin / s->group == 1;
    char line[512] = "";
    /* int8 variants: GEMM variants on dense convs, depthwise ones on depthwise convs */
    for (int pass = 0; pass < 2; pass++) {
      size_t count = pass == 0 ? 0 : 0;
      (void)count;
      const char *names[MAX_PATHS];
      size_t nn = 0;
      if (pass == 0 && !dw)
        for (const cliq__q8_gemm_variant *v = cliq__q8_gemm_variants; v->name && nn < MAX_PATHS; v++) {
          if (v->available(d)) names[nn++] = v->name;
        }
      if (pass == 1 && dw)
        for (const cliq__q8_dw_variant *v = cliq__q8_dw_variants; v->name && nn < MAX_PATHS; v++)
          if (v->available(d)) names[nn++] = v->name;
      for (size_t k = 0; k < nn && r->n_paths < MAX_PATHS; k++) {
        if (o.only) {
          size_t l = strlen(names[k]);
          const char *p = o.only;
          bool want = false;
          while ((p = strstr(p, names[k])) != NULL) {
            if ((p == o.only || p[-1] == ',') && (p[l] == ',' || p[l] == '\0')) want = true;
            p += l;
          }
          if (!want) continue;
        }
        double ms = 0, kms = 0;
        char err[512];
        cliq__graph *g = conv_graph(s, true, names[k]);
        if (!time_session(ctx, g, o.repeat, dw ? "q8_dw" : "q8_gemm", o.verbose ? tf : NULL, &ms, &kms, err, sizeof err)) {
          fprintf(tf, "  %s %s: failed: %s\n", s->name, names[k], err);
          continue;
        }
        result *pr = &r->paths[r->n_paths++];
        snprintf(pr->path, sizeof pr->path, "%s", names[k]);
        pr->ms = ms;
        pr->gops = ms > 0 ? 2.0 * (double)s->macs / (ms * 1e6) : 0;
        pr->kernel_gops = kms > 0 ? 2.0 * (double)s->macs / (kms * 1e6) : 0;
        if (r->best < 0 || pr->gops > r->paths[r->best].gops) r->best = (int)(r->n_paths - 1);
        size_t l = strlen(line);
        snprintf(line + l, sizeof line - l, "%s %.0f [%.0f] ", pr->path, pr->gops, pr->kernel_gops);
      }
    }
    /* fp32: cliq's own Conv */
    {
      double ms = 0, kms = 0;
      cliq__graph *g = conv_graph(s, false, NULL);
      if (time_session(ctx, g, o.repeat, NULL, o.verbose ? tf : NULL, &ms, &kms, r->fp32_err, sizeof r->fp32_err) && ms > 0)
        r->fp32_gops = 2.0 * (double)s->macs / (ms * 1e6);
      else if (i == 0)
        fprintf(tf, "  fp32 Conv unavailable: %s\n", r->fp32_err);
    }
    if (!o.no_clblast) {
      double ms = 0;
      if (time_clblast(ctx, s, o.repeat, &ms, r->clblast_err, sizeof r->clblast_err) && ms > 0)
        r->clblast_gops = 2.0 * (double)s->macs / (ms * 1e6);
      else
        fprintf(tf, "  %s: CLBlast: %s\n", s->name, r->clblast_err);
    }
    double best = r->best >= 0 ? r->paths[r->best].gops : 0;
    double ratio = r->fp32_gops > 0 && best > 0 ? best / r->fp32_gops : 0;
    if (ratio > 0) {
      log_sum += log(ratio);
      n_ratio++;
    }
    char f32[16] = "-", clb[16] = "-", rat[16] = "-", pk[16] = "-";
    if (r->fp32_gops > 0) snprintf(f32, sizeof f32, "%.0f", r->fp32_gops);
    if (r->clblast_gops > 0) snprintf(clb, sizeof clb, "%.0f", r->clblast_gops);
    if (ratio > 0) snprintf(rat, sizeof rat, "%.2f", ratio);
    if (peak > 0 && best > 0) snprintf(pk, sizeof pk, "%.0f%%", 100.0 * best / peak);
    fprintf(tf, "%-14s %10.1f  %-40s %9s %9s %7s %7s\n", s->name, (double)s->macs * 1e-6, line, f32, clb, rat, pk);
    fflush(tf);
  }
  double geomean = n_ratio ? exp(log_sum / (double)n_ratio) : 0;
  if (n_ratio) fprintf(tf, "int8 / own fp32, geometric mean over %zu shapes: %.2f\n", n_ratio, geomean);
  else fprintf(tf, "int8 / own fp32: no fp32 Conv timing (the fp32 Conv op is not in this build)\n");
  if (o.json) write_json(stdout, &info, peak, shapes, res, n_shapes, geomean);
  /* results files */
  char dev_name[128];
  snprintf(dev_name, sizeof dev_name, "%s", d->name);
  for (char *c = dev_name; *c; c++)
    if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '-' || *c == '.'))
      *c = '_';
  mkdir(o.out_dir, 0777);
  char path[1024];
  snprintf(path, sizeof path, "%s/kernels-%s.json", o.out_dir, dev_name);
  FILE *f = fopen(path, "w");
  if (f) {
    write_json(f, &info, peak, shapes, res, n_shapes, geomean);
    fclose(f);
    snprintf(path, sizeof path, "%s/kernels-%s.csv", o.out_dir, dev_name);
    f = fopen(path, "w");
    if (f) {
      write_csv(f, &info, shapes, res, n_shapes);
      fclose(f);
    }
    fprintf(tf, "results: %s/kernels-%s.json|csv\n", o.out_dir, dev_name);
  } else {
    fprintf(tf, "could not write results to %s\n", path);
  }
  for (size_t i = 0; i < n_found; i++) free(found[i]);
  free(shapes);
  free(res);
  cliq_context_destroy(ctx);
  return 0;
}
