/*
 * test_gemm.c — float Gemm and MatMul: device (every GEMM variant of host/cl/variants.h that can
 * run here) against the C reference. Gemm: transA/transB, alpha/beta, every C broadcast (none,
 * scalar, [N], [1, N], [M, 1], [M, N]), constant or computed operands (both orientations of the
 * planner's operand swap), fused activations. MatMul: 1-D operands, batched with broadcast batch
 * dims, constant weights. Hand-checked products validate the reference, and mismatched shapes
 * must fail with SHAPE_MISMATCH. The clblast_sgemm variant runs one small case by default (the
 * suite's only CLBlast test: its first use compiles for 13-17 s on PoCL, later runs hit PoCL's
 * cache), all its cases with CLIQ_TEST_CLBLAST=1, none with CLIQ_TEST_CLBLAST=0.
 */
#include "harness_graph.h"
#include "harness.h"

#include "activation.h"
#include "cl/variant.h"
#include "context.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const int sizes[] = {1, 3, 4, 7, 8, 13, 16, 17, 31, 64};
#define PICK(a) a[th_randint(0, (int)(sizeof a / sizeof a[0]) - 1)]

typedef struct gemm_case {
  int M, N, K;
  int ta, tb;
  float alpha, beta;
  int c_kind;      /* 0 none, 1 scalar, 2 [N], 3 [1,N], 4 [M,1], 5 [M,N] */
  bool a_const, b_const, c_const;
  int act;
} gemm_case;

static void gemm_run(const gemm_case *gc, const char *variant) {
  tg *t = tg_new(14);
  int64_t ad[2] = {gc->ta ? gc->K : gc->M, gc->ta ? gc->M : gc->K};
  int64_t bd[2] = {gc->tb ? gc->N : gc->K, gc->tb ? gc->K : gc->N};
  int64_t cdims[6][2] = {{0, 0}, {1, 1}, {gc->N, 0}, {1, gc->N}, {gc->M, 1}, {gc->M, gc->N}};
  int crank[6] = {0, 0, 1, 2, 2, 2};
  cliq__tensor *ins[3];
  size_t n_in = 0;
  int in[3];
  if (gc->a_const) in[0] = tg_const_random(t, "A", 2, ad, -1, 1);
  else in[0] = tg_input(t, "A", CLIQ_DTYPE_FLOAT32, 2, ad, NULL), ins[n_in++] = th_tensor_random(CLIQ_DTYPE_FLOAT32, 2, ad, -1, 1);
  if (gc->b_const) in[1] = tg_const_random(t, "B", 2, bd, -1, 1);
  else in[1] = tg_input(t, "B", CLIQ_DTYPE_FLOAT32, 2, bd, NULL), ins[n_in++] = th_tensor_random(CLIQ_DTYPE_FLOAT32, 2, bd, -1, 1);
  if (gc->c_kind) {
    const int64_t *cd = cdims[gc->c_kind];
    int r = crank[gc->c_kind];
    if (gc->c_const) in[2] = tg_const_random(t, "C", r, cd, -1, 1);
    else in[2] = tg_input(t, "C", CLIQ_DTYPE_FLOAT32, r, cd, NULL), ins[n_in++] = th_tensor_random(CLIQ_DTYPE_FLOAT32, r, cd, -1, 1);
  }
  int y = tg_value(t, "Y");
  tg_node_ex(t, "", "Gemm", "gemm", in, gc->c_kind ? 3 : 2, &y, 1);
  cliq__node *n = tg_last_node(t);
  if (gc->ta) cliq__node_set_int(n, "transA", 1);
  if (gc->tb) cliq__node_set_int(n, "transB", 1);
  if (gc->alpha != 1.0f) cliq__node_set_float(n, "alpha", gc->alpha);
  if (gc->beta != 1.0f) cliq__node_set_float(n, "beta", gc->beta);
  if (gc->act) y = tg_activation(t, gc->act, 0.0f, 6.0f, y);
  tg_output(t, y);
  char what[200];
  snprintf(what, sizeof what, "Gemm M%d N%d K%d tA%d tB%d alpha %g beta %g C%d %s%s%s act%d [%s]", gc->M, gc->N, gc->K, gc->ta,
           gc->tb, gc->alpha, gc->beta, gc->c_kind, gc->a_const ? "Aconst " : "", gc->b_const ? "Bconst " : "",
           gc->c_const ? "Cconst" : "", gc->act, variant);
  tg_compare(t, NULL, NULL, n_in, ins, 2e-4f, 2e-4f, what);
  for (size_t i = 0; i < n_in; i++) cliq__tensor_free(ins[i]);
  tg_free(t);
}

static void matmul_run(int ra, const int64_t *da, int rb, const int64_t *db, bool b_const, int act, const char *variant) {
  tg *t = tg_new(14);
  cliq__tensor *ins[2];
  size_t n_in = 0;
  int in[2];
  in[0] = tg_input(t, "A", CLIQ_DTYPE_FLOAT32, ra, da, NULL);
  ins[n_in++] = th_tensor_random(CLIQ_DTYPE_FLOAT32, ra, da, -1, 1);
  if (b_const) in[1] = tg_const_random(t, "B", rb, db, -1, 1);
  else in[1] = tg_input(t, "B", CLIQ_DTYPE_FLOAT32, rb, db, NULL), ins[n_in++] = th_tensor_random(CLIQ_DTYPE_FLOAT32, rb, db, -1, 1);
  int y = tg_value(t, "Y");
  tg_node_ex(t, "", "MatMul", "matmul", in, 2, &y, 1);
  if (act) y = tg_activation(t, act, 0.0f, 0.0f, y);
  tg_output(t, y);
  char what[200], sa[64], sb[64];
  snprintf(what, sizeof what, "MatMul %s x %s%s act%d [%s]", cliq__dims_str(ra, da, sa, sizeof sa),
           cliq__dims_str(rb, db, sb, sizeof sb), b_const ? " (B const)" : "", act, variant);
  tg_compare(t, NULL, NULL, n_in, ins, 2e-4f, 2e-4f, what);
  for (size_t i = 0; i < n_in; i++) cliq__tensor_free(ins[i]);
  tg_free(t);
}

static void cases(const char *variant) {
  /* every C broadcast and transpose, constant weights (the fully connected case) */
  for (int ck = 0; ck <= 5; ck++)
    for (int tr = 0; tr < 4; tr++) {
      gemm_case g = {PICK(sizes), PICK(sizes), PICK(sizes), tr & 1, tr >> 1, 1.0f, 1.0f, ck, false, true, true, 0};
      gemm_run(&g, variant);
    }
  gemm_case fc = {1, 1000, 64, 0, 1, 1.0f, 1.0f, 2, false, true, true, CLIQ_ACT_RELU}; /* classifier head */
  gemm_run(&fc, variant);
  gemm_case fc3 = {3, 10, 256, 0, 0, 0.5f, 2.0f, 3, false, true, true, CLIQ_ACT_NONE}; /* mnist head, batch 3 */
  gemm_run(&fc3, variant);
  gemm_case big = {64, 64, 64, 1, 1, -1.5f, 0.25f, 5, false, false, false, CLIQ_ACT_CLIP};
  gemm_run(&big, variant);
  gemm_case ac = {17, 3, 31, 0, 0, 1.0f, 1.0f, 4, true, false, true, CLIQ_ACT_NONE}; /* constant A, computed B */
  gemm_run(&ac, variant);
  gemm_case runtime = {13, 17, 7, 1, 0, 1.0f, 1.0f, 1, false, false, false, CLIQ_ACT_SIGMOID};
  gemm_run(&runtime, variant);
  gemm_case k1 = {7, 5, 1, 0, 0, 1.0f, 1.0f, 0, false, true, true, 0};
  gemm_run(&k1, variant);
  gemm_case beta0 = {8, 8, 8, 0, 0, 1.0f, 0.0f, 5, false, true, true, 0};
  gemm_run(&beta0, variant);
  for (int r = 0; r < 8; r++) {
    gemm_case g = {PICK(sizes), PICK(sizes), PICK(sizes), th_randint(0, 1), th_randint(0, 1), th_uniform(-2, 2), th_uniform(-2, 2),
                   th_randint(0, 5), th_randint(0, 3) == 0, th_randint(0, 1) == 1, th_randint(0, 1) == 1,
                   th_randint(0, 1) ? CLIQ_ACT_RELU : 0};
    if (g.a_const && g.b_const) g.b_const = false;
    gemm_run(&g, variant);
  }

  int64_t a1[1] = {13}, b1[1] = {13}, a2[2] = {7, 13}, b2[2] = {13, 17};
  matmul_run(1, a1, 1, b1, false, 0, variant); /* dot product: rank 0 */
  matmul_run(1, a1, 2, b2, true, 0, variant);  /* vector x matrix */
  matmul_run(2, a2, 1, b1, false, 0, variant); /* matrix x vector */
  matmul_run(2, a2, 2, b2, true, CLIQ_ACT_RELU, variant);
  int64_t a4[4] = {2, 3, 7, 13}, b4[4] = {2, 3, 13, 4};
  matmul_run(4, a4, 4, b4, false, 0, variant);
  int64_t a4b[4] = {2, 1, 5, 8}, b3[3] = {3, 8, 16};
  matmul_run(4, a4b, 3, b3, false, 0, variant); /* batch broadcast both ways */
  matmul_run(4, a4b, 3, b3, true, 0, variant);
  int64_t a3[3] = {1, 4420, 16}, bw[2] = {16, 2};
  matmul_run(3, a3, 2, bw, true, 0, variant); /* a detector head: many rows, 2 columns */
  int64_t a3c[3] = {3, 1, 31}, bw2[2] = {31, 64};
  matmul_run(3, a3c, 2, bw2, true, CLIQ_ACT_TANH, variant);
  int64_t a1b[1] = {8}, b3b[3] = {4, 8, 3};
  matmul_run(1, a1b, 3, b3b, false, 0, variant); /* 1-D against a batch */
}

/* ---- hand-checked ------------------------------------------------------------------------- */

static void hand_checked(void) {
  cliq_context *ref = th_ref_context();
  /* [1 2; 3 4] x [5 6; 7 8] = [19 22; 43 50]; with C = [1, 2] (a row), alpha 2, beta 3:
   * 2 * [19 22; 43 50] + 3 * [1 2; 1 2] = [41 50; 89 106] */
  th_op *op = th_op_new("Gemm", 13);
  int64_t d2[2] = {2, 2}, dc[1] = {2};
  th_op_input(op, CLIQ_DTYPE_FLOAT32, 2, d2);
  cliq__tensor *B = th_tensor(CLIQ_DTYPE_FLOAT32, 2, d2), *C = th_tensor(CLIQ_DTYPE_FLOAT32, 1, dc);
  float bv[4] = {5, 6, 7, 8}, cv[2] = {1, 2}, av[4] = {1, 2, 3, 4};
  memcpy(B->data, bv, sizeof bv);
  memcpy(C->data, cv, sizeof cv);
  th_op_const(op, B);
  th_op_const(op, C);
  th_op_outputs(op, 1);
  cliq__node_set_float(th_op_node(op), "alpha", 2.0f);
  cliq__node_set_float(th_op_node(op), "beta", 3.0f);
  cliq__tensor *A = th_tensor(CLIQ_DTYPE_FLOAT32, 2, d2);
  memcpy(A->data, av, sizeof av);
  cliq_model *m = NULL;
  cliq__tensor **out = NULL;
  size_t n = 0;
  if (TH_OK(ref, th_op_model(op, ref, &m)) && TH_OK(ref, th_run(ref, m, 1, &A, &n, &out))) {
    float want[4] = {41, 50, 89, 106};
    th_compare_f32("hand: Gemm alpha/beta/C row", out[0]->data, want, 4, 0, 0);
  }
  th_free_tensors(out, n);
  cliq_model_destroy(m);
  th_op_free(op);
  /* transA: A^T = [1 3; 2 4] -> [1 3; 2 4] x [5 6; 7 8] = [26 30; 38 44] */
  op = th_op_new("Gemm", 13);
  th_op_input(op, CLIQ_DTYPE_FLOAT32, 2, d2);
  th_op_const(op, B);
  th_op_outputs(op, 1);
  cliq__node_set_int(th_op_node(op), "transA", 1);
  if (TH_OK(ref, th_op_model(op, ref, &m)) && TH_OK(ref, th_run(ref, m, 1, &A, &n, &out))) {
    float want[4] = {26, 30, 38, 44};
    th_compare_f32("hand: Gemm transA", out[0]->data, want, 4, 0, 0);
  }
  th_free_tensors(out, n);
  cliq_model_destroy(m);
  th_op_free(op);
  /* MatMul of a batch of 2 with a broadcast matrix: [[1 2]], [[3 4]] x [1; 1] = [[3]], [[7]] */
  op = th_op_new("MatMul", 13);
  int64_t da[3] = {2, 1, 2}, db[2] = {2, 1};
  th_op_input(op, CLIQ_DTYPE_FLOAT32, 3, da);
  cliq__tensor *ones = th_tensor(CLIQ_DTYPE_FLOAT32, 2, db);
  ((float *)ones->data)[0] = ((float *)ones->data)[1] = 1.0f;
  th_op_const(op, ones);
  th_op_outputs(op, 1);
  cliq__tensor *A3 = th_tensor(CLIQ_DTYPE_FLOAT32, 3, da);
  memcpy(A3->data, av, sizeof av);
  if (TH_OK(ref, th_op_model(op, ref, &m)) && TH_OK(ref, th_run(ref, m, 1, &A3, &n, &out))) {
    float want[2] = {3, 7};
    TH_CHECK(out[0]->rank == 3 && out[0]->dims[0] == 2 && out[0]->dims[1] == 1 && out[0]->dims[2] == 1,
             "hand: MatMul batch shape");
    th_compare_f32("hand: MatMul batch", out[0]->data, want, 2, 0, 0);
  }
  th_free_tensors(out, n);
  cliq_model_destroy(m);
  th_op_free(op);

  /* shape errors */
  op = th_op_new("Gemm", 13);
  int64_t d23[2] = {2, 3};
  th_op_input(op, CLIQ_DTYPE_FLOAT32, 2, d23);
  th_op_const(op, B);
  th_op_outputs(op, 1);
  cliq_status st = th_op_model(op, ref, &m);
  if (st == CLIQ_STATUS_OK) {
    cliq_session *s = NULL;
    st = cliq_session_create(ref, m, NULL, &s);
    cliq_session_destroy(s);
    cliq_model_destroy(m);
  }
  if (th_expect_status(ref, st, CLIQ_STATUS_SHAPE_MISMATCH, "Gemm inner dims 3 vs 2"))
    TH_CHECK(strstr(cliq_context_error(ref), "inner dims") != NULL, "message names the rule: %s", cliq_context_error(ref));
  th_op_free(op);
  op = th_op_new("MatMul", 13);
  int64_t e1[3] = {2, 4, 3}, e2[3] = {3, 3, 5};
  th_op_input(op, CLIQ_DTYPE_FLOAT32, 3, e1);
  th_op_input(op, CLIQ_DTYPE_FLOAT32, 3, e2);
  th_op_outputs(op, 1);
  st = th_op_model(op, ref, &m);
  if (st == CLIQ_STATUS_OK) {
    cliq_session *s = NULL;
    st = cliq_session_create(ref, m, NULL, &s);
    cliq_session_destroy(s);
    cliq_model_destroy(m);
  }
  th_expect_status(ref, st, CLIQ_STATUS_SHAPE_MISMATCH, "MatMul batch dims 2 vs 3");
  th_op_free(op);
  cliq__tensor_free(A);
  cliq__tensor_free(A3);
  cliq__tensor_free(B);
  cliq__tensor_free(C);
  cliq__tensor_free(ones);
  cliq_context_destroy(ref);
}

int main(void) {
  th_init("test_gemm");
  hand_checked();
  cliq_context *dev = th_device_context();
  const char *cb = getenv("CLIQ_TEST_CLBLAST");
  int clblast = cb && cb[0] == '0' ? 0 : cb && cb[0] == '1' ? 2 : 1; /* none, one case, all */
  for (int i = 0; i < CLIQ__VARIANT_COUNT; i++) {
    const cliq__variant *v = &cliq__variants[i];
    if (v->kind != CLIQ__VK_GEMM_F32) continue;
    if (!v->where(&dev->dev)) {
      printf("variant %s: skipped (cannot run on this device)\n", v->name);
      continue;
    }
    char tune[96];
    snprintf(tune, sizeof tune, "GEMM_F32=%s", v->name);
    setenv("CLIQ_TUNE", tune, 1);
    if (!v->program) {
      if (!clblast) {
        printf("variant %s: skipped (CLIQ_TEST_CLBLAST=0)\n", v->name);
        continue;
      }
      /* plain operands (A computed, B constant transposed), C column broadcast, scatter epilogue */
      gemm_case g = {13, 17, 7, 1, 0, 0.5f, 2.0f, 4, false, true, true, CLIQ_ACT_RELU};
      gemm_run(&g, v->name);
      if (clblast == 2) {
        int64_t a4b[4] = {2, 1, 5, 8}, b3[3] = {3, 8, 16};
        matmul_run(4, a4b, 3, b3, false, 0, v->name);
        cases(v->name);
      }
      continue;
    }
    printf("variant %s (MR %d, NR %d)\n", v->name, v->mr, v->nr);
    fflush(stdout);
    cases(v->name);
  }
  unsetenv("CLIQ_TUNE");
  cliq_context_destroy(dev);
  return th_finish();
}
