/*
 * variants_q8.h — every int8 kernel variant, one line each (XNNPACK's X-macro lists): the planner
 * (host/ops/q8_layer.c) takes the first available one in table order, a node attribute
 * `cliq.variant` forces one (tests, benchmarks), and tests and `cliq bench kernels` iterate the
 * table, so a new variant is tested and benchmarked by adding its line.
 *
 * GEMM variants (QConv through the activation layout of conv_q8.cl, QGemm):
 *   X(name, program, kernel channels-on-rows, kernel channels-on-columns, kernel for 1x1 stride-1
 *     unpadded convs reading NCHW directly (NULL: none), build options, rows per row panel,
 *     activation xor mask, emulable, availability predicate)
 * `emulable` variants can be built with -DQ8_EMULATE_DOT=1, which swaps the vendor builtin for the
 * portable formula (cl_kernels/dot_q8.h) so their code runs where the hardware is absent.
 * Order = preference: dedicated dot-product hardware first, the wide CPU kernel before the
 * GPU-shaped portable one on CPUs, portable last (runs everywhere).
 */
#ifndef CLIQ_VARIANTS_Q8_H
#define CLIQ_VARIANTS_Q8_H

#include "device.h"

#include <stdbool.h>

static inline bool cliq__q8_any(const cliq__device *d) { return !d->is_reference; }
static inline bool cliq__q8_cpu(const cliq__device *d) { return !d->is_reference && !d->is_gpu; }
static inline bool cliq__q8_vnni(const cliq__device *d) { return d->has_vnni; }
static inline bool cliq__q8_dp4a(const cliq__device *d) { return d->has_nv_dp4a; }
static inline bool cliq__q8_khr(const cliq__device *d) { return d->has_khr_int_dot; }
static inline bool cliq__q8_arm(const cliq__device *d) { return d->has_arm_int_dot; }

#define CLIQ_Q8_GEMM_VARIANTS(X)                                                                               \
  X(vnni, "gemm_q8", "q8_gemm_vnni_n", "q8_gemm_vnni_t", "q8_gemm_vnni_1x1", "-DQ8_VNNI=1 -DQ8_ROWS=8", 8, 0x80,  \
    false, cliq__q8_vnni)                                                                                      \
  X(dp4a, "gemm_q8", "q8_gemm_dot4", "q8_gemm_dot4", NULL, "-DQ8_DOT=1 -DQ8_ROWS=8", 8, 0, true, cliq__q8_dp4a)  \
  X(khr_dot, "gemm_q8", "q8_gemm_dot4", "q8_gemm_dot4", NULL, "-DQ8_DOT=2 -DQ8_ROWS=8", 8, 0, true, cliq__q8_khr) \
  X(arm_dot, "gemm_q8", "q8_gemm_dot4", "q8_gemm_dot4", NULL, "-DQ8_DOT=3 -DQ8_ROWS=8", 8, 0, true, cliq__q8_arm) \
  X(wide, "gemm_q8", "q8_gemm_wide_n", "q8_gemm_wide_t", NULL, "-DQ8_ROWS=8", 8, 0, false, cliq__q8_cpu)        \
  X(portable, "gemm_q8", "q8_gemm_dot4", "q8_gemm_dot4", NULL, "-DQ8_ROWS=8", 8, 0, false, cliq__q8_any)

/* Depthwise variants: X(name, program, build options, kernel prefix, generic-only, availability).
 * The fixed-shape variants use the compile-time 3x3/5x5 stride-1/2 kernels where the shape fits
 * and the generic kernel elsewhere; dw_vnni also needs weights w - z_w inside int8 (always so for
 * symmetric weights) and falls back to dw_fixed's kernels otherwise. */
#define CLIQ_Q8_DW_VARIANTS(X)                                                                                 \
  X(dw_vnni, "dwconv_q8", "-DQ8_VNNI=1", "q8_dw_vnni_", false, cliq__q8_vnni)                                  \
  X(dw_fixed, "dwconv_q8", "", "q8_dw_", false, cliq__q8_any)                                                  \
  X(dw_generic, "dwconv_q8", "", "q8_dw_", true, cliq__q8_any)

typedef struct cliq__q8_gemm_variant {
  const char *name, *program, *kernel_n, *kernel_t, *kernel_1x1, *options;
  int rows;
  int xor_mask;
  bool emulable;
  bool (*available)(const cliq__device *d);
} cliq__q8_gemm_variant;

typedef struct cliq__q8_dw_variant {
  const char *name, *program, *options, *prefix;
  bool generic_only;
  bool (*available)(const cliq__device *d);
} cliq__q8_dw_variant;

/* The tables as arrays (defined in host/ops/q8_layer.c), ending with a NULL name. */
extern const cliq__q8_gemm_variant cliq__q8_gemm_variants[];
extern const cliq__q8_dw_variant cliq__q8_dw_variants[];

#endif /* CLIQ_VARIANTS_Q8_H */
