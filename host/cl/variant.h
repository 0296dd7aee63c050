/*
 * variant.h — the kernel variant table (variants.h) as data, and choosing a variant per device.
 *
 * Choice: the user's CLIQ_TUNE=<KEY>=<variant id> (e.g. CLIQ_TUNE=GEMM_F32=gemm_f32_12x32), else
 * the tuning table's value of KEY for the device (host/cl/tuning.c: device, then vendor), else the
 * first variant of the kind in table order. A choice whose predicate fails on the device falls back
 * to that default, so a forced variant can never select a kernel the device cannot run.
 */
#ifndef CLIQ_VARIANT_H
#define CLIQ_VARIANT_H

#include "device.h"

#include <stdbool.h>

typedef enum cliq__variant_kind {
  CLIQ__VK_GEMM_F32 = 1 /* float GEMM over packed panels with the conv/gemm epilogue */
} cliq__variant_kind;

typedef enum cliq__variant_id {
#define CLIQ_VARIANT(id, kind, program, kernel, mr, nr, where, why) CLIQ__VARIANT_##id,
#include "variants.h"
#undef CLIQ_VARIANT
  CLIQ__VARIANT_COUNT
} cliq__variant_id;

typedef struct cliq__variant {
  const char *name;
  cliq__variant_kind kind;
  const char *program; /* NULL: not a cliq kernel (CLBlast) */
  const char *kernel;
  int mr, nr;          /* rows / columns per work-item (panel widths) */
  bool (*where)(const cliq__device *d);
  const char *why;
} cliq__variant;

extern const cliq__variant cliq__variants[CLIQ__VARIANT_COUNT];

/* Predicates for the table. */
bool cliq__where_any(const cliq__device *d);
bool cliq__where_clblast(const cliq__device *d); /* an OpenCL device CLBlast can drive (not the reference) */

/* The variant of `kind` for device d (see above); `key` is the CLIQ_TUNE / tuning-table key. */
const cliq__variant *cliq__variant_pick(const cliq__device *d, cliq__variant_kind kind, const char *key);

/* Variant by id name, NULL when unknown. */
const cliq__variant *cliq__variant_find(const char *name);

#endif /* CLIQ_VARIANT_H */
