/*
 * error.c — status names, the context's error message, OpenCL error names.
 */
#include "error.h"

#include "cl/clhead.h"
#include "context.h"
#include "graph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *cliq_status_name(cliq_status status) {
  switch (status) {
#define CLIQ_X_NAME(name, value, text) \
  case CLIQ_STATUS_##name:             \
    return "CLIQ_STATUS_" #name;
    CLIQ_STATUS_LIST(CLIQ_X_NAME)
#undef CLIQ_X_NAME
  }
  return "CLIQ_STATUS_UNKNOWN";
}

const char *cliq_status_string(cliq_status status) {
  switch (status) {
#define CLIQ_X_TEXT(name, value, text) \
  case CLIQ_STATUS_##name:             \
    return text;
    CLIQ_STATUS_LIST(CLIQ_X_TEXT)
#undef CLIQ_X_TEXT
  }
  return "unknown status";
}

static void set_message(cliq_context *ctx, const char *msg, size_t len) {
  if (len + 1 > ctx->err_cap) {
    char *p = realloc(ctx->err, len + 1);
    if (!p) return; /* keep the old message rather than fail while failing */
    ctx->err = p;
    ctx->err_cap = len + 1;
  }
  memcpy(ctx->err, msg, len);
  ctx->err[len] = '\0';
  ctx->err_len = len;
}

cliq_status cliq__vfail(cliq_context *ctx, cliq_status status, const char *fmt, va_list ap) {
  if (!ctx) return status;
  char buf[2048];
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  if (n < 0) n = 0;
  if ((size_t)n >= sizeof buf) n = sizeof buf - 1;
  set_message(ctx, buf, (size_t)n);
  return status;
}

cliq_status cliq__fail(cliq_context *ctx, cliq_status status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  cliq__vfail(ctx, status, fmt, ap);
  va_end(ap);
  return status;
}

cliq_status cliq__node_fail(cliq_context *ctx, const cliq__graph *g, int node, cliq_status status,
                            const char *fmt, ...) {
  if (!ctx) return status;
  char body[1800];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(body, sizeof body, fmt, ap);
  va_end(ap);
  const cliq__node *n = &g->nodes[node];
  const char *dom = n->domain && n->domain[0] ? n->domain : NULL;
  return cliq__fail(ctx, status, "node '%s' (%s%s%s, opset %d): %s", n->name, dom ? dom : "",
                    dom ? "." : "", n->op_type, n->opset, body);
}

void cliq__error_append(cliq_context *ctx, const char *text) {
  if (!ctx || !text) return;
  size_t add = strlen(text);
  size_t len = ctx->err_len + add;
  if (len + 1 > ctx->err_cap) {
    char *p = realloc(ctx->err, len + 1);
    if (!p) return;
    ctx->err = p;
    ctx->err_cap = len + 1;
  }
  memcpy(ctx->err + ctx->err_len, text, add + 1);
  ctx->err_len = len;
}

void cliq__error_clear(cliq_context *ctx) {
  if (ctx && ctx->err) {
    ctx->err[0] = '\0';
    ctx->err_len = 0;
  }
}

const char *cliq_context_error(const cliq_context *ctx) {
  if (!ctx || !ctx->err) return "";
  return ctx->err;
}

const char *cliq__cl_error_name(int err) {
  switch (err) {
#define E(x) \
  case x:    \
    return #x;
    E(CL_SUCCESS) E(CL_DEVICE_NOT_FOUND) E(CL_DEVICE_NOT_AVAILABLE) E(CL_COMPILER_NOT_AVAILABLE)
    E(CL_MEM_OBJECT_ALLOCATION_FAILURE) E(CL_OUT_OF_RESOURCES) E(CL_OUT_OF_HOST_MEMORY)
    E(CL_PROFILING_INFO_NOT_AVAILABLE) E(CL_MEM_COPY_OVERLAP) E(CL_IMAGE_FORMAT_MISMATCH)
    E(CL_IMAGE_FORMAT_NOT_SUPPORTED) E(CL_BUILD_PROGRAM_FAILURE) E(CL_MAP_FAILURE)
    E(CL_MISALIGNED_SUB_BUFFER_OFFSET) E(CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST)
    E(CL_COMPILE_PROGRAM_FAILURE) E(CL_LINKER_NOT_AVAILABLE) E(CL_LINK_PROGRAM_FAILURE)
    E(CL_DEVICE_PARTITION_FAILED) E(CL_KERNEL_ARG_INFO_NOT_AVAILABLE) E(CL_INVALID_VALUE)
    E(CL_INVALID_DEVICE_TYPE) E(CL_INVALID_PLATFORM) E(CL_INVALID_DEVICE) E(CL_INVALID_CONTEXT)
    E(CL_INVALID_QUEUE_PROPERTIES) E(CL_INVALID_COMMAND_QUEUE) E(CL_INVALID_HOST_PTR)
    E(CL_INVALID_MEM_OBJECT) E(CL_INVALID_IMAGE_FORMAT_DESCRIPTOR) E(CL_INVALID_IMAGE_SIZE)
    E(CL_INVALID_SAMPLER) E(CL_INVALID_BINARY) E(CL_INVALID_BUILD_OPTIONS) E(CL_INVALID_PROGRAM)
    E(CL_INVALID_PROGRAM_EXECUTABLE) E(CL_INVALID_KERNEL_NAME) E(CL_INVALID_KERNEL_DEFINITION)
    E(CL_INVALID_KERNEL) E(CL_INVALID_ARG_INDEX) E(CL_INVALID_ARG_VALUE) E(CL_INVALID_ARG_SIZE)
    E(CL_INVALID_KERNEL_ARGS) E(CL_INVALID_WORK_DIMENSION) E(CL_INVALID_WORK_GROUP_SIZE)
    E(CL_INVALID_WORK_ITEM_SIZE) E(CL_INVALID_GLOBAL_OFFSET) E(CL_INVALID_EVENT_WAIT_LIST)
    E(CL_INVALID_EVENT) E(CL_INVALID_OPERATION) E(CL_INVALID_GL_OBJECT) E(CL_INVALID_BUFFER_SIZE)
    E(CL_INVALID_MIP_LEVEL) E(CL_INVALID_GLOBAL_WORK_SIZE) E(CL_INVALID_PROPERTY)
    E(CL_INVALID_IMAGE_DESCRIPTOR) E(CL_INVALID_COMPILER_OPTIONS) E(CL_INVALID_LINKER_OPTIONS)
    E(CL_INVALID_DEVICE_PARTITION_COUNT)
#undef E
  }
  return "CL_UNKNOWN_ERROR";
}

cliq_status cliq__cl_status(int err) {
  switch (err) {
  case CL_SUCCESS:
    return CLIQ_STATUS_OK;
  case CL_MEM_OBJECT_ALLOCATION_FAILURE:
  case CL_OUT_OF_RESOURCES:
  case CL_INVALID_BUFFER_SIZE:
    return CLIQ_STATUS_DEVICE_OUT_OF_MEMORY;
  case CL_OUT_OF_HOST_MEMORY:
    return CLIQ_STATUS_OUT_OF_MEMORY;
  case CL_BUILD_PROGRAM_FAILURE:
  case CL_COMPILE_PROGRAM_FAILURE:
  case CL_LINK_PROGRAM_FAILURE:
    return CLIQ_STATUS_BUILD_FAILED;
  default:
    return CLIQ_STATUS_DEVICE_ERROR;
  }
}
