/*
 * tuning.c — the tuning table. Each row says why it exists; lookup order is user override
 * (CLIQ_TUNE), exact device-name substring, vendor, default.
 */
#include "tuning.h"

#include "variant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct tune_row {
  cliq__vendor vendor;     /* CLIQ__VENDOR_OTHER = any vendor */
  const char *device;      /* substring of the device name, or NULL = any */
  const char *name;
  long value;
  const char *why;
} tune_row;

static const tune_row rows[] = {
    /* PoCL CPU: work-groups of 1x4 along M share the packed B panel (shared/notes lesson 4). */
    {CLIQ__VENDOR_POCL, NULL, "GEMM_WG_M", 4, "1x4 work-groups along M measured best on PoCL"},
    /* Float GEMM variant (host/cl/variants.h, bench/gemm_f32.c). PoCL: the register-blocked 8x32
     * kernel runs ~7x CLBlast's GEMM there; GPUs: CLBlast's vendor-tuned SGEMM beats a CPU-shaped
     * kernel. The Intel row matches GPU names only: Intel's CPU runtime reports the same vendor. */
    {CLIQ__VENDOR_POCL, NULL, "GEMM_F32", CLIQ__VARIANT_gemm_f32_8x32, "~7x CLBlast on PoCL AVX-512"},
    {CLIQ__VENDOR_NVIDIA, NULL, "GEMM_F32", CLIQ__VARIANT_clblast_sgemm, "CLBlast is tuned for NVIDIA GPUs"},
    {CLIQ__VENDOR_AMD, NULL, "GEMM_F32", CLIQ__VARIANT_clblast_sgemm, "CLBlast is tuned for AMD GPUs"},
    {CLIQ__VENDOR_INTEL, "Graphics", "GEMM_F32", CLIQ__VARIANT_clblast_sgemm, "CLBlast is tuned for Intel GPUs"},
    {CLIQ__VENDOR_ARM, NULL, "GEMM_F32", CLIQ__VARIANT_clblast_sgemm, "CLBlast has Mali tunings"},
    {CLIQ__VENDOR_QUALCOMM, NULL, "GEMM_F32", CLIQ__VARIANT_clblast_sgemm, "CLBlast has Adreno tunings"},
    {CLIQ__VENDOR_OTHER, NULL, NULL, 0, NULL},
};

bool cliq__tuning_user(const char *name, char *buf, size_t size) {
  const char *env = getenv("CLIQ_TUNE");
  if (!env) return false;
  size_t n = strlen(name);
  for (const char *p = env; p && *p;) {
    if (strncmp(p, name, n) == 0 && p[n] == '=') {
      const char *v = p + n + 1, *e = strchr(v, ',');
      size_t len = e ? (size_t)(e - v) : strlen(v);
      if (size) snprintf(buf, size, "%.*s", (int)len, v);
      return true;
    }
    p = strchr(p, ',');
    if (p) p++;
  }
  return false;
}

static long user_override(const char *name, bool *found) {
  char buf[64];
  *found = cliq__tuning_user(name, buf, sizeof buf);
  return *found ? strtol(buf, NULL, 10) : 0;
}

long cliq__tuning_int(const cliq__device *d, const char *name, long def) {
  bool found;
  long v = user_override(name, &found);
  if (found) return v;
  for (const tune_row *r = rows; r->name; r++)
    if (strcmp(r->name, name) == 0 && r->device && (r->vendor == CLIQ__VENDOR_OTHER || r->vendor == d->vendor) &&
        strstr(d->name, r->device))
      return r->value;
  for (const tune_row *r = rows; r->name; r++)
    if (strcmp(r->name, name) == 0 && !r->device && r->vendor == d->vendor) return r->value;
  for (const tune_row *r = rows; r->name; r++)
    if (strcmp(r->name, name) == 0 && !r->device && r->vendor == CLIQ__VENDOR_OTHER) return r->value;
  return def;
}

void cliq__tuning_defines(const cliq__device *d, const char *program, char *buf, size_t size) {
  (void)program;
  /* The dot-product path macros let one kernel source carry every path; the host picks which
   * variant to build from device queries (host/cl/device.c), never the kernel itself. */
  snprintf(buf, size, "-DCLIQ_VENDOR_%s=1 -DCLIQ_IS_GPU=%d",
           d->vendor == CLIQ__VENDOR_POCL     ? "POCL"
           : d->vendor == CLIQ__VENDOR_NVIDIA ? "NVIDIA"
           : d->vendor == CLIQ__VENDOR_AMD    ? "AMD"
           : d->vendor == CLIQ__VENDOR_INTEL  ? "INTEL"
           : d->vendor == CLIQ__VENDOR_ARM    ? "ARM"
           : d->vendor == CLIQ__VENDOR_QUALCOMM ? "QUALCOMM"
                                                 : "OTHER",
           d->is_gpu ? 1 : 0);
}
