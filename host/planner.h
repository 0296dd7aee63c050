/*
 * planner.h — turning a session graph into device launches.
 *
 * An op's plan() describes its work as launches: a kernel from a program (an embedded .cl file
 * built with some -D options), its arguments and its ranges. Arguments name storage abstractly
 * (a graph value, an uploaded constant, a scratch buffer); the memory planner assigns real
 * buffers afterwards and the executor binds them once, so a run is only enqueues.
 *
 * Errors are sticky: once a call fails, later calls do nothing and cliq__plan_status() returns the
 * first error, so plan() functions need not check every call.
 */
#ifndef CLIQ_PLANNER_H
#define CLIQ_PLANNER_H

#include "cl/clhead.h"
#include "error.h"
#include "graph.h"

#include <stddef.h>
#include <stdint.h>

typedef enum cliq__arg_kind {
  CLIQ__ARG_VALUE = 1,   /* device storage of a graph value (uploaded automatically if constant) */
  CLIQ__ARG_CONST = 2,   /* a buffer uploaded once at plan time (packed weights, tables) */
  CLIQ__ARG_SCRATCH = 3, /* a temporary buffer live during the node */
  CLIQ__ARG_I32 = 4,
  CLIQ__ARG_F32 = 5,
  CLIQ__ARG_LOCAL = 6,   /* __local memory of the given size */
  CLIQ__ARG_I64 = 7
} cliq__arg_kind;

typedef struct cliq__arg {
  cliq__arg_kind kind;
  int id;       /* VALUE: value id; CONST/SCRATCH: buffer id */
  int32_t i32;
  int64_t i64;
  float f32;
  size_t local;
} cliq__arg;

struct cliq__exec;
struct cliq__launch;

/* A launch that enqueues itself (CLBlast calls, buffer copies). It resolves its args with
 * cliq__exec_mem(). The event, when requested, is for profiling. */
typedef cliq_status (*cliq__enqueue_fn)(struct cliq__exec *ex, const struct cliq__launch *L, cl_event *ev);

#define CLIQ__MAX_ARGS 40

typedef struct cliq__launch {
  int node;                 /* node index in the session graph */
  char kernel_name[64];
  cl_kernel kernel;         /* NULL for custom launches */
  cliq__arg args[CLIQ__MAX_ARGS];
  unsigned n_args;
  cl_uint work_dim;
  size_t gws[3], lws[3];
  bool has_lws;
  cliq__enqueue_fn enqueue; /* custom launch */
  void *custom;             /* owned by the launch, freed with custom_free */
  void (*custom_free)(void *);
} cliq__launch;

typedef struct cliq__planner cliq__planner;

/* Launch of kernel `kernel` from program `program` ("conv_f32" = cl_kernels/conv_f32.cl) built with
 * `options` (may be NULL; device tuning defines are prepended). */
cliq__launch *cliq__plan_kernel(cliq__planner *p, int node, const char *program, const char *options,
                                const char *kernel);
/* Launch that calls fn at run time; custom is owned by the launch (freed with custom_free). */
cliq__launch *cliq__plan_custom(cliq__planner *p, int node, const char *name, cliq__enqueue_fn fn,
                                void *custom, void (*custom_free)(void *));

void cliq__arg_value(cliq__launch *L, int value);
void cliq__arg_const(cliq__launch *L, int const_id);
void cliq__arg_scratch(cliq__launch *L, int scratch_id);
void cliq__arg_i32(cliq__launch *L, int32_t v);
void cliq__arg_i64(cliq__launch *L, int64_t v);
void cliq__arg_f32(cliq__launch *L, float v);
void cliq__arg_local(cliq__launch *L, size_t nbytes);
/* Ranges. gws is rounded up to a multiple of lws by the planner (kernels guard their bounds). */
void cliq__launch_range(cliq__launch *L, unsigned dims, const size_t *gws, const size_t *lws);

/* Uploads data (copied) once; returns a const buffer id (-1 on failure, sticky error set). */
int cliq__plan_const(cliq__planner *p, const void *data, size_t nbytes);
/* A scratch buffer of nbytes, live during this node only; returns its id. */
int cliq__plan_scratch(cliq__planner *p, int node, size_t nbytes);

/* Session graph, context and device facts for plan() functions. */
cliq__graph *cliq__plan_graph(cliq__planner *p);
cliq_context *cliq__plan_context(cliq__planner *p);
const struct cliq__device *cliq__plan_device(cliq__planner *p);

/* First error so far (OK if none). Also used to record one: cliq__plan_error(p, status). */
cliq_status cliq__plan_status(const cliq__planner *p);
cliq_status cliq__plan_error(cliq__planner *p, cliq_status status);

/* Executor side: the cl_mem and byte offset behind an argument (for custom launches). */
cl_mem cliq__exec_mem(struct cliq__exec *ex, const cliq__arg *a, size_t *offset);
cl_command_queue cliq__exec_queue(struct cliq__exec *ex);

#endif /* CLIQ_PLANNER_H */
