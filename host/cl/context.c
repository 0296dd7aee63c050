/*
 * context.c — creating a context: listing OpenCL devices, choosing one (GPU first, else CPU,
 * CLIQ_DEVICE overrides), making its queue, and the "ref" pseudo-device that runs the C reference.
 */
#include "../context.h"

#include "../error.h"
#include "../graph.h"
#include "program.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEVICES 64

typedef struct found_device {
  cl_platform_id platform;
  cl_device_id device;
} found_device;

static size_t list_devices(found_device *out, size_t max) {
  cl_uint np = 0;
  if (clGetPlatformIDs(0, NULL, &np) != CL_SUCCESS || np == 0) return 0;
  cl_platform_id plats[16];
  if (np > 16) np = 16;
  if (clGetPlatformIDs(np, plats, NULL) != CL_SUCCESS) return 0;
  size_t n = 0;
  for (cl_uint p = 0; p < np; p++) {
    cl_uint nd = 0;
    if (clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, 0, NULL, &nd) != CL_SUCCESS || nd == 0) continue;
    cl_device_id devs[MAX_DEVICES];
    if (nd > MAX_DEVICES) nd = MAX_DEVICES;
    if (clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, nd, devs, NULL) != CL_SUCCESS) continue;
    for (cl_uint d = 0; d < nd && n < max; d++) {
      out[n].platform = plats[p];
      out[n].device = devs[d];
      n++;
    }
  }
  return n;
}

static void fill_info(const cliq__device *d, cliq_device_info *info) {
  memset(info, 0, sizeof *info);
  info->platform = d->platform;
  info->name = d->name;
  info->driver = d->driver;
  info->version = d->version;
  info->is_gpu = d->is_reference ? -1 : d->is_gpu;
  info->compute_units = d->compute_units;
  info->global_mem_bytes = d->global_mem;
  info->int8_paths = d->int8_paths;
}

cliq_status cliq_device_list(cliq_device_fn fn, void *user, size_t *out_count) {
  found_device devs[MAX_DEVICES];
  size_t n = list_devices(devs, MAX_DEVICES);
  for (size_t i = 0; i < n; i++) {
    cliq__device d;
    cliq__device_query(devs[i].platform, devs[i].device, &d);
    cliq_device_info info;
    fill_info(&d, &info);
    if (fn) fn(user, i, &info);
    cliq__device_release(&d);
  }
  if (out_count) *out_count = n;
  return CLIQ_STATUS_OK;
}

cliq_context_options cliq_context_options_default(void) {
  cliq_context_options o;
  memset(&o, 0, sizeof o);
  return o;
}

static bool all_digits(const char *s) {
  if (!*s) return false;
  for (; *s; s++)
    if (!isdigit((unsigned char)*s)) return false;
  return true;
}

static bool contains_ci(const char *hay, const char *needle) {
  size_t n = strlen(needle);
  for (; *hay; hay++) {
    size_t i = 0;
    while (i < n && hay[i] && tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i])) i++;
    if (i == n) return true;
  }
  return n == 0;
}

/* Picks a device index for `sel`; -1 when none matches. */
static long choose(const found_device *devs, size_t n, const char *sel, cliq__device *facts) {
  if (!sel || !sel[0] || strcmp(sel, "gpu") == 0 || strcmp(sel, "cpu") == 0) {
    bool want_cpu = sel && strcmp(sel, "cpu") == 0;
    bool strict = sel && sel[0];
    long fallback = -1;
    for (size_t i = 0; i < n; i++) {
      if (facts[i].is_gpu != want_cpu) return (long)i;
      if (fallback < 0) fallback = (long)i;
    }
    return strict ? -1 : fallback;
  }
  if (all_digits(sel)) {
    unsigned long k = strtoul(sel, NULL, 10);
    return k < n ? (long)k : -1;
  }
  for (size_t i = 0; i < n; i++) {
    char both[300];
    snprintf(both, sizeof both, "%s / %s", facts[i].platform, facts[i].name);
    if (contains_ci(both, sel)) return (long)i;
  }
  return -1;
}

static char *default_cache_dir(const cliq_context_options *o) {
  const char *e;
  char buf[1024];
  if (o && o->cache_dir && o->cache_dir[0]) return cliq__strdup(o->cache_dir);
  if ((e = getenv("CLIQ_CACHE_DIR")) && e[0]) return cliq__strdup(e);
  if ((e = getenv("XDG_CACHE_HOME")) && e[0]) {
    snprintf(buf, sizeof buf, "%s/cliq", e);
    return cliq__strdup(buf);
  }
  if ((e = getenv("HOME")) && e[0]) {
    snprintf(buf, sizeof buf, "%s/.cache/cliq", e);
    return cliq__strdup(buf);
  }
  return NULL;
}

static cliq_status fail_create(cliq_context *ctx, const cliq_context_options *o, cliq_status st) {
  if (o && o->errbuf && o->errbuf_size) {
    snprintf(o->errbuf, o->errbuf_size, "%s", cliq_context_error(ctx));
  }
  cliq_context_destroy(ctx);
  return st;
}

cliq_status cliq_context_create(const cliq_context_options *options, cliq_context **out) {
  if (!out) return CLIQ_STATUS_INVALID_ARGUMENT;
  *out = NULL;
  cliq_context *ctx = calloc(1, sizeof *ctx);
  if (!ctx) return CLIQ_STATUS_OUT_OF_MEMORY;
  const char *env = getenv("CLIQ_DEVICE");
  const char *sel = env && env[0] ? env : (options ? options->device : NULL);
  ctx->profiling = options && options->profiling;
  const char *nc = getenv("CLIQ_NO_CACHE");
  ctx->no_cache = (options && options->no_program_cache) || (nc && nc[0] && strcmp(nc, "0") != 0);
  ctx->cache_dir = default_cache_dir(options);
  const char *kd = getenv("CLIQ_KERNEL_DIR");
  if (kd && kd[0]) ctx->kernel_dir = cliq__strdup(kd);

  if (sel && strcmp(sel, "ref") == 0) {
    ctx->dev.is_reference = true;
    snprintf(ctx->dev.platform, sizeof ctx->dev.platform, "cliq");
    snprintf(ctx->dev.name, sizeof ctx->dev.name, "C reference");
    snprintf(ctx->dev.driver, sizeof ctx->dev.driver, "%d.%d.%d", CLIQ_VERSION_MAJOR, CLIQ_VERSION_MINOR,
             CLIQ_VERSION_PATCH);
    snprintf(ctx->dev.version, sizeof ctx->dev.version, "host C11");
    snprintf(ctx->dev.int8_paths, sizeof ctx->dev.int8_paths, "reference");
    ctx->dev.compute_units = 1;
    *out = ctx;
    return CLIQ_STATUS_OK;
  }

  found_device devs[MAX_DEVICES];
  size_t n = list_devices(devs, MAX_DEVICES);
  if (n == 0)
    return fail_create(ctx, options,
                       cliq__fail(ctx, CLIQ_STATUS_NO_DEVICE,
                                  "no OpenCL device found: install an OpenCL driver (on Debian, pocl-opencl-icd "
                                  "for the CPU) or set CLIQ_DEVICE=ref for the C reference"));
  cliq__device facts[MAX_DEVICES];
  for (size_t i = 0; i < n; i++) cliq__device_query(devs[i].platform, devs[i].device, &facts[i]);
  long pick = choose(devs, n, sel, facts);
  if (pick < 0) {
    char names[2048] = "";
    size_t off = 0;
    for (size_t i = 0; i < n && off < sizeof names; i++)
      off += (size_t)snprintf(names + off, sizeof names - off, "%s%zu: %s / %s", i ? "; " : "", i, facts[i].platform,
                              facts[i].name);
    for (size_t i = 0; i < n; i++) cliq__device_release(&facts[i]);
    return fail_create(ctx, options,
                       cliq__fail(ctx, CLIQ_STATUS_NO_DEVICE,
                                  "device '%s' matches no OpenCL device (gpu, cpu, ref, an index or a name "
                                  "substring); devices: %s",
                                  sel, names));
  }
  ctx->dev = facts[pick];
  for (size_t i = 0; i < n; i++)
    if ((long)i != pick) cliq__device_release(&facts[i]);

  cl_int err;
  cl_context_properties props[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)ctx->dev.platform_id, 0};
  ctx->cl = clCreateContext(props, 1, &ctx->dev.id, NULL, NULL, &err);
  if (!ctx->cl)
    return fail_create(ctx, options,
                       cliq__fail(ctx, cliq__cl_status(err) == CLIQ_STATUS_OUT_OF_MEMORY ? CLIQ_STATUS_OUT_OF_MEMORY
                                                                                          : CLIQ_STATUS_DEVICE_ERROR,
                                  "clCreateContext on '%s' failed: %s", ctx->dev.name, cliq__cl_error_name(err)));
  ctx->queue = clCreateCommandQueue(ctx->cl, ctx->dev.id, ctx->profiling ? CL_QUEUE_PROFILING_ENABLE : 0, &err);
  if (!ctx->queue)
    return fail_create(ctx, options,
                       cliq__fail(ctx, CLIQ_STATUS_DEVICE_ERROR, "clCreateCommandQueue on '%s' failed: %s",
                                  ctx->dev.name, cliq__cl_error_name(err)));
  *out = ctx;
  return CLIQ_STATUS_OK;
}

void cliq_context_destroy(cliq_context *ctx) {
  if (!ctx) return;
  cliq__programs_release(ctx);
  if (ctx->queue) clReleaseCommandQueue(ctx->queue);
  if (ctx->cl) clReleaseContext(ctx->cl);
  cliq__device_release(&ctx->dev);
  free(ctx->cache_dir);
  free(ctx->kernel_dir);
  free(ctx->err);
  free(ctx);
}

cliq_status cliq_context_device(const cliq_context *ctx, cliq_device_info *out) {
  if (!ctx || !out) return CLIQ_STATUS_INVALID_ARGUMENT;
  fill_info(&ctx->dev, out);
  return CLIQ_STATUS_OK;
}
