/*
 * program.h — OpenCL programs: embedded sources (or CLIQ_KERNEL_DIR), include expansion, build
 * with device defines, in-memory reuse per context and an on-disk binary cache.
 */
#ifndef CLIQ_PROGRAM_H
#define CLIQ_PROGRAM_H

#include "../context.h"
#include "clhead.h"

/* Embedded copies of cl_kernels/ (generated at build time by cmake/embed.cmake). */
typedef struct cliq__embedded_file {
  const char *name; /* "conv_f32.cl", "cliq_requant.h" */
  const char *text;
  size_t size;
} cliq__embedded_file;
extern const cliq__embedded_file cliq__embedded_files[]; /* ends with {NULL, NULL, 0} */

/* Text of a kernel source file, with #include "x" expanded (recursively, with #line markers).
 * From CLIQ_KERNEL_DIR when set, else the embedded copy. *out is malloc'ed. */
cliq_status cliq__source_load(cliq_context *ctx, const char *file, char **out);

/* The built program for cl_kernels/<name>.cl with `options` (may be NULL); built once per context.
 * Build failures return BUILD_FAILED with the build log in the context's message. */
cliq_status cliq__program_get(cliq_context *ctx, const char *name, const char *options, cl_program *out);

/* A new kernel object (caller releases). */
cliq_status cliq__kernel_create(cliq_context *ctx, const char *program, const char *options, const char *kernel,
                                cl_kernel *out);

void cliq__programs_release(cliq_context *ctx);

/* 64-bit FNV-1a, continued from h (start with CLIQ__FNV_INIT). */
#define CLIQ__FNV_INIT 0xcbf29ce484222325ull
uint64_t cliq__fnv1a(uint64_t h, const void *data, size_t n);

#endif /* CLIQ_PROGRAM_H */
