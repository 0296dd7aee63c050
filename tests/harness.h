/*
 * harness.h — what every cliq test program shares (the benchmarks use the same builders).
 *
 * - Seeded randomness: the seed is printed at start; CLIQ_TEST_SEED=<n> replays a failure.
 * - Skips: a test that needs something absent (OpenCL device, ../shared, onnxruntime) prints the
 *   reason and exits 77, which ctest reports as skipped.
 * - Checks count into a summary; th_finish() prints "N passed, N failed" (the closing line CI
 *   reads) and returns the exit code.
 * - One-op graphs: th_op builds a graph with one node, its runtime inputs and constant inputs (with
 *   harness_graph.h's tg builder), so the same model runs on the device and on the C reference and
 *   the outputs are compared.
 */
#ifndef CLIQ_TEST_HARNESS_H
#define CLIQ_TEST_HARNESS_H

#include "cliq.h"
#include "graph.h"
#include "tensor.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TH_SKIP 77

extern uint64_t th_seed;

/* Prints the test name and seed. */
void th_init(const char *name);
/* Prints the summary line and returns 0 if nothing failed, else 1. */
int th_finish(void);
/* Exits 77 after printing the reason. */
void th_skip(const char *fmt, ...);

/* Records a check; prints the message on failure. Returns cond. */
bool th_check(bool cond, const char *file, int line, const char *fmt, ...);
#define TH_CHECK(cond, ...) th_check((cond), __FILE__, __LINE__, __VA_ARGS__)
/* Expects a specific status; prints the context's message when it differs. */
bool th_expect_status(cliq_context *ctx, cliq_status got, cliq_status want, const char *what);
#define TH_OK(ctx, expr) th_expect_status((ctx), (expr), CLIQ_STATUS_OK, #expr)
size_t th_failures(void);

/* Random numbers from the seeded generator. */
uint64_t th_rand(void);
float th_uniform(float lo, float hi);
int th_randint(int lo, int hi); /* inclusive */

/* Timing (test_models and the bench/ programs): monotonic milliseconds, and a qsort comparator of
 * doubles for medians of repeated runs. */
double th_now_ms(void);
int th_cmp_double(const void *a, const void *b);

/* Contexts: the OpenCL device (skips the test when there is none) and the C reference. */
cliq_context *th_device_context(void);
cliq_context *th_ref_context(void);
/* Where ../shared is (CLIQ_SHARED_DIR or the build's default), or NULL when absent. */
const char *th_shared_dir(void);

/* Host tensors. */
cliq__tensor *th_tensor(cliq_dtype dtype, int rank, const int64_t *dims);
cliq__tensor *th_tensor_random(cliq_dtype dtype, int rank, const int64_t *dims, float lo, float hi);
void th_fill_poison(void *data, size_t nbytes); /* 0xA5 bytes, as QNNPACK does */

/* One-op graph builder. */
typedef struct th_op th_op;
th_op *th_op_new(const char *op_type, int opset);
void th_op_free(th_op *op);
/* A runtime input; its data comes from the tensor passed to th_op_run. Returns input index. */
int th_op_input(th_op *op, cliq_dtype dtype, int rank, const int64_t *dims);
/* A constant input (an initializer); t is copied. */
void th_op_const(th_op *op, const cliq__tensor *t);
/* An absent optional input. */
void th_op_absent(th_op *op);
/* Adds n outputs. */
void th_op_outputs(th_op *op, size_t n);
/* The node, to set attributes with cliq__node_set_*. */
cliq__node *th_op_node(th_op *op);
/* Builds a model of the op (through the normal load pipeline). Returns the status. */
cliq_status th_op_model(th_op *op, cliq_context *ctx, cliq_model **out);

/* Runs a model with the given input tensors; allocates outputs (poison-filled before the run).
 * Returns the status; on failure the context's message is printed. */
cliq_status th_run(cliq_context *ctx, const cliq_model *m, size_t n_in, cliq__tensor *const *in, size_t *n_out,
                   cliq__tensor ***out);
void th_free_tensors(cliq__tensor **t, size_t n);

/* Runs op on the device and on the reference with the same inputs and compares every output:
 * floats with |got-want| <= atol + rtol*|want|, integer types exactly. `what` names the case in
 * messages. Returns true when all match (or the case was rejected the same way by both). */
bool th_op_compare(th_op *op, size_t n_in, cliq__tensor *const *in, float atol, float rtol, const char *what);

/* Comparators that print the first mismatch (index, both values) and count a check. */
bool th_compare_f32(const char *what, const float *got, const float *want, size_t n, float atol, float rtol);
bool th_compare_bytes(const char *what, const void *got, const void *want, size_t nbytes);
bool th_compare_tensor(const char *what, const cliq__tensor *got, const cliq__tensor *want, float atol, float rtol);

/* Reads a whole file (tests reading .pb data); NULL when unreadable. */
void *th_read_file(const char *path, size_t *size);
/* An ONNX TensorProto file (the .pb of ONNX test data sets) as a tensor; NULL when unreadable or
 * malformed. */
cliq__tensor *th_read_pb(const char *path);
/* The entries of dir not starting with '.', sorted by name (malloc'ed); the count in *n. NULL (and
 * *n = 0) when dir cannot be read. th_free_list frees the list. */
char **th_list_dir(const char *dir, size_t *n);
void th_free_list(char **names, size_t n);

#endif /* CLIQ_TEST_HARNESS_H */
