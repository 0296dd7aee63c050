/*
 * error.h — status helpers and the detailed error message kept on a context.
 *
 * Every failing path ends in cliq__fail(), which formats the message into the context (never a
 * global) and returns the status, so callers write `return cliq__fail(ctx, STATUS, ...)`.
 * A NULL context is allowed (the message is dropped) so low-level helpers can be reused.
 */
#ifndef CLIQ_ERROR_H
#define CLIQ_ERROR_H

#include "cliq.h"

#include <stdarg.h>

#if defined(__GNUC__)
#define CLIQ__PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define CLIQ__PRINTF(a, b)
#endif

struct cliq__graph;

/* Sets the context's message and returns status. */
cliq_status cliq__fail(cliq_context *ctx, cliq_status status, const char *fmt, ...) CLIQ__PRINTF(3, 4);
cliq_status cliq__vfail(cliq_context *ctx, cliq_status status, const char *fmt, va_list ap);

/* Same, prefixed with "node 'name' (OpType, opset N): ". */
cliq_status cliq__node_fail(cliq_context *ctx, const struct cliq__graph *g, int node, cliq_status status,
                            const char *fmt, ...) CLIQ__PRINTF(5, 6);

/* Appends text (e.g. an OpenCL build log) to the current message. */
void cliq__error_append(cliq_context *ctx, const char *text);

/* Clears the message at the start of a public call. */
void cliq__error_clear(cliq_context *ctx);

/* Human name of an OpenCL error code ("CL_OUT_OF_RESOURCES"). */
const char *cliq__cl_error_name(int err);

/* Maps an OpenCL error to a status: allocation failures become DEVICE_OUT_OF_MEMORY. */
cliq_status cliq__cl_status(int err);

/* Returns early when a status is not OK. */
#define CLIQ__TRY(expr)                                                                          \
  do {                                                                                           \
    cliq_status cliq__s_ = (expr);                                                               \
    if (cliq__s_ != CLIQ_STATUS_OK) return cliq__s_;                                             \
  } while (0)

#endif /* CLIQ_ERROR_H */
