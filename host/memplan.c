/*
 * memplan.c — activation memory planning by liveness.
 *
 * Every non-constant value that owns storage (views alias their source: Reshape, Flatten, ...)
 * and every scratch buffer gets a live interval in node steps. Intervals are placed largest first
 * at the lowest offset that overlaps no placed interval in both time and address (the greedy
 * by-size scheme of TFLite's arena planner), in one arena; each gets a sub-buffer aligned to
 * CL_DEVICE_MEM_BASE_ADDR_ALIGN. With keep_intermediates every interval spans the whole run.
 */
#include "context.h"
#include "error.h"
#include "ops/op.h"
#include "session.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct item {
  size_t size;
  int start, end; /* inclusive node steps */
  size_t offset;
  int value;      /* value id, or -1 for scratch */
  int scratch;
} item;

static int cmp_size_desc(const void *a, const void *b) {
  const item *x = a, *y = b;
  if (x->size != y->size) return x->size < y->size ? 1 : -1;
  return x->start - y->start;
}

static size_t align_up(size_t x, size_t a) { return (x + a - 1) / a * a; }

cliq_status cliq__memplan(cliq_session *s) {
  cliq__graph *g = s->g;
  size_t nv = g->n_values;
  int n_steps = (int)g->n_nodes;
  cliq_status st = CLIQ_STATUS_OK;
  s->root = malloc((nv + 1) * sizeof(int));
  s->value_offset = malloc((nv + 1) * sizeof(size_t));
  s->scratch_offset = malloc((s->n_scratch + 1) * sizeof(size_t));
  int *first = malloc((nv + 1) * sizeof(int)), *last = malloc((nv + 1) * sizeof(int));
  item *items = malloc((nv + s->n_scratch + 1) * sizeof(item));
  if (!s->root || !s->value_offset || !s->scratch_offset || !first || !last || !items) {
    st = CLIQ_STATUS_OUT_OF_MEMORY;
    goto out;
  }
  for (size_t v = 0; v < nv; v++) {
    s->root[v] = (int)v;
    s->value_offset[v] = SIZE_MAX;
    first[v] = INT32_MAX;
    last[v] = -1;
  }
  /* aliases: output 0 of an alias op shares input 0's storage */
  for (size_t i = 0; i < g->n_nodes; i++) {
    cliq__node *n = &g->nodes[i];
    if ((n->def->flags & CLIQ__OP_ALIAS) && n->n_inputs > 0 && n->inputs[0] >= 0 && n->outputs[0] >= 0 &&
        !g->values[n->inputs[0]].constant)
      s->root[n->outputs[0]] = s->root[n->inputs[0]];
  }
  for (size_t i = 0; i < g->n_inputs; i++) first[s->root[g->inputs[i]]] = -1;
  for (size_t i = 0; i < g->n_nodes; i++) {
    cliq__node *n = &g->nodes[i];
    for (size_t k = 0; k < n->n_outputs; k++) {
      int v = n->outputs[k];
      if (v < 0 || g->values[v].constant) continue;
      int r = s->root[v];
      if (first[r] > (int)i) first[r] = (int)i;
      if (last[r] < (int)i) last[r] = (int)i;
    }
    for (size_t k = 0; k < n->n_inputs; k++) {
      int v = n->inputs[k];
      if (v < 0 || g->values[v].constant) continue;
      int r = s->root[v];
      if (last[r] < (int)i) last[r] = (int)i;
    }
  }
  for (size_t i = 0; i < g->n_outputs; i++) {
    int v = g->outputs[i];
    if (!g->values[v].constant) last[s->root[v]] = n_steps;
  }
  size_t n_items = 0;
  for (size_t v = 0; v < nv; v++) {
    if (s->root[v] != (int)v || last[v] < 0 || g->values[v].constant) continue;
    if (first[v] == INT32_MAX) first[v] = last[v]; /* read but never written: graph input handled above */
    size_t elems, bytes;
    cliq__value *val = &g->values[v];
    if (!cliq__shape_elems(val->rank, val->dims, &elems) || !cliq__mul_size(elems, cliq_dtype_size(val->dtype), &bytes)) {
      st = cliq__fail(s->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "tensor '%s' is too large to plan", val->name);
      goto out;
    }
    if (bytes == 0) continue;
    item *it = &items[n_items++];
    it->size = bytes;
    it->start = s->keep ? -1 : first[v];
    it->end = s->keep ? n_steps : last[v];
    it->value = (int)v;
    it->scratch = -1;
  }
  for (size_t k = 0; k < s->n_scratch; k++) {
    s->scratch_offset[k] = SIZE_MAX;
    if (s->scratch_size[k] == 0) continue;
    item *it = &items[n_items++];
    it->size = s->scratch_size[k];
    it->start = it->end = s->scratch_node[k];
    it->value = -1;
    it->scratch = (int)k;
  }
  qsort(items, n_items, sizeof(item), cmp_size_desc);
  size_t align = s->ctx->dev.mem_base_align ? s->ctx->dev.mem_base_align : 128;
  size_t total = 0;
  for (size_t i = 0; i < n_items; i++) {
    item *it = &items[i];
    size_t offset = 0;
    /* find the lowest gap among placed items that overlap in time; placed items are few hundred */
    for (bool moved = true; moved;) {
      moved = false;
      for (size_t j = 0; j < i; j++) {
        item *o = &items[j];
        if (o->end < it->start || it->end < o->start) continue;
        if (offset < o->offset + o->size && o->offset < offset + it->size) {
          offset = align_up(o->offset + o->size, align);
          moved = true;
        }
      }
    }
    it->offset = offset;
    if (offset + it->size > total) total = offset + it->size;
  }
  for (size_t i = 0; i < n_items; i++) {
    if (items[i].value >= 0)
      s->value_offset[items[i].value] = items[i].offset;
    else
      s->scratch_offset[items[i].scratch] = items[i].offset;
  }
  s->arena_bytes = total;
  if (s->reference) goto out;
  s->value_mem = calloc(nv + 1, sizeof(cl_mem));
  s->scratch_mem = calloc(s->n_scratch + 1, sizeof(cl_mem));
  if (!s->value_mem || !s->scratch_mem) {
    st = CLIQ_STATUS_OUT_OF_MEMORY;
    goto out;
  }
  cl_int err;
  if (total > s->ctx->dev.max_alloc && s->ctx->dev.max_alloc) {
    st = cliq__fail(s->ctx, CLIQ_STATUS_DEVICE_OUT_OF_MEMORY,
                    "activations need %llu bytes in one buffer; device '%s' allows at most %llu per allocation "
                    "(use a smaller batch or input size)",
                    (unsigned long long)total, s->ctx->dev.name, (unsigned long long)s->ctx->dev.max_alloc);
    goto out;
  }
  s->arena = clCreateBuffer(s->ctx->cl, CL_MEM_READ_WRITE, total ? total : 64, NULL, &err);
  if (!s->arena) {
    st = cliq__fail(s->ctx, cliq__cl_status(err), "allocating %llu bytes of activation memory on '%s' failed: %s",
                    (unsigned long long)total, s->ctx->dev.name, cliq__cl_error_name(err));
    goto out;
  }
  s->dummy = clCreateBuffer(s->ctx->cl, CL_MEM_READ_WRITE, 64, NULL, &err);
  if (!s->dummy) {
    st = cliq__fail(s->ctx, cliq__cl_status(err), "allocating a 64-byte buffer failed: %s", cliq__cl_error_name(err));
    goto out;
  }
  for (size_t i = 0; i < n_items; i++) {
    cl_buffer_region r = {items[i].offset, items[i].size};
    cl_mem m = clCreateSubBuffer(s->arena, CL_MEM_READ_WRITE, CL_BUFFER_CREATE_TYPE_REGION, &r, &err);
    if (!m) {
      st = cliq__fail(s->ctx, cliq__cl_status(err), "creating a sub-buffer at %zu (+%zu) failed: %s", r.origin, r.size,
                      cliq__cl_error_name(err));
      goto out;
    }
    if (items[i].value >= 0)
      s->value_mem[items[i].value] = m;
    else
      s->scratch_mem[items[i].scratch] = m;
  }
out:
  free(first);
  free(last);
  free(items);
  return st;
}

cl_mem cliq__session_value_mem(cliq_session *s, int v) {
  if (v < 0 || !s->value_mem) return NULL;
  cl_mem m = s->value_mem[s->root[v]];
  return m ? m : s->dummy;
}
