/*
 * device.h — what cliq knows about the device it runs on, read once from OpenCL queries.
 *
 * Kernel choices (dot-product path, tiles) are made from these facts at run time, never from
 * compile-time macros alone: the same library binary runs on NVIDIA, AMD, Intel, Arm and PoCL.
 */
#ifndef CLIQ_DEVICE_H
#define CLIQ_DEVICE_H

#include "clhead.h"

#include <stddef.h>
#include <stdint.h>

typedef enum cliq__vendor {
  CLIQ__VENDOR_OTHER = 0,
  CLIQ__VENDOR_POCL,     /* PoCL CPU device */
  CLIQ__VENDOR_NVIDIA,
  CLIQ__VENDOR_AMD,
  CLIQ__VENDOR_INTEL,
  CLIQ__VENDOR_ARM,      /* Mali */
  CLIQ__VENDOR_QUALCOMM  /* Adreno */
} cliq__vendor;

typedef struct cliq__device {
  cl_platform_id platform_id;
  cl_device_id id;
  char platform[128];
  char name[128];
  char vendor_name[128];
  char driver[128];
  char version[128];
  char *extensions;           /* owned */
  cliq__vendor vendor;
  bool is_gpu;
  bool is_reference;          /* the C reference "device" (no OpenCL) */
  size_t compute_units;
  size_t max_wg_size;
  uint64_t global_mem;
  uint64_t max_alloc;
  uint64_t local_mem;
  size_t mem_base_align;      /* bytes; sub-buffer origins are multiples of this */
  int nv_cc_major, nv_cc_minor; /* NVIDIA compute capability, 0 if unknown */
  /* int8 dot-product paths (see cl_kernels/dot_q8.h) */
  bool has_khr_int_dot;       /* cl_khr_integer_dot_product with 4x8 packed support */
  bool has_arm_int_dot;       /* cl_arm_integer_dot_product_int8 */
  bool has_nv_dp4a;           /* NVIDIA compute capability >= 6.1: inline PTX dp4a */
  bool has_vnni;              /* PoCL on an x86 CPU with AVX512-VNNI: inline asm vpdpbusd */
  char int8_paths[64];        /* "vnni,portable" */
} cliq__device;

/* Fills d from an OpenCL device. */
cl_int cliq__device_query(cl_platform_id platform, cl_device_id device, cliq__device *d);
void cliq__device_release(cliq__device *d);
bool cliq__device_has_extension(const cliq__device *d, const char *ext);

#endif /* CLIQ_DEVICE_H */
