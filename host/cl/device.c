/*
 * device.c — reads an OpenCL device's facts once and decides which int8 dot-product paths it has.
 *
 * Path detection is by query, never by compile-time macro: NVIDIA exposes its compute capability
 * through cl_nv_device_attribute_query (dp4a from 6.1 on); Khronos and Arm integer-dot extensions
 * are extensions strings; VNNI under PoCL is the host CPU's feature, because PoCL runs kernels on
 * the very CPU this process runs on (and PoCL never emits VNNI itself: shared/notes lesson 1).
 */
#include "device.h"

#include <stdlib.h>
#include <string.h>

#ifndef CL_DEVICE_COMPUTE_CAPABILITY_MAJOR_NV
#define CL_DEVICE_COMPUTE_CAPABILITY_MAJOR_NV 0x4000
#define CL_DEVICE_COMPUTE_CAPABILITY_MINOR_NV 0x4001
#endif
#ifndef CL_DEVICE_INTEGER_DOT_PRODUCT_CAPABILITIES_KHR
#define CL_DEVICE_INTEGER_DOT_PRODUCT_CAPABILITIES_KHR 0x1073
#define CL_DEVICE_INTEGER_DOT_PRODUCT_INPUT_4x8BIT_PACKED_KHR (1 << 1)
#endif

static void get_str(cl_device_id d, cl_device_info what, char *buf, size_t size) {
  buf[0] = '\0';
  if (clGetDeviceInfo(d, what, size, buf, NULL) != CL_SUCCESS) buf[0] = '\0';
  buf[size - 1] = '\0';
}

static char *lower_dup(const char *s) {
  size_t n = strlen(s);
  char *d = malloc(n + 1);
  if (!d) return NULL;
  for (size_t i = 0; i <= n; i++) d[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i]);
  return d;
}

static bool contains_ci(const char *hay, const char *needle) {
  char *h = lower_dup(hay), *n = lower_dup(needle);
  bool r = h && n && strstr(h, n) != NULL;
  free(h);
  free(n);
  return r;
}

static bool host_cpu_has_vnni(void) {
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bw");
#else
  return false;
#endif
}

bool cliq__device_has_extension(const cliq__device *d, const char *ext) {
  if (!d->extensions) return false;
  size_t n = strlen(ext);
  for (const char *p = d->extensions; (p = strstr(p, ext)) != NULL; p += n)
    if ((p == d->extensions || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) return true;
  return false;
}

cl_int cliq__device_query(cl_platform_id platform, cl_device_id id, cliq__device *d) {
  memset(d, 0, sizeof *d);
  d->platform_id = platform;
  d->id = id;
  clGetPlatformInfo(platform, CL_PLATFORM_NAME, sizeof d->platform, d->platform, NULL);
  d->platform[sizeof d->platform - 1] = '\0';
  get_str(id, CL_DEVICE_NAME, d->name, sizeof d->name);
  get_str(id, CL_DEVICE_VENDOR, d->vendor_name, sizeof d->vendor_name);
  get_str(id, CL_DRIVER_VERSION, d->driver, sizeof d->driver);
  get_str(id, CL_DEVICE_VERSION, d->version, sizeof d->version);
  size_t ext_len = 0;
  if (clGetDeviceInfo(id, CL_DEVICE_EXTENSIONS, 0, NULL, &ext_len) == CL_SUCCESS && ext_len) {
    d->extensions = calloc(1, ext_len + 1);
    if (d->extensions) clGetDeviceInfo(id, CL_DEVICE_EXTENSIONS, ext_len, d->extensions, NULL);
  }
  cl_device_type type = 0;
  clGetDeviceInfo(id, CL_DEVICE_TYPE, sizeof type, &type, NULL);
  d->is_gpu = (type & CL_DEVICE_TYPE_GPU) != 0;
  cl_uint cu = 0, align_bits = 0;
  clGetDeviceInfo(id, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof cu, &cu, NULL);
  d->compute_units = cu;
  clGetDeviceInfo(id, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof d->max_wg_size, &d->max_wg_size, NULL);
  cl_ulong v = 0;
  clGetDeviceInfo(id, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof v, &v, NULL);
  d->global_mem = v;
  v = 0;
  clGetDeviceInfo(id, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof v, &v, NULL);
  d->max_alloc = v;
  v = 0;
  clGetDeviceInfo(id, CL_DEVICE_LOCAL_MEM_SIZE, sizeof v, &v, NULL);
  d->local_mem = v;
  clGetDeviceInfo(id, CL_DEVICE_MEM_BASE_ADDR_ALIGN, sizeof align_bits, &align_bits, NULL);
  d->mem_base_align = align_bits >= 8 ? align_bits / 8 : 128;
  if (d->mem_base_align < 64) d->mem_base_align = 64;

  if (contains_ci(d->platform, "portable computing language") || contains_ci(d->platform, "pocl"))
    d->vendor = CLIQ__VENDOR_POCL;
  else if (contains_ci(d->vendor_name, "nvidia"))
    d->vendor = CLIQ__VENDOR_NVIDIA;
  else if (contains_ci(d->vendor_name, "advanced micro devices") || contains_ci(d->vendor_name, "amd"))
    d->vendor = CLIQ__VENDOR_AMD;
  else if (contains_ci(d->vendor_name, "intel"))
    d->vendor = CLIQ__VENDOR_INTEL;
  else if (contains_ci(d->vendor_name, "arm"))
    d->vendor = CLIQ__VENDOR_ARM;
  else if (contains_ci(d->vendor_name, "qualcomm"))
    d->vendor = CLIQ__VENDOR_QUALCOMM;

  if (d->vendor == CLIQ__VENDOR_NVIDIA && cliq__device_has_extension(d, "cl_nv_device_attribute_query")) {
    cl_uint ma = 0, mi = 0;
    if (clGetDeviceInfo(id, CL_DEVICE_COMPUTE_CAPABILITY_MAJOR_NV, sizeof ma, &ma, NULL) == CL_SUCCESS &&
        clGetDeviceInfo(id, CL_DEVICE_COMPUTE_CAPABILITY_MINOR_NV, sizeof mi, &mi, NULL) == CL_SUCCESS) {
      d->nv_cc_major = (int)ma;
      d->nv_cc_minor = (int)mi;
    }
  }
  d->has_nv_dp4a = d->nv_cc_major > 6 || (d->nv_cc_major == 6 && d->nv_cc_minor >= 1);
  if (cliq__device_has_extension(d, "cl_khr_integer_dot_product")) {
    cl_bitfield caps = 0;
    if (clGetDeviceInfo(id, CL_DEVICE_INTEGER_DOT_PRODUCT_CAPABILITIES_KHR, sizeof caps, &caps, NULL) == CL_SUCCESS)
      d->has_khr_int_dot = (caps & CL_DEVICE_INTEGER_DOT_PRODUCT_INPUT_4x8BIT_PACKED_KHR) != 0;
  }
  d->has_arm_int_dot = cliq__device_has_extension(d, "cl_arm_integer_dot_product_int8");
  d->has_vnni = d->vendor == CLIQ__VENDOR_POCL && !d->is_gpu && host_cpu_has_vnni();

  d->int8_paths[0] = '\0';
  if (d->has_vnni) strcat(d->int8_paths, "vnni,");
  if (d->has_nv_dp4a) strcat(d->int8_paths, "dp4a,");
  if (d->has_khr_int_dot) strcat(d->int8_paths, "khr_dot,");
  if (d->has_arm_int_dot) strcat(d->int8_paths, "arm_dot,");
  strcat(d->int8_paths, "portable");
  return CL_SUCCESS;
}

void cliq__device_release(cliq__device *d) {
  free(d->extensions);
  d->extensions = NULL;
}
