/*
 * test_models.c — every real model in ../shared/models against each of its reference data sets
 * (model-zoo gold sets test_data_set_N and ONNX Runtime outputs ref_ort_test_data_set_0), run on
 * the OpenCL device. Skips with a message when ../shared is absent.
 *
 * Criterion: normalized error max|out - ref| / max(1, max|ref|) <= 1e-3 per output. ORT itself is
 * not bit-exact against the gold sets (mnist-8: up to 0.0034 absolute on logits of magnitude ~10^3),
 * and float summation order differs between implementations, so 1e-3 relative to the output's
 * scale is the meaningful bar; the measured errors are printed for the record.
 * A reference input with fewer dims than the model input but the same element count (the
 * super-resolution gold set stores [224,224] for [1,1,224,224]) is reshaped to the model's rank.
 * CLIQ_MODELS_FILTER=substring limits the models.
 */
#include "harness.h"


#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
  th_init("test_models");
  const char *shared = th_shared_dir();
  if (!shared) th_skip("../shared/models not found (set CLIQ_SHARED_DIR): the real-model tests need it");
  const char *filter = getenv("CLIQ_MODELS_FILTER");
  cliq_context *ctx = th_device_context();
  char mdir[4096];
  snprintf(mdir, sizeof mdir, "%s/models", shared);
  size_t nm;
  char **models = th_list_dir(mdir, &nm);
  for (size_t i = 0; i < nm; i++) {
    char path[16384];
    snprintf(path, sizeof path, "%s/%s/model.onnx", mdir, models[i]);
    FILE *f = fopen(path, "rb");
    if (!f || (filter && !strstr(models[i], filter))) {
      if (f) fclose(f);
      continue;
    }
    fclose(f);
    cliq_model *m = NULL;
    if (!TH_OK(ctx, cliq_model_load(ctx, path, &m))) continue;
    char sdir[8192];
    snprintf(sdir, sizeof sdir, "%s/%s", mdir, models[i]);
    size_t ns;
    char **sets = th_list_dir(sdir, &ns);
    for (size_t s = 0; s < ns; s++) {
      if (!strstr(sets[s], "test_data_set_")) continue;
      cliq__tensor *in[16] = {0}, *want[16] = {0};
      size_t n_in = 0, n_want = 0;
      for (; n_in < 16; n_in++) {
        snprintf(path, sizeof path, "%s/%s/input_%zu.pb", sdir, sets[s], n_in);
        if (!(in[n_in] = th_read_pb(path))) break;
      }
      for (; n_want < 16; n_want++) {
        snprintf(path, sizeof path, "%s/%s/output_%zu.pb", sdir, sets[s], n_want);
        if (!(want[n_want] = th_read_pb(path))) break;
      }
      for (size_t k = 0; k < n_in && k < cliq_model_input_count(m); k++) {
        cliq_tensor_info info;
        cliq_model_input(m, k, &info);
        if ((size_t)in[k]->rank < info.rank) { /* same elements, fewer dims: pad leading 1s */
          int add = (int)info.rank - in[k]->rank;
          memmove(in[k]->dims + add, in[k]->dims, sizeof(int64_t) * (size_t)in[k]->rank);
          for (int d = 0; d < add; d++) in[k]->dims[d] = 1;
          in[k]->rank = (int)info.rank;
        }
      }
      cliq__tensor **got = NULL;
      size_t n_got = 0;
      double t0 = th_now_ms();
      cliq_status st = th_run(ctx, m, n_in, in, &n_got, &got);
      double dt = (th_now_ms() - t0) * 1e-3;
      char what[512];
      snprintf(what, sizeof what, "%s/%s", models[i], sets[s]);
      if (th_expect_status(ctx, st, CLIQ_STATUS_OK, what)) {
        TH_CHECK(n_got == n_want, "%s: %zu outputs, %zu expected", what, n_got, n_want);
        double worst = 0;
        for (size_t k = 0; k < n_want && k < n_got; k++) {
          size_t n = cliq__tensor_elems(want[k]);
          if (!TH_CHECK(cliq__tensor_elems(got[k]) == n && got[k]->dtype == CLIQ_DTYPE_FLOAT32,
                        "%s output %zu: %zu elements of %s, want %zu float32", what, k, cliq__tensor_elems(got[k]),
                        cliq_dtype_name(got[k]->dtype), n))
            continue;
          const float *g = got[k]->data, *w = want[k]->data;
          double maxerr = 0, maxref = 0;
          for (size_t e = 0; e < n; e++) {
            double d = fabs((double)g[e] - (double)w[e]);
            if (!(d <= maxerr)) maxerr = d; /* NaN propagates as a failure */
            if (fabs(w[e]) > maxref) maxref = fabs(w[e]);
          }
          double norm = maxerr / (maxref > 1 ? maxref : 1);
          if (norm > worst || norm != norm) worst = norm;
          TH_CHECK(norm <= 1e-3, "%s output %zu: normalized error %.3g (max abs %.3g, max |ref| %.3g) > 1e-3", what, k, norm,
                   maxerr, maxref);
        }
        printf("  %-45s worst normalized error %.2e  (first run incl. planning %.0f ms)\n", what, worst, dt * 1e3);
      }
      th_free_tensors(got, n_got);
      for (size_t k = 0; k < n_in; k++) cliq__tensor_free(in[k]);
      for (size_t k = 0; k < n_want; k++) cliq__tensor_free(want[k]);
    }
    th_free_list(sets, ns);
    cliq_model_destroy(m);
  }
  th_free_list(models, nm);
  cliq_context_destroy(ctx);
  return th_finish();
}
