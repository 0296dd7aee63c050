/*
 * harness.c — the shared test harness (see harness.h).
 */
#include "harness.h"

#include "harness_graph.h"
#include "model.h"
#include "onnx_tensor.h"

#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

uint64_t th_seed;
static uint64_t rng_state;
static size_t n_pass, n_fail;
static const char *test_name = "test";

void th_init(const char *name) {
  test_name = name;
  const char *e = getenv("CLIQ_TEST_SEED");
  th_seed = e && e[0] ? strtoull(e, NULL, 0) : (uint64_t)time(NULL) * 2654435761u;
  rng_state = th_seed ? th_seed : 1;
  printf("%s: seed %llu (replay with CLIQ_TEST_SEED=%llu)\n", name, (unsigned long long)th_seed,
         (unsigned long long)th_seed);
  fflush(stdout);
}

int th_finish(void) {
  printf("%s: %zu passed, %zu failed\n", test_name, n_pass, n_fail);
  fflush(stdout);
  return n_fail ? 1 : 0;
}

void th_skip(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  printf("%s: SKIPPED: ", test_name);
  vprintf(fmt, ap);
  printf("\n");
  va_end(ap);
  fflush(stdout);
  exit(TH_SKIP);
}

size_t th_failures(void) { return n_fail; }

bool th_check(bool cond, const char *file, int line, const char *fmt, ...) {
  if (cond) {
    n_pass++;
    return true;
  }
  n_fail++;
  va_list ap;
  va_start(ap, fmt);
  printf("FAIL %s:%d: ", file, line);
  vprintf(fmt, ap);
  printf(" (seed %llu)\n", (unsigned long long)th_seed);
  va_end(ap);
  fflush(stdout);
  return false;
}

bool th_expect_status(cliq_context *ctx, cliq_status got, cliq_status want, const char *what) {
  if (got == want) {
    n_pass++;
    return true;
  }
  n_fail++;
  printf("FAIL %s: got %s, want %s: %s (seed %llu)\n", what, cliq_status_name(got), cliq_status_name(want),
         ctx ? cliq_context_error(ctx) : "", (unsigned long long)th_seed);
  fflush(stdout);
  return false;
}

uint64_t th_rand(void) {
  /* splitmix64: good enough, and the same sequence on every platform */
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

float th_uniform(float lo, float hi) { return lo + (hi - lo) * (float)((th_rand() >> 40) * (1.0 / 16777216.0)); }

int th_randint(int lo, int hi) { return lo + (int)(th_rand() % (uint64_t)(hi - lo + 1)); }

cliq_context *th_device_context(void) {
  cliq_context *ctx = NULL;
  char err[1024] = "";
  cliq_context_options o = cliq_context_options_default();
  o.errbuf = err;
  o.errbuf_size = sizeof err;
  cliq_status st = cliq_context_create(&o, &ctx);
  if (st == CLIQ_STATUS_NO_DEVICE) th_skip("no OpenCL device: %s", err);
  if (st != CLIQ_STATUS_OK) {
    printf("FAIL creating a context: %s: %s\n", cliq_status_name(st), err);
    exit(1);
  }
  cliq_device_info info;
  cliq_context_device(ctx, &info);
  printf("device: %s / %s (driver %s; int8 paths %s)\n", info.platform, info.name, info.driver, info.int8_paths);
  return ctx;
}

double th_now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

int th_cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

cliq_context *th_ref_context(void) {
  cliq_context *ctx = NULL;
  cliq_context_options o = cliq_context_options_default();
  o.device = "ref";
  /* CLIQ_DEVICE would override the option; the reference context must be the reference */
  const char *saved = getenv("CLIQ_DEVICE");
  char *copy = saved ? strdup(saved) : NULL;
  if (saved) unsetenv("CLIQ_DEVICE");
  cliq_status st = cliq_context_create(&o, &ctx);
  if (copy) {
    setenv("CLIQ_DEVICE", copy, 1);
    free(copy);
  }
  if (st != CLIQ_STATUS_OK) {
    printf("FAIL creating the reference context: %s\n", cliq_status_name(st));
    exit(1);
  }
  return ctx;
}

const char *th_shared_dir(void) {
  static char buf[4096];
  const char *e = getenv("CLIQ_SHARED_DIR");
  const char *dir = e && e[0] ? e : CLIQ_SHARED_DIR;
  struct stat st;
  snprintf(buf, sizeof buf, "%s/models", dir);
  if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode)) return NULL;
  snprintf(buf, sizeof buf, "%s", dir);
  return buf;
}

cliq__tensor *th_tensor(cliq_dtype dtype, int rank, const int64_t *dims) {
  cliq__tensor *t;
  if (cliq__tensor_new(dtype, rank, dims, &t) != CLIQ_STATUS_OK) {
    printf("FAIL allocating a test tensor\n");
    exit(1);
  }
  return t;
}

cliq__tensor *th_tensor_random(cliq_dtype dtype, int rank, const int64_t *dims, float lo, float hi) {
  cliq__tensor *t = th_tensor(dtype, rank, dims);
  size_t n = cliq__tensor_elems(t);
  for (size_t i = 0; i < n; i++) {
    float f = th_uniform(lo, hi);
    switch (dtype) {
    case CLIQ_DTYPE_FLOAT32: ((float *)t->data)[i] = f; break;
    case CLIQ_DTYPE_INT8: ((int8_t *)t->data)[i] = (int8_t)th_randint((int)lo, (int)hi); break;
    case CLIQ_DTYPE_UINT8: ((uint8_t *)t->data)[i] = (uint8_t)th_randint((int)lo, (int)hi); break;
    case CLIQ_DTYPE_INT32: ((int32_t *)t->data)[i] = th_randint((int)lo, (int)hi); break;
    case CLIQ_DTYPE_INT64: ((int64_t *)t->data)[i] = th_randint((int)lo, (int)hi); break;
    case CLIQ_DTYPE_BOOL: ((uint8_t *)t->data)[i] = (uint8_t)(th_rand() & 1); break;
    default: break;
    }
  }
  return t;
}

void th_fill_poison(void *data, size_t nbytes) { memset(data, 0xA5, nbytes); }

/* th_op builds through the one graph builder (harness_graph.h): a tg graph with one node. */
struct th_op {
  tg *t;
  int node;
  size_t n_runtime;
};

th_op *th_op_new(const char *op_type, int opset) {
  th_op *op = calloc(1, sizeof *op);
  if (!op) {
    printf("FAIL out of memory building a test graph\n");
    exit(1);
  }
  op->t = tg_new(opset);
  op->node = tg_node_ex(op->t, "", op_type, "op", NULL, 0, NULL, 0);
  return op;
}

void th_op_free(th_op *op) {
  if (!op) return;
  tg_free(op->t);
  free(op);
}

int th_op_input(th_op *op, cliq_dtype dtype, int rank, const int64_t *dims) {
  char name[32];
  snprintf(name, sizeof name, "x%zu", op->n_runtime);
  tg_node_input(op->t, op->node, tg_input(op->t, name, dtype, rank, dims, NULL));
  return (int)op->n_runtime++;
}

void th_op_const(th_op *op, const cliq__tensor *t) {
  char name[32];
  snprintf(name, sizeof name, "c%zu", th_op_node(op)->n_inputs);
  tg_node_input(op->t, op->node, tg_const(op->t, name, t));
}

void th_op_absent(th_op *op) { tg_node_input(op->t, op->node, -1); }

void th_op_outputs(th_op *op, size_t n) {
  for (size_t i = 0; i < n; i++) {
    char name[32];
    snprintf(name, sizeof name, "y%zu", i);
    int v = tg_value(op->t, name);
    tg_node_output(op->t, op->node, v);
    tg_output(op->t, v);
  }
}

cliq__node *th_op_node(th_op *op) { return &tg_graph(op->t)->nodes[op->node]; }

cliq_status th_op_model(th_op *op, cliq_context *ctx, cliq_model **out) {
  /* Through the ONNX writer and reader, as a user's file would go: every op test also tests
   * export and import (attribute forms, canonicalisation, initializers). */
  return tg_model_onnx(op->t, ctx, out);
}

void th_free_tensors(cliq__tensor **t, size_t n) {
  if (!t) return;
  for (size_t i = 0; i < n; i++) cliq__tensor_free(t[i]);
  free(t);
}

cliq_status th_run(cliq_context *ctx, const cliq_model *m, size_t n_in, cliq__tensor *const *in, size_t *n_out,
                   cliq__tensor ***out) {
  *out = NULL;
  *n_out = 0;
  cliq_session *s = NULL;
  cliq_session_options so = cliq_session_options_default();
  so.batch = 0;
  /* bind symbolic dims from the given inputs' shapes */
  cliq_dim_binding binds[64];
  size_t nb = 0;
  for (size_t i = 0; i < n_in && i < cliq_model_input_count(m); i++) {
    cliq_tensor_info info;
    cliq_model_input(m, i, &info);
    for (size_t d = 0; d < info.rank && nb < 64; d++)
      if (info.dim_names[d] && (int)d < in[i]->rank) {
        binds[nb].name = info.dim_names[d];
        binds[nb].value = in[i]->dims[d];
        nb++;
      }
    if (info.rank && in[i]->rank && info.dims[0] < 0 && !info.dim_names[0]) so.batch = (size_t)in[i]->dims[0];
  }
  so.dims = binds;
  so.n_dims = nb;
  cliq_status st = cliq_session_create(ctx, m, &so, &s);
  if (st != CLIQ_STATUS_OK) return st;
  size_t no = cliq_model_output_count(m);
  cliq_buffer *ib = calloc(n_in + 1, sizeof *ib), *ob = calloc(no + 1, sizeof *ob);
  cliq__tensor **outs = calloc(no + 1, sizeof *outs);
  for (size_t i = 0; i < n_in; i++) {
    ib[i].dtype = in[i]->dtype;
    ib[i].data = in[i]->data;
    ib[i].size = in[i]->nbytes;
  }
  for (size_t i = 0; i < no; i++) {
    cliq_tensor_info info;
    cliq_session_output(s, i, &info);
    outs[i] = th_tensor(info.dtype, (int)info.rank, info.dims);
    if (outs[i]->nbytes) th_fill_poison(outs[i]->data, outs[i]->nbytes);
    ob[i].dtype = info.dtype;
    ob[i].data = outs[i]->data;
    ob[i].size = outs[i]->nbytes;
  }
  st = cliq_session_run(s, n_in, ib, no, ob);
  free(ib);
  free(ob);
  cliq_session_destroy(s);
  if (st != CLIQ_STATUS_OK) {
    th_free_tensors(outs, no);
    return st;
  }
  *out = outs;
  *n_out = no;
  return CLIQ_STATUS_OK;
}

bool th_compare_f32(const char *what, const float *got, const float *want, size_t n, float atol, float rtol) {
  for (size_t i = 0; i < n; i++) {
    float g = got[i], w = want[i];
    bool both_nan = g != g && w != w;
    bool ok = both_nan || (g == w) || (float)fabs((double)g - (double)w) <= atol + rtol * (float)fabs((double)w);
    if (!ok) {
      size_t bad = 0;
      for (size_t j = i; j < n; j++)
        if (!(got[j] == want[j] || fabs((double)got[j] - (double)want[j]) <= atol + rtol * fabs((double)want[j]))) bad++;
      return th_check(false, __FILE__, __LINE__, "%s: element %zu: got %.9g, want %.9g (|diff| %.3g > %.3g + %.3g*|want|); %zu of %zu differ",
                      what, i, g, w, fabs((double)g - (double)w), atol, rtol, bad, n);
    }
  }
  return th_check(true, __FILE__, __LINE__, "%s", what);
}

bool th_compare_bytes(const char *what, const void *got, const void *want, size_t nbytes) {
  const unsigned char *g = got, *w = want;
  for (size_t i = 0; i < nbytes; i++)
    if (g[i] != w[i])
      return th_check(false, __FILE__, __LINE__, "%s: byte %zu: got 0x%02x, want 0x%02x", what, i, g[i], w[i]);
  return th_check(true, __FILE__, __LINE__, "%s", what);
}

bool th_compare_tensor(const char *what, const cliq__tensor *got, const cliq__tensor *want, float atol, float rtol) {
  char a[128], b[128];
  if (got->dtype != want->dtype || got->rank != want->rank || memcmp(got->dims, want->dims, sizeof(int64_t) * (size_t)got->rank) != 0)
    return th_check(false, __FILE__, __LINE__, "%s: got %s %s, want %s %s", what, cliq_dtype_name(got->dtype),
                    cliq__dims_str(got->rank, got->dims, a, sizeof a), cliq_dtype_name(want->dtype),
                    cliq__dims_str(want->rank, want->dims, b, sizeof b));
  if (got->dtype == CLIQ_DTYPE_FLOAT32)
    return th_compare_f32(what, got->data, want->data, cliq__tensor_elems(got), atol, rtol);
  if (got->dtype == CLIQ_DTYPE_INT8 || got->dtype == CLIQ_DTYPE_UINT8) {
    /* print int8 mismatches as numbers */
    for (size_t i = 0; i < got->nbytes; i++) {
      int gv = got->dtype == CLIQ_DTYPE_INT8 ? ((int8_t *)got->data)[i] : ((uint8_t *)got->data)[i];
      int wv = want->dtype == CLIQ_DTYPE_INT8 ? ((int8_t *)want->data)[i] : ((uint8_t *)want->data)[i];
      if (gv != wv) return th_check(false, __FILE__, __LINE__, "%s: element %zu: got %d, want %d", what, i, gv, wv);
    }
    return th_check(true, __FILE__, __LINE__, "%s", what);
  }
  return th_compare_bytes(what, got->data, want->data, got->nbytes);
}

static cliq_context *cmp_dev, *cmp_ref;

bool th_op_compare(th_op *op, size_t n_in, cliq__tensor *const *in, float atol, float rtol, const char *what) {
  if (!cmp_dev) cmp_dev = th_device_context();
  if (!cmp_ref) cmp_ref = th_ref_context();
  cliq_model *md = NULL, *mr = NULL;
  cliq_status sd = th_op_model(op, cmp_dev, &md), sr = th_op_model(op, cmp_ref, &mr);
  char label[512];
  if (sd != sr) {
    cliq_model_destroy(md);
    cliq_model_destroy(mr);
    return th_check(false, __FILE__, __LINE__, "%s: loading: device says %s (%s), reference says %s (%s)", what,
                    cliq_status_name(sd), cliq_context_error(cmp_dev), cliq_status_name(sr), cliq_context_error(cmp_ref));
  }
  if (sd != CLIQ_STATUS_OK)
    return th_check(false, __FILE__, __LINE__, "%s: load failed: %s: %s", what, cliq_status_name(sd), cliq_context_error(cmp_dev));
  cliq__tensor **od = NULL, **orf = NULL;
  size_t nd = 0, nr = 0;
  sr = th_run(cmp_ref, mr, n_in, in, &nr, &orf);
  if (sr != CLIQ_STATUS_OK) {
    bool r = th_check(false, __FILE__, __LINE__, "%s: reference run failed: %s: %s", what, cliq_status_name(sr),
                      cliq_context_error(cmp_ref));
    cliq_model_destroy(md);
    cliq_model_destroy(mr);
    return r;
  }
  sd = th_run(cmp_dev, md, n_in, in, &nd, &od);
  bool ok = true;
  if (sd != CLIQ_STATUS_OK) {
    ok = th_check(false, __FILE__, __LINE__, "%s: device run failed: %s: %s", what, cliq_status_name(sd), cliq_context_error(cmp_dev));
  } else {
    for (size_t i = 0; i < nd && i < nr; i++) {
      snprintf(label, sizeof label, "%s output %zu", what, i);
      ok = th_compare_tensor(label, od[i], orf[i], atol, rtol) && ok;
    }
  }
  th_free_tensors(od, nd);
  th_free_tensors(orf, nr);
  cliq_model_destroy(md);
  cliq_model_destroy(mr);
  return ok;
}

void *th_read_file(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  void *buf = malloc(n > 0 ? (size_t)n : 1);
  if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  if (size) *size = (size_t)n;
  return buf;
}

cliq__tensor *th_read_pb(const char *path) {
  size_t size;
  void *buf = th_read_file(path, &size);
  if (!buf) return NULL;
  cliq__tensor *t = NULL;
  char *name = NULL;
  cliq_status st = cliq__tensor_read_pb(NULL, buf, size, &t, &name);
  free(buf);
  free(name);
  if (st != CLIQ_STATUS_OK) {
    cliq__tensor_free(t);
    return NULL;
  }
  return t;
}

static int cmp_name(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

char **th_list_dir(const char *dir, size_t *n) {
  *n = 0;
  DIR *d = opendir(dir);
  if (!d) return NULL;
  size_t cap = 64;
  char **names = malloc(cap * sizeof *names);
  struct dirent *e;
  while (names && (e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    if (*n == cap) {
      char **grown = realloc(names, (cap *= 2) * sizeof *names);
      if (!grown) break;
      names = grown;
    }
    if ((names[*n] = strdup(e->d_name)) != NULL) (*n)++;
  }
  closedir(d);
  if (names) qsort(names, *n, sizeof *names, cmp_name);
  return names;
}

void th_free_list(char **names, size_t n) {
  for (size_t i = 0; i < n; i++) free(names[i]);
  free(names);
}
