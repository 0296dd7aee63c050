/*
 * test_onnx_conformance.c — ONNX's own conformance tests (Debian libonnx-testdata: data/node,
 * data/pytorch-converted, data/pytorch-operator, data/simple) run through cliq, on the OpenCL
 * device and on the C reference.
 *
 * Each test case is classified, and every class is counted and printed — nothing is skipped
 * silently:
 *   out of scope  the model uses an op cliq does not implement (listed by op type);
 *   excluded      all ops are cliq's, but the case needs something cliq deliberately does not do:
 *                 an element type outside float32/int8/uint8/int32/int64/bool (rule-based), or
 *                 an entry of the exclusion table below, each with its reason;
 *   in scope      everything else: it must load, run and match the expected outputs
 *                 (|got - want| <= 1e-7 + 1e-3 |want| for floats, as ONNX's backend tests; exact
 *                 for integers and booleans) on the device and on the reference.
 * CLIQ_CONFORMANCE_FILTER=substring runs only matching cases; -v prints every case.
 */
#include "harness.h"

#include "onnx.pb-c.h"
#include "onnx_tensor.h"
#include "ops/op.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef CLIQ_ONNX_TESTDATA
#define CLIQ_ONNX_TESTDATA "/usr/share/libonnx-testdata/data"
#endif

/* Deliberate exclusions: cases whose ops cliq implements but whose exact variant it does not. */
static const struct {
  const char *name; /* test directory name; a trailing '*' matches a prefix */
  const char *reason;
} exclusions[] = {
    /* ops-math: pooling, reductions, normalisation */
    {"test_batchnorm_epsilon_training_mode", "BatchNormalization training_mode=1 (cliq runs inference only)"},
    {"test_batchnorm_example_training_mode", "BatchNormalization training_mode=1 (cliq runs inference only)"},
    {"test_maxpool_with_argmax_*", "MaxPool's optional Indices output"},
    {"test_resize_*cubic*", "Resize mode cubic is not supported (nearest and linear are)"},
    {"test_resize_tf_crop_and_resize", "Resize coordinate mode tf_crop_and_resize is not supported"},
    {"test_dropout_default_mask*", "Dropout's mask output is not supported (inference runs the data output only)"},
    {"test_training_dropout*", "Dropout in training mode: cliq runs inference only"},
    {NULL, NULL},
};

/* Glob with '*' only (any run of characters). */
static bool glob_match(const char *pat, const char *s) {
  if (!*pat) return !*s;
  if (*pat == '*') return glob_match(pat + 1, s) || (*s && glob_match(pat, s + 1));
  return *s == *pat && glob_match(pat + 1, s + 1);
}

static const char *excluded_reason(const char *name) {
  for (size_t i = 0; exclusions[i].name; i++)
    if (glob_match(exclusions[i].name, name)) return exclusions[i].reason;
  return NULL;
}

/* The node tests feed every input at run time, even those whose values decide output shapes
 * (Reshape's shape, Slice's starts, Resize's sizes: cliq__op_def.const_inputs); cliq plans shapes
 * before running, and real models have these as constants. Such inputs of one data set become
 * initializers: returns the re-packed model (malloc'ed) and marks baked[i] for graph input i, or
 * NULL when no input needs it. */
static void *bake_shape_inputs(const void *buf, size_t size, const char *set_dir, bool *baked, size_t max, size_t *out_size) {
  Onnx__ModelProto *mp = onnx__model_proto__unpack(NULL, size, buf);
  if (!mp || !mp->graph) {
    if (mp) onnx__model_proto__free_unpacked(mp, NULL);
    return NULL;
  }
  Onnx__GraphProto *g = mp->graph;
  size_t n_bake = 0, kept = 0;
  Onnx__TensorProto **inits = malloc((g->n_initializer + g->n_input + 1) * sizeof *inits);
  if (g->n_initializer) memcpy(inits, g->initializer, g->n_initializer * sizeof *inits);
  size_t n_inits = g->n_initializer;
  for (size_t i = 0; i < g->n_input && i < max; i++) {
    baked[i] = false;
    for (size_t j = 0; j < g->n_node && !baked[i]; j++) {
      const Onnx__NodeProto *np = g->node[j];
      const cliq__op_def *def = cliq__op_find(np->op_type, np->domain ? np->domain : "");
      uint32_t mask = def ? def->const_inputs : 0;
      if (strcmp(np->op_type, "Upsample") == 0) mask = 1u << 1; /* scales; import makes it Resize's input 2 */
      for (size_t k = 0; k < np->n_input && k < 32; k++)
        if ((mask & (1u << k)) && strcmp(np->input[k], g->input[i]->name) == 0) baked[i] = true;
    }
    char path[4200];
    size_t tsize;
    snprintf(path, sizeof path, "%.4000s/input_%zu.pb", set_dir, i);
    void *tbuf = baked[i] ? th_read_file(path, &tsize) : NULL;
    Onnx__TensorProto *tp = tbuf ? onnx__tensor_proto__unpack(NULL, tsize, tbuf) : NULL;
    free(tbuf);
    if (!tp) {
      baked[i] = false;
      g->input[kept++] = g->input[i];
      continue;
    }
    free(tp->name);
    tp->name = strdup(g->input[i]->name);
    inits[n_inits++] = tp;
    onnx__value_info_proto__free_unpacked(g->input[i], NULL);
    n_bake++;
  }
  for (size_t i = max; i < g->n_input; i++) g->input[kept++] = g->input[i];
  void *out = NULL;
  if (n_bake) {
    g->n_input = kept;
    free(g->initializer);
    g->initializer = inits;
    g->n_initializer = n_inits;
    inits = NULL;
    *out_size = onnx__model_proto__get_packed_size(mp);
    out = malloc(*out_size);
    onnx__model_proto__pack(mp, out);
  }
  free(inits);
  onnx__model_proto__free_unpacked(mp, NULL);
  return out;
}

static bool supported_elem(int32_t t) { return cliq__dtype_from_onnx(t) != CLIQ_DTYPE_UNDEFINED; }

typedef struct tally {
  size_t in_scope, passed, excluded, out_of_scope;
  char missing_ops[4096];
} tally;

static void note_missing(tally *t, const char *op) {
  char key[80];
  snprintf(key, sizeof key, " %s,", op);
  if (strstr(t->missing_ops, key)) return;
  size_t len = strlen(t->missing_ops);
  if (len + strlen(key) + 1 < sizeof t->missing_ops) strcat(t->missing_ops, key);
}

/* Returns NULL when the model is in scope; else a static reason; sets *missing_op for out of scope. */
static const char *classify(const void *buf, size_t size, char *missing_op, size_t mlen) {
  static char reason[256];
  missing_op[0] = '\0';
  Onnx__ModelProto *mp = onnx__model_proto__unpack(NULL, size, buf);
  if (!mp || !mp->graph) {
    if (mp) onnx__model_proto__free_unpacked(mp, NULL);
    snprintf(reason, sizeof reason, "model does not parse");
    return reason;
  }
  const char *r = NULL;
  const Onnx__GraphProto *g = mp->graph;
  for (size_t i = 0; i < mp->n_opset_import; i++) {
    const char *d = mp->opset_import[i]->domain;
    if ((!d || !d[0] || strcmp(d, "ai.onnx") == 0) && mp->opset_import[i]->version < 6) {
      snprintf(reason, sizeof reason, "ai.onnx opset %lld model (cliq loads opsets 6 to 21)",
               (long long)mp->opset_import[i]->version);
      r = reason;
    }
  }
  for (size_t i = 0; i < g->n_node && !r; i++) {
    const char *dom = g->node[i]->domain ? g->node[i]->domain : "";
    if (strcmp(g->node[i]->op_type, "Constant") == 0 && !dom[0]) continue;
    /* import rewrites Upsample (opsets 7-9) to Resize-11 (host/onnx_import.c) */
    if (strcmp(g->node[i]->op_type, "Upsample") == 0 && !dom[0] && cliq__op_find("Resize", "")) continue;
    if (!cliq__op_find(g->node[i]->op_type, dom)) {
      snprintf(missing_op, mlen, "%s%s%s", dom, dom[0] ? "." : "", g->node[i]->op_type);
      r = "op";
    }
  }
  for (size_t i = 0; i < g->n_input + g->n_output && !r; i++) {
    const Onnx__ValueInfoProto *vi = i < g->n_input ? g->input[i] : g->output[i - g->n_input];
    if (!vi->type || vi->type->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE) {
      snprintf(reason, sizeof reason, "non-tensor graph input/output (sequence, map or optional)");
      r = reason;
    } else if (!supported_elem(vi->type->tensor_type->elem_type)) {
      snprintf(reason, sizeof reason, "element type %s (cliq runs float32, int8, uint8, int32, int64, bool)",
               cliq__onnx_type_name(vi->type->tensor_type->elem_type));
      r = reason;
    }
  }
  for (size_t i = 0; i < g->n_initializer && !r; i++)
    if (!supported_elem(g->initializer[i]->data_type)) {
      snprintf(reason, sizeof reason, "element type %s (cliq runs float32, int8, uint8, int32, int64, bool)",
               cliq__onnx_type_name(g->initializer[i]->data_type));
      r = reason;
    }
  for (size_t i = 0; i < g->n_node && !r; i++)
    for (size_t k = 0; k < g->node[i]->n_attribute && !r; k++) {
      const Onnx__AttributeProto *a = g->node[i]->attribute[k];
      if (a->t && !supported_elem(a->t->data_type)) {
        snprintf(reason, sizeof reason, "element type %s in attribute '%s'", cliq__onnx_type_name(a->t->data_type), a->name);
        r = reason;
      }
      if (a->g || a->n_graphs) {
        snprintf(reason, sizeof reason, "subgraph attribute (control flow)");
        r = reason;
      }
    }
  onnx__model_proto__free_unpacked(mp, NULL);
  return r;
}

/* Runs every data set of one case on ctx; returns true when all match. Prints the first problem. */
static bool run_case(cliq_context *ctx, const char *label, const char *dir, const void *model_buf, size_t model_size,
                     char *why, size_t wlen) {
  cliq_model *m = NULL;
  cliq_status st = cliq_model_load_memory(ctx, model_buf, model_size, dir, &m);
  if (st != CLIQ_STATUS_OK) {
    snprintf(why, wlen, "load: %s: %s", cliq_status_name(st), cliq_context_error(ctx));
    return false;
  }
  size_t nsets;
  char **sets = th_list_dir(dir, &nsets);
  bool ok = true;
  size_t ran = 0;
  for (size_t s = 0; s < nsets && ok; s++) {
    if (strncmp(sets[s], "test_data_set_", 14) != 0) continue;
    char path[4096];
    cliq__tensor *in[64] = {0}, *want[64] = {0};
    size_t n_in = 0, n_want = 0;
    bool baked[64] = {false};
    size_t baked_size = 0;
    snprintf(path, sizeof path, "%s/%s", dir, sets[s]);
    void *baked_buf = bake_shape_inputs(model_buf, model_size, path, baked, 64, &baked_size);
    cliq_model *mb = NULL;
    if (baked_buf) {
      st = cliq_model_load_memory(ctx, baked_buf, baked_size, dir, &mb);
      free(baked_buf);
      if (st != CLIQ_STATUS_OK) {
        snprintf(why, wlen, "%s: load with shape inputs as initializers: %s: %s", sets[s], cliq_status_name(st),
                 cliq_context_error(ctx));
        ok = false;
        break;
      }
    }
    for (size_t k = 0; k < 64; k++) {
      snprintf(path, sizeof path, "%s/%s/input_%zu.pb", dir, sets[s], k);
      cliq__tensor *t = th_read_pb(path);
      if (!t) break;
      if (baked[k])
        cliq__tensor_free(t);
      else
        in[n_in++] = t;
    }
    for (; n_want < 64; n_want++) {
      snprintf(path, sizeof path, "%s/%s/output_%zu.pb", dir, sets[s], n_want);
      if (!(want[n_want] = th_read_pb(path))) break;
    }
    cliq__tensor **got = NULL;
    size_t n_got = 0;
    st = th_run(ctx, mb ? mb : m, n_in, in, &n_got, &got);
    cliq_model_destroy(mb);
    if (st != CLIQ_STATUS_OK) {
      snprintf(why, wlen, "%s: run: %s: %s", sets[s], cliq_status_name(st), cliq_context_error(ctx));
      ok = false;
    } else if (n_got < n_want) {
      snprintf(why, wlen, "%s: %zu outputs, %zu expected", sets[s], n_got, n_want);
      ok = false;
    } else {
      for (size_t k = 0; k < n_want && ok; k++) {
        cliq__tensor *g = got[k], *w = want[k];
        char a[128], b[128];
        size_t ng = cliq__tensor_elems(g), nw = cliq__tensor_elems(w);
        if (g->dtype != w->dtype || ng != nw || g->rank != w->rank ||
            memcmp(g->dims, w->dims, sizeof(int64_t) * (size_t)g->rank) != 0) {
          snprintf(why, wlen, "%s output %zu: got %s %s, want %s %s", sets[s], k, cliq_dtype_name(g->dtype),
                   cliq__dims_str(g->rank, g->dims, a, sizeof a), cliq_dtype_name(w->dtype),
                   cliq__dims_str(w->rank, w->dims, b, sizeof b));
          ok = false;
          break;
        }
        for (size_t i = 0; i < nw && ok; i++) {
          if (g->dtype == CLIQ_DTYPE_FLOAT32) {
            float x = ((float *)g->data)[i], y = ((float *)w->data)[i];
            bool nan_ok = x != x && y != y;
            bool inf_ok = x == y;
            if (!nan_ok && !inf_ok && !(fabsf(x - y) <= 1e-7f + 1e-3f * fabsf(y))) {
              snprintf(why, wlen, "%s output %zu element %zu: got %.9g, want %.9g", sets[s], k, i, x, y);
              ok = false;
            }
          } else if (cliq__tensor_get_i64(g, i) != cliq__tensor_get_i64(w, i)) {
            snprintf(why, wlen, "%s output %zu element %zu: got %lld, want %lld", sets[s], k, i,
                     (long long)cliq__tensor_get_i64(g, i), (long long)cliq__tensor_get_i64(w, i));
            ok = false;
          }
        }
      }
    }
    ran++;
    th_free_tensors(got, n_got);
    for (size_t k = 0; k < n_in; k++) cliq__tensor_free(in[k]);
    for (size_t k = 0; k < n_want; k++) cliq__tensor_free(want[k]);
  }
  if (ok && ran == 0) {
    snprintf(why, wlen, "no test_data_set_* found");
    ok = false;
  }
  th_free_list(sets, nsets);
  cliq_model_destroy(m);
  (void)label;
  return ok;
}

int main(int argc, char **argv) {
  th_init("test_onnx_conformance");
  bool verbose = argc > 1 && strcmp(argv[1], "-v") == 0;
  const char *filter = getenv("CLIQ_CONFORMANCE_FILTER");
  struct stat sb;
  if (stat(CLIQ_ONNX_TESTDATA "/node", &sb) != 0) th_skip("libonnx-testdata not installed (%s)", CLIQ_ONNX_TESTDATA);
  cliq_context *dev = th_device_context();
  cliq_context *ref = th_ref_context();
  static const char *suites[] = {"node", "pytorch-converted", "pytorch-operator", "simple"};
  size_t total_in = 0, total_pass = 0;
  for (size_t si = 0; si < sizeof suites / sizeof suites[0]; si++) {
    char sdir[1024];
    snprintf(sdir, sizeof sdir, "%s/%s", CLIQ_ONNX_TESTDATA, suites[si]);
    size_t ncases;
    char **cases = th_list_dir(sdir, &ncases);
    tally t = {0};
    printf("== %s: %zu cases\n", suites[si], ncases);
    for (size_t c = 0; c < ncases; c++) {
      if (filter && !strstr(cases[c], filter)) continue;
      char dir[2048], mpath[2200], missing[128];
      snprintf(dir, sizeof dir, "%s/%s", sdir, cases[c]);
      snprintf(mpath, sizeof mpath, "%s/model.onnx", dir);
      size_t msize;
      void *mbuf = th_read_file(mpath, &msize);
      if (!mbuf) continue; /* a folder without a model (e.g. data.json only) is not a case */
      const char *why_out = classify(mbuf, msize, missing, sizeof missing);
      const char *excl = excluded_reason(cases[c]);
      if (why_out && strcmp(why_out, "op") == 0) {
        t.out_of_scope++;
        note_missing(&t, missing);
        if (verbose) printf("   out of scope  %s (op %s)\n", cases[c], missing);
      } else if (why_out || excl) {
        t.excluded++;
        printf("   excluded      %s: %s\n", cases[c], why_out ? why_out : excl);
      } else {
        t.in_scope++;
        char why[1024] = "";
        char label[600];
        snprintf(label, sizeof label, "%s/%s", suites[si], cases[c]);
        bool ok_dev = run_case(dev, label, dir, mbuf, msize, why, sizeof why);
        if (!ok_dev) th_check(false, __FILE__, __LINE__, "%s on the device: %s", label, why);
        bool ok_ref = run_case(ref, label, dir, mbuf, msize, why, sizeof why);
        if (!ok_ref) th_check(false, __FILE__, __LINE__, "%s on the reference: %s", label, why);
        if (ok_dev && ok_ref) {
          t.passed++;
          th_check(true, __FILE__, __LINE__, "%s", label);
          if (verbose) printf("   pass          %s\n", cases[c]);
        }
      }
      free(mbuf);
    }
    printf("== %s: in scope %zu, passed %zu, excluded %zu, out of scope %zu (ops cliq does not implement:%s)\n",
           suites[si], t.in_scope, t.passed, t.excluded, t.out_of_scope, t.missing_ops[0] ? t.missing_ops : " none");
    total_in += t.in_scope;
    total_pass += t.passed;
    th_free_list(cases, ncases);
  }
  printf("conformance: %zu of %zu in-scope cases pass on both the device and the reference\n", total_pass, total_in);
  cliq_context_destroy(dev);
  cliq_context_destroy(ref);
  return th_finish();
}
