/*
 * test_core.c — the runtime core: status names, device selection (CLIQ_DEVICE syntax), the
 * on-disk program cache, memory planning by liveness (activations share buffers), intermediate
 * tensors, profiling, and misuse of the session API.
 */
#include "harness_graph.h"

#include "context.h"
#include "model.h"
#include "session.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static size_t count_files(const char *dir) {
  DIR *d = opendir(dir);
  size_t n = 0;
  if (!d) return 0;
  struct dirent *e;
  while ((e = readdir(d)))
    if (strstr(e->d_name, ".clbin")) n++;
  closedir(d);
  return n;
}

static void test_status_names(void) {
  TH_CHECK(strcmp(cliq_status_name(CLIQ_STATUS_INVALID_MODEL), "CLIQ_STATUS_INVALID_MODEL") == 0, "status name");
  TH_CHECK(strcmp(cliq_status_name((cliq_status)999), "CLIQ_STATUS_UNKNOWN") == 0, "unknown status name");
  TH_CHECK(cliq_status_string(CLIQ_STATUS_OK)[0] != '\0', "status string");
  TH_CHECK(cliq_dtype_size(CLIQ_DTYPE_INT64) == 8 && cliq_dtype_size(CLIQ_DTYPE_UNDEFINED) == 0, "dtype sizes");
}

static void test_device_selection(void) {
  unsetenv("CLIQ_DEVICE");
  size_t n = 0;
  cliq_device_list(NULL, NULL, &n);
  if (n == 0) {
    printf("no OpenCL device: device-selection checks skipped\n");
    return;
  }
  const char *ok_specs[] = {"", "cpu", "0", "pthread", "PORTABLE"};
  for (size_t i = 0; i < sizeof ok_specs / sizeof ok_specs[0]; i++) {
    cliq_context_options o = cliq_context_options_default();
    o.device = ok_specs[i];
    cliq_context *ctx = NULL;
    cliq_status st = cliq_context_create(&o, &ctx);
    TH_CHECK(st == CLIQ_STATUS_OK && ctx, "device '%s' selects a device (%s)", ok_specs[i], cliq_status_name(st));
    cliq_context_destroy(ctx);
  }
  char err[2048];
  cliq_context_options o = cliq_context_options_default();
  o.device = "no-such-device-xyz";
  o.errbuf = err;
  o.errbuf_size = sizeof err;
  cliq_context *ctx = (cliq_context *)&o; /* must be reset to NULL on failure */
  cliq_status st = cliq_context_create(&o, &ctx);
  TH_CHECK(st == CLIQ_STATUS_NO_DEVICE && ctx == NULL, "unknown device name: %s", cliq_status_name(st));
  TH_CHECK(strstr(err, "no-such-device-xyz") && strstr(err, "devices:"), "message names the spec and lists devices: %s", err);
  o.device = "99";
  st = cliq_context_create(&o, &ctx);
  TH_CHECK(st == CLIQ_STATUS_NO_DEVICE, "index out of range gives NO_DEVICE (%s)", cliq_status_name(st));
  /* the environment overrides the option */
  setenv("CLIQ_DEVICE", "ref", 1);
  o.device = "cpu";
  st = cliq_context_create(&o, &ctx);
  cliq_device_info info;
  if (st == CLIQ_STATUS_OK) cliq_context_device(ctx, &info);
  TH_CHECK(st == CLIQ_STATUS_OK && info.is_gpu == -1, "CLIQ_DEVICE=ref overrides the option");
  cliq_context_destroy(ctx);
  unsetenv("CLIQ_DEVICE");
  cliq_context_destroy(NULL); /* fine */
}

/* x -> Relu -> Sigmoid -> Tanh -> ... a chain of n unary ops */
static cliq_model *chain_model(cliq_context *ctx, int n, int64_t elems) {
  tg *t = tg_new(13);
  int v = tg_input(t, "x", CLIQ_DTYPE_FLOAT32, 1, &elems, NULL);
  static const char *ops[] = {"Relu", "Sigmoid", "Tanh", "Exp"};
  for (int i = 0; i < n; i++) {
    char name[32];
    snprintf(name, sizeof name, "t%d", i);
    int o = tg_value(t, name);
    tg_node_ex(t, "", ops[i % 4], NULL, &v, 1, &o, 1); /* unnamed: the graph names it */
    v = o;
  }
  tg_output(t, v);
  cliq_model *m = NULL;
  cliq_status st = tg_model(t, ctx, &m);
  tg_free(t);
  return st == CLIQ_STATUS_OK ? m : NULL;
}

static void test_memory_and_intermediates(cliq_context *ctx) {
  const int64_t elems = 4096;
  cliq_model *m = chain_model(ctx, 8, elems);
  TH_CHECK(m != NULL, "chain model builds");
  if (!m) return;
  cliq_session *s = NULL;
  TH_OK(ctx, cliq_session_create(ctx, m, NULL, &s));
  uint64_t wbytes = 0, abytes = 0;
  cliq_session_memory(s, &wbytes, &abytes);
  /* liveness: a chain needs two live tensors at a time (+ alignment), not nine */
  TH_CHECK(abytes >= 2 * elems * 4 && abytes <= 3 * elems * 4, "chain of 8 ops plans %llu activation bytes (2-3 tensors)",
           (unsigned long long)abytes);
  float *x = malloc(elems * 4), *y = malloc(elems * 4), *y2 = malloc(elems * 4);
  for (int64_t i = 0; i < elems; i++) x[i] = th_uniform(-3, 3);
  cliq_buffer in = {CLIQ_DTYPE_FLOAT32, x, elems * 4}, out = {CLIQ_DTYPE_FLOAT32, y, elems * 4};
  TH_OK(ctx, cliq_session_run(s, 1, &in, 1, &out));
  /* misuse: wrong sizes, dtypes, counts */
  cliq_buffer bad = {CLIQ_DTYPE_FLOAT32, x, elems * 4 - 4};
  th_expect_status(ctx, cliq_session_run(s, 1, &bad, 1, &out), CLIQ_STATUS_INVALID_ARGUMENT, "short input buffer");
  bad.size = elems * 4;
  bad.dtype = CLIQ_DTYPE_INT32;
  th_expect_status(ctx, cliq_session_run(s, 1, &bad, 1, &out), CLIQ_STATUS_INVALID_ARGUMENT, "wrong input dtype");
  th_expect_status(ctx, cliq_session_run(s, 0, NULL, 1, &out), CLIQ_STATUS_INVALID_ARGUMENT, "missing inputs");
  th_expect_status(ctx, cliq_session_read_tensor(s, 0, y2, elems), CLIQ_STATUS_INVALID_STATE,
                   "reading intermediates without keep_intermediates");
  cliq_session_destroy(s);

  /* keep_intermediates: every tensor in its own buffer, readable, equal to the reference's */
  cliq_session_options so = cliq_session_options_default();
  so.keep_intermediates = 1;
  TH_OK(ctx, cliq_session_create(ctx, m, &so, &s));
  cliq_session_memory(s, &wbytes, &abytes);
  TH_CHECK(abytes >= 9 * elems * 4, "keep_intermediates keeps all 9 tensors (%llu bytes)", (unsigned long long)abytes);
  out.data = y2;
  TH_OK(ctx, cliq_session_run(s, 1, &in, 1, &out));
  th_compare_f32("same output with and without buffer sharing", y2, y, elems, 0, 0);
  TH_CHECK(cliq_session_tensor_count(s) == 8, "8 intermediate tensors listed (%zu)", cliq_session_tensor_count(s));
  cliq_context *ref = th_ref_context();
  cliq_session *rs = NULL;
  cliq_model *mr = chain_model(ref, 8, elems);
  TH_OK(ref, cliq_session_create(ref, mr, &so, &rs));
  float *yr = malloc(elems * 4);
  cliq_buffer outr = {CLIQ_DTYPE_FLOAT32, yr, elems * 4};
  TH_OK(ref, cliq_session_run(rs, 1, &in, 1, &outr));
  float *a = malloc(elems * 4), *b = malloc(elems * 4);
  for (size_t t = 0; t < cliq_session_tensor_count(s); t++) {
    cliq_tensor_info ia, ib;
    cliq_session_tensor(s, t, &ia);
    cliq_session_tensor(rs, t, &ib);
    TH_CHECK(strcmp(ia.name, ib.name) == 0, "tensor %zu named alike", t);
    TH_OK(ctx, cliq_session_read_tensor(s, t, a, elems));
    TH_OK(ref, cliq_session_read_tensor(rs, t, b, elems));
    char what[64];
    snprintf(what, sizeof what, "intermediate '%s'", ia.name);
    th_compare_f32(what, a, b, elems, 1e-6f, 1e-5f);
  }
  cliq_session_destroy(rs);
  cliq_model_destroy(mr);
  cliq_context_destroy(ref);
  cliq_session_destroy(s);
  cliq_model_destroy(m);
  free(x), free(y), free(y2), free(yr), free(a), free(b);
}

static void test_profiling(void) {
  cliq_context_options o = cliq_context_options_default();
  o.profiling = 1;
  cliq_context *ctx = NULL;
  if (cliq_context_create(&o, &ctx) != CLIQ_STATUS_OK) return;
  cliq_model *m = chain_model(ctx, 3, 1000);
  cliq_session *s = NULL;
  TH_OK(ctx, cliq_session_create(ctx, m, NULL, &s));
  float x[1000] = {0}, y[1000];
  cliq_buffer in = {CLIQ_DTYPE_FLOAT32, x, sizeof x}, out = {CLIQ_DTYPE_FLOAT32, y, sizeof y};
  TH_OK(ctx, cliq_session_run(s, 1, &in, 1, &out));
  const cliq_op_time *t = NULL;
  size_t n = 0;
  TH_OK(ctx, cliq_session_profile(s, &t, &n));
  TH_CHECK(n == 3 && t && strcmp(t[0].op_type, "Relu") == 0 && t[2].ms >= 0, "3 profiled launches, first Relu (%zu)", n);
  cliq_session_destroy(s);
  cliq_model_destroy(m);
  cliq_context_destroy(ctx);
}

static void test_program_cache(void) {
  char dir[] = "/tmp/cliq-cache-test-XXXXXX";
  if (!mkdtemp(dir)) return;
  cliq_context_options o = cliq_context_options_default();
  o.cache_dir = dir;
  unsetenv("CLIQ_CACHE_DIR");
  unsetenv("CLIQ_NO_CACHE");
  cliq_context *ctx = NULL;
  if (cliq_context_create(&o, &ctx) != CLIQ_STATUS_OK) return;
  cliq_model *m = chain_model(ctx, 1, 16);
  cliq_session *s = NULL;
  TH_OK(ctx, cliq_session_create(ctx, m, NULL, &s));
  size_t after_first = count_files(dir);
  TH_CHECK(after_first == 1, "one program binary cached (%zu)", after_first);
  cliq_session_destroy(s);
  cliq_model_destroy(m);
  cliq_context_destroy(ctx);
  /* a second context loads it (no new file) and runs the same */
  TH_OK(NULL, cliq_context_create(&o, &ctx));
  m = chain_model(ctx, 1, 16);
  TH_OK(ctx, cliq_session_create(ctx, m, NULL, &s));
  TH_CHECK(count_files(dir) == after_first, "cache reused");
  float x[16], y[16];
  for (int i = 0; i < 16; i++) x[i] = (float)i - 8;
  cliq_buffer in = {CLIQ_DTYPE_FLOAT32, x, sizeof x}, out = {CLIQ_DTYPE_FLOAT32, y, sizeof y};
  TH_OK(ctx, cliq_session_run(s, 1, &in, 1, &out));
  TH_CHECK(y[0] == 0 && y[15] == 7, "cached program computes Relu");
  cliq_session_destroy(s);
  cliq_model_destroy(m);
  cliq_context_destroy(ctx);
  /* a corrupt cache file is rebuilt, not trusted */
  DIR *d = opendir(dir);
  struct dirent *e;
  while (d && (e = readdir(d)))
    if (strstr(e->d_name, ".clbin")) {
      char p[512];
      snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
      FILE *f = fopen(p, "wb");
      fputs("garbage", f);
      fclose(f);
    }
  if (d) closedir(d);
  TH_OK(NULL, cliq_context_create(&o, &ctx));
  m = chain_model(ctx, 1, 16);
  TH_OK(ctx, cliq_session_create(ctx, m, NULL, &s));
  TH_OK(ctx, cliq_session_run(s, 1, &in, 1, &out));
  TH_CHECK(y[0] == 0 && y[15] == 7, "corrupt cache entry rebuilt");
  cliq_session_destroy(s);
  cliq_model_destroy(m);
  cliq_context_destroy(ctx);
  /* the switch turns it off */
  char dir2[] = "/tmp/cliq-cache-test-XXXXXX";
  if (mkdtemp(dir2)) {
    o.cache_dir = dir2;
    o.no_program_cache = 1;
    TH_OK(NULL, cliq_context_create(&o, &ctx));
    m = chain_model(ctx, 1, 16);
    TH_OK(ctx, cliq_session_create(ctx, m, NULL, &s));
    TH_CHECK(count_files(dir2) == 0, "no_program_cache writes nothing");
    cliq_session_destroy(s);
    cliq_model_destroy(m);
    cliq_context_destroy(ctx);
    rmdir(dir2);
  }
}

int main(void) {
  th_init("test_core");
  test_status_names();
  test_device_selection();
  cliq_context *ctx = th_device_context();
  test_memory_and_intermediates(ctx);
  cliq_context_destroy(ctx);
  test_profiling();
  test_program_cache();
  return th_finish();
}
