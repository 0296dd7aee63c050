/*
 * planner.c — collecting launches, uploaded constants and scratch requests while ops plan.
 */
#include "planner.h"

#include "cl/program.h"
#include "context.h"
#include "ops/op.h"
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cliq__planner {
  cliq_session *s;
  cliq_status status;
  cliq__launch dead; /* returned after an error so calls on it are harmless */
};

cliq__planner *cliq__planner_new(cliq_session *s);
void cliq__planner_free(cliq__planner *p);
cliq_status cliq__plan_node(cliq__planner *p, int node);

cliq__planner *cliq__planner_new(cliq_session *s) {
  cliq__planner *p = calloc(1, sizeof *p);
  if (p) p->s = s;
  return p;
}

void cliq__planner_free(cliq__planner *p) { free(p); }

cliq_status cliq__plan_status(const cliq__planner *p) { return p->status; }

cliq_status cliq__plan_error(cliq__planner *p, cliq_status status) {
  if (p->status == CLIQ_STATUS_OK) p->status = status;
  return p->status;
}

cliq__graph *cliq__plan_graph(cliq__planner *p) { return p->s->g; }
cliq_context *cliq__plan_context(cliq__planner *p) { return p->s->ctx; }
const cliq__device *cliq__plan_device(cliq__planner *p) { return &p->s->ctx->dev; }

static cliq__launch *new_launch(cliq__planner *p, int node, const char *name) {
  cliq_session *s = p->s;
  if (p->status != CLIQ_STATUS_OK) return &p->dead;
  if (s->n_launches == s->cap_launches) {
    size_t cap = s->cap_launches ? s->cap_launches * 2 : 64;
    cliq__launch *l = realloc(s->launches, cap * sizeof *l);
    if (!l) {
      cliq__plan_error(p, CLIQ_STATUS_OUT_OF_MEMORY);
      return &p->dead;
    }
    s->launches = l;
    s->cap_launches = cap;
  }
  cliq__launch *L = &s->launches[s->n_launches++];
  memset(L, 0, sizeof *L);
  L->node = node;
  snprintf(L->kernel_name, sizeof L->kernel_name, "%s", name);
  L->work_dim = 1;
  L->gws[0] = L->gws[1] = L->gws[2] = 1;
  L->lws[0] = L->lws[1] = L->lws[2] = 1;
  return L;
}

cliq__launch *cliq__plan_kernel(cliq__planner *p, int node, const char *program, const char *options,
                                const char *kernel) {
  cliq__launch *L = new_launch(p, node, kernel);
  if (L == &p->dead) return L;
  cl_kernel k;
  cliq_status st = cliq__kernel_create(p->s->ctx, program, options, kernel, &k);
  if (st != CLIQ_STATUS_OK) {
    p->s->n_launches--;
    cliq__plan_error(p, st);
    return &p->dead;
  }
  L->kernel = k;
  return L;
}

cliq__launch *cliq__plan_custom(cliq__planner *p, int node, const char *name, cliq__enqueue_fn fn, void *custom,
                                void (*custom_free)(void *)) {
  cliq__launch *L = new_launch(p, node, name);
  if (L == &p->dead) {
    if (custom_free) custom_free(custom);
    return L;
  }
  L->enqueue = fn;
  L->custom = custom;
  L->custom_free = custom_free;
  return L;
}

static cliq__arg *next_arg(cliq__launch *L) {
  if (L->n_args >= CLIQ__MAX_ARGS) {
    L->n_args = CLIQ__MAX_ARGS + 1; /* reported by cliq__plan_node */
    return NULL;
  }
  cliq__arg *a = &L->args[L->n_args++];
  memset(a, 0, sizeof *a);
  return a;
}

void cliq__arg_value(cliq__launch *L, int value) {
  cliq__arg *a = next_arg(L);
  if (a) a->kind = CLIQ__ARG_VALUE, a->id = value;
}
void cliq__arg_const(cliq__launch *L, int id) {
  cliq__arg *a = next_arg(L);
  if (a) a->kind = CLIQ__ARG_CONST, a->id = id;
}
void cliq__arg_scratch(cliq__launch *L, int id) {
  cliq__arg *a = next_arg(L);
  if (a) a->kind = CLIQ__ARG_SCRATCH, a->id = id;
}
void cliq__arg_i32(cliq__launch *L, int32_t v) {
  cliq__arg *a = next_arg(L);
  if (a) a->kind = CLIQ__ARG_I32, a->i32 = v;
}
void cliq__arg_i64(cliq__launch *L, int64_t v) {
  cliq__arg *a = next_arg(L);
  if (a) a->kind = CLIQ__ARG_I64, a->i64 = v;
}
void cliq__arg_f32(cliq__launch *L, float v) {
  cliq__arg *a = next_arg(L);
  if (a) a->kind = CLIQ__ARG_F32, a->f32 = v;
}
void cliq__arg_local(cliq__launch *L, size_t nbytes) {
  cliq__arg *a = next_arg(L);
  if (a) a->kind = CLIQ__ARG_LOCAL, a->local = nbytes;
}

void cliq__launch_range(cliq__launch *L, unsigned dims, const size_t *gws, const size_t *lws) {
  if (dims < 1 || dims > 3) return;
  L->work_dim = dims;
  L->has_lws = lws != NULL;
  for (unsigned i = 0; i < dims; i++) {
    size_t l = lws && lws[i] ? lws[i] : 1;
    L->lws[i] = l;
    /* round up: kernels guard their bounds; zero-size ranges stay zero (skipped at run time) */
    L->gws[i] = gws[i] == 0 ? 0 : (gws[i] + l - 1) / l * l;
  }
}

int cliq__plan_const(cliq__planner *p, const void *data, size_t nbytes) {
  cliq_session *s = p->s;
  if (p->status != CLIQ_STATUS_OK) return -1;
  if (s->n_consts == s->cap_consts) {
    size_t cap = s->cap_consts ? s->cap_consts * 2 : 64;
    cl_mem *m = realloc(s->consts, cap * sizeof *m);
    if (!m) {
      cliq__plan_error(p, CLIQ_STATUS_OUT_OF_MEMORY);
      return -1;
    }
    s->consts = m;
    s->cap_consts = cap;
  }
  cl_int err;
  /* zero-size constants still get a 4-byte buffer so kernels can be bound to something */
  size_t sz = nbytes ? nbytes : 4;
  uint32_t zero = 0;
  cl_mem m = clCreateBuffer(s->ctx->cl, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, sz,
                            (void *)(nbytes ? data : &zero), &err);
  if (!m) {
    cliq__fail(s->ctx, cliq__cl_status(err), "uploading a constant of %zu bytes failed: %s", nbytes,
               cliq__cl_error_name(err));
    cliq__plan_error(p, cliq__cl_status(err));
    return -1;
  }
  s->consts[s->n_consts] = m;
  s->const_bytes += sz;
  return (int)s->n_consts++;
}

int cliq__plan_scratch(cliq__planner *p, int node, size_t nbytes) {
  cliq_session *s = p->s;
  if (p->status != CLIQ_STATUS_OK) return -1;
  if (s->n_scratch == s->cap_scratch) {
    size_t cap = s->cap_scratch ? s->cap_scratch * 2 : 16;
    size_t *sz = realloc(s->scratch_size, cap * sizeof *sz);
    if (!sz) return cliq__plan_error(p, CLIQ_STATUS_OUT_OF_MEMORY), -1;
    s->scratch_size = sz;
    int *nd = realloc(s->scratch_node, cap * sizeof *nd);
    if (!nd) return cliq__plan_error(p, CLIQ_STATUS_OUT_OF_MEMORY), -1;
    s->scratch_node = nd;
    s->cap_scratch = cap;
  }
  s->scratch_size[s->n_scratch] = nbytes;
  s->scratch_node[s->n_scratch] = node;
  return (int)s->n_scratch++;
}

cliq_status cliq__plan_node(cliq__planner *p, int node) {
  cliq_session *s = p->s;
  cliq__node *n = &s->g->nodes[node];
  if (n->def->flags & CLIQ__OP_ALIAS) return CLIQ_STATUS_OK;
  if (!n->def->plan)
    return cliq__node_fail(s->ctx, s->g, node, CLIQ_STATUS_UNSUPPORTED,
                           "has no device kernel (only constant inputs are supported for this op)");
  size_t before = s->n_launches;
  cliq_status st = n->def->plan(p, node);
  if (st == CLIQ_STATUS_OK) st = p->status;
  if (st != CLIQ_STATUS_OK) {
    /* make sure the message names the node */
    if (cliq_context_error(s->ctx)[0] == '\0')
      cliq__node_fail(s->ctx, s->g, node, st, "planning failed: %s", cliq_status_string(st));
    return st;
  }
  for (size_t i = before; i < s->n_launches; i++)
    if (s->launches[i].n_args > CLIQ__MAX_ARGS)
      return cliq__node_fail(s->ctx, s->g, node, CLIQ_STATUS_INVALID_STATE, "launch '%s' has too many arguments",
                             s->launches[i].kernel_name);
  return CLIQ_STATUS_OK;
}
