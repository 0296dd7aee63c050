/*
 * test_unary.c — float elementwise activations: OpenCL kernel vs C reference over awkward sizes,
 * attribute values and the extremes where naive formulas overflow.
 */
#include "harness.h"

#include <float.h>
#include <stdio.h>

static void run_case(const char *op_type, int opset, int rank, const int64_t *dims, float lo, float hi,
                     void (*attrs)(th_op *)) {
  th_op *op = th_op_new(op_type, opset);
  th_op_input(op, CLIQ_DTYPE_FLOAT32, rank, dims);
  if (attrs) attrs(op);
  th_op_outputs(op, 1);
  cliq__tensor *x = th_tensor_random(CLIQ_DTYPE_FLOAT32, rank, dims, lo, hi);
  char what[160], d[64];
  snprintf(what, sizeof what, "%s %s in [%g,%g]", op_type, cliq__dims_str(rank, dims, d, sizeof d), lo, hi);
  th_op_compare(op, 1, &x, 1e-6f, 1e-5f, what);
  cliq__tensor_free(x);
  th_op_free(op);
}

static void leaky(th_op *op) { cliq__node_set_float(th_op_node(op), "alpha", 0.1f); }
static void hsig(th_op *op) {
  cliq__node_set_float(th_op_node(op), "alpha", 0.25f);
  cliq__node_set_float(th_op_node(op), "beta", 0.4f);
}
static void relu6(th_op *op) {
  int64_t none[1] = {0};
  cliq__tensor *lo = th_tensor(CLIQ_DTYPE_FLOAT32, 0, none), *hi = th_tensor(CLIQ_DTYPE_FLOAT32, 0, none);
  ((float *)lo->data)[0] = 0.0f;
  ((float *)hi->data)[0] = 6.0f;
  th_op_const(op, lo);
  th_op_const(op, hi);
  cliq__tensor_free(lo);
  cliq__tensor_free(hi);
}

int main(void) {
  th_init("test_unary");
  static const int64_t sizes[][4] = {{1, 1, 1, 1}, {1, 3, 7, 13}, {2, 17, 5, 3}, {1, 16, 1, 1}, {1, 1, 1, 257}};
  struct {
    const char *op;
    int opset;
    void (*attrs)(th_op *);
  } ops[] = {{"Relu", 13, NULL},       {"LeakyRelu", 13, leaky}, {"LeakyRelu", 13, NULL}, {"Sigmoid", 13, NULL},
             {"HardSigmoid", 13, hsig}, {"HardSigmoid", 13, NULL}, {"HardSwish", 14, NULL}, {"Tanh", 13, NULL},
             {"Exp", 13, NULL},        {"Elu", 13, NULL},       {"Selu", 13, NULL},      {"Softplus", 13, NULL},
             {"Softsign", 13, NULL},        {"Clip", 13, relu6},     {"Clip", 13, NULL}};
  for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++)
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
      bool exp_op = ops[o].op[0] == 'E';
      run_case(ops[o].op, ops[o].opset, 4, sizes[s], exp_op ? -20.0f : -8.0f, exp_op ? 20.0f : 8.0f, ops[o].attrs);
    }
  /* sigmoid must not overflow at the extremes */
  int64_t d1[1] = {1000};
  run_case("Sigmoid", 13, 1, d1, -200.0f, 200.0f, NULL);
  /* rank 1 and rank 0 */
  run_case("Relu", 13, 1, d1, -1.0f, 1.0f, NULL);
  run_case("Relu", 13, 0, d1, -1.0f, 1.0f, NULL);
  /* Clip-6 with attributes is rewritten to the input form at import */
  th_op *op = th_op_new("Clip", 10); /* Clip-6 semantics until opset 11 */
  int64_t dims[2] = {3, 5};
  th_op_input(op, CLIQ_DTYPE_FLOAT32, 2, dims);
  cliq__node_set_float(th_op_node(op), "min", -0.5f);
  cliq__node_set_float(th_op_node(op), "max", 0.25f);
  th_op_outputs(op, 1);
  cliq__tensor *x = th_tensor_random(CLIQ_DTYPE_FLOAT32, 2, dims, -2, 2);
  th_op_compare(op, 1, &x, 0, 0, "Clip-6 attributes (opset 10 model)");
  cliq__tensor_free(x);
  th_op_free(op);
  return th_finish();
}
