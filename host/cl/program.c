/*
 * program.c — loading kernel sources, building programs, and caching binaries on disk.
 *
 * Cache key: a 128-bit hash (two FNV-1a streams) of the expanded source, the full option string,
 * platform, device, driver and device version, and cliq's version, as ggml does, so a driver
 * update or an edited kernel never loads a stale binary. Files are written to a temporary name and
 * renamed, so concurrent processes never read half a file. A binary the driver rejects is rebuilt
 * from source and overwritten.
 */
#include "program.h"

#include "../error.h"
#include "../graph.h"
#include "tuning.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct cliq__program_entry {
  char *name;
  char *options;
  cl_program program;
};

uint64_t cliq__fnv1a(uint64_t h, const void *data, size_t n) {
  const unsigned char *p = data;
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = NULL;
  if (fseek(f, 0, SEEK_END) == 0) {
    long n = ftell(f);
    if (n >= 0 && fseek(f, 0, SEEK_SET) == 0) {
      buf = malloc((size_t)n + 1);
      if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
      }
      if (buf) {
        buf[n] = '\0';
        if (len) *len = (size_t)n;
      }
    }
  }
  fclose(f);
  return buf;
}

static cliq_status raw_source(cliq_context *ctx, const char *file, char **out) {
  *out = NULL;
  if (ctx->kernel_dir) {
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", ctx->kernel_dir, file);
    *out = read_file(path, NULL);
    if (!*out)
      return cliq__fail(ctx, CLIQ_STATUS_IO_ERROR, "kernel source '%s' not readable (CLIQ_KERNEL_DIR=%s): %s", path,
                        ctx->kernel_dir, strerror(errno));
    return CLIQ_STATUS_OK;
  }
  for (const cliq__embedded_file *e = cliq__embedded_files; e->name; e++)
    if (strcmp(e->name, file) == 0) {
      *out = malloc(e->size + 1);
      if (!*out) return CLIQ_STATUS_OUT_OF_MEMORY;
      memcpy(*out, e->text, e->size);
      (*out)[e->size] = '\0';
      return CLIQ_STATUS_OK;
    }
  return cliq__fail(ctx, CLIQ_STATUS_INVALID_ARGUMENT, "no embedded kernel source named '%s'", file);
}

typedef struct sbuf {
  char *p;
  size_t n, cap;
  bool oom;
} sbuf;

static void sb_add(sbuf *s, const char *t, size_t n) {
  if (s->oom) return;
  if (s->n + n + 1 > s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 4096;
    while (cap < s->n + n + 1) cap *= 2;
    char *p = realloc(s->p, cap);
    if (!p) {
      s->oom = true;
      return;
    }
    s->p = p;
    s->cap = cap;
  }
  memcpy(s->p + s->n, t, n);
  s->n += n;
  s->p[s->n] = '\0';
}

static cliq_status expand(cliq_context *ctx, const char *file, sbuf *out, int depth) {
  if (depth > 8) return cliq__fail(ctx, CLIQ_STATUS_INVALID_ARGUMENT, "kernel includes nest too deep at '%s'", file);
  char *text;
  CLIQ__TRY(raw_source(ctx, file, &text));
  char marker[512];
  snprintf(marker, sizeof marker, "#line 1 \"%s\"\n", file);
  sb_add(out, marker, strlen(marker));
  const char *p = text;
  int line = 1;
  while (*p) {
    const char *e = strchr(p, '\n');
    size_t len = e ? (size_t)(e - p + 1) : strlen(p);
    const char *q = p;
    while (*q == ' ' || *q == '\t') q++;
    char inc[256];
    if (strncmp(q, "#include \"", 10) == 0 && sscanf(q + 10, "%255[^\"]", inc) == 1) {
      cliq_status st = expand(ctx, inc, out, depth + 1);
      if (st != CLIQ_STATUS_OK) {
        free(text);
        return st;
      }
      snprintf(marker, sizeof marker, "\n#line %d \"%s\"\n", line + 1, file);
      sb_add(out, marker, strlen(marker));
    } else {
      sb_add(out, p, len);
    }
    p += len;
    line++;
  }
  sb_add(out, "\n", 1);
  free(text);
  return out->oom ? CLIQ_STATUS_OUT_OF_MEMORY : CLIQ_STATUS_OK;
}

cliq_status cliq__source_load(cliq_context *ctx, const char *file, char **out) {
  sbuf s = {0};
  cliq_status st = expand(ctx, file, &s, 0);
  if (st != CLIQ_STATUS_OK) {
    free(s.p);
    *out = NULL;
    return st;
  }
  *out = s.p;
  return CLIQ_STATUS_OK;
}

static void mkdir_p(const char *dir) {
  char buf[1024];
  snprintf(buf, sizeof buf, "%s", dir);
  for (char *p = buf + 1; *p; p++)
    if (*p == '/') {
      *p = '\0';
      mkdir(buf, 0755);
      *p = '/';
    }
  mkdir(buf, 0755);
}

static void cache_path(cliq_context *ctx, const char *src, const char *opts, char *path, size_t size) {
  uint64_t h1 = CLIQ__FNV_INIT, h2 = 0x84222325cbf29ce4ull;
  const char *parts[] = {src,
                         opts,
                         ctx->dev.platform,
                         ctx->dev.name,
                         ctx->dev.driver,
                         ctx->dev.version,
                         "cliq-" /* bump when the cache format changes */ "1"};
  for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
    size_t n = strlen(parts[i]) + 1; /* include the NUL as a separator */
    h1 = cliq__fnv1a(h1, parts[i], n);
    h2 = cliq__fnv1a(h2 ^ (uint64_t)i, parts[i], n);
  }
  snprintf(path, size, "%s/%016llx%016llx.clbin", ctx->cache_dir, (unsigned long long)h1, (unsigned long long)h2);
}

static cl_program load_cached(cliq_context *ctx, const char *path, const char *opts) {
  size_t len = 0;
  unsigned char *bin = (unsigned char *)read_file(path, &len);
  if (!bin || len == 0) {
    free(bin);
    return NULL;
  }
  cl_int err, bst;
  const unsigned char *bp = bin;
  cl_program p = clCreateProgramWithBinary(ctx->cl, 1, &ctx->dev.id, &len, &bp, &bst, &err);
  free(bin);
  if (!p || err != CL_SUCCESS || bst != CL_SUCCESS) {
    if (p) clReleaseProgram(p);
    return NULL;
  }
  if (clBuildProgram(p, 1, &ctx->dev.id, opts, NULL, NULL) != CL_SUCCESS) {
    clReleaseProgram(p);
    return NULL;
  }
  return p;
}

static void store_cached(cliq_context *ctx, const char *path, cl_program p) {
  size_t len = 0;
  if (clGetProgramInfo(p, CL_PROGRAM_BINARY_SIZES, sizeof len, &len, NULL) != CL_SUCCESS || len == 0) return;
  unsigned char *bin = malloc(len);
  if (!bin) return;
  unsigned char *bins[1] = {bin};
  if (clGetProgramInfo(p, CL_PROGRAM_BINARIES, sizeof bins, bins, NULL) == CL_SUCCESS) {
    mkdir_p(ctx->cache_dir);
    char tmp[1100];
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (f) {
      bool ok = fwrite(bin, 1, len, f) == len;
      ok = (fclose(f) == 0) && ok;
      if (!ok || rename(tmp, path) != 0) remove(tmp);
    }
  }
  free(bin);
}

static cliq_status build(cliq_context *ctx, const char *name, const char *user_opts, cl_program *out) {
  char file[256];
  snprintf(file, sizeof file, "%s.cl", name);
  char *src;
  CLIQ__TRY(cliq__source_load(ctx, file, &src));
  char opts[2048], defs[512];
  cliq__tuning_defines(&ctx->dev, name, defs, sizeof defs);
  /* No -cl-fast-relaxed-math / -cl-mad-enable: integer paths must be exact and float results
   * comparable across devices (numerics contract). */
  snprintf(opts, sizeof opts, "-cl-std=CL1.2 %s %s", defs, user_opts ? user_opts : "");
  char path[1100] = "";
  bool use_cache = !ctx->no_cache && ctx->cache_dir;
  if (use_cache) {
    cache_path(ctx, src, opts, path, sizeof path);
    cl_program p = load_cached(ctx, path, opts);
    if (p) {
      free(src);
      *out = p;
      return CLIQ_STATUS_OK;
    }
  }
  cl_int err;
  const char *srcs[1] = {src};
  cl_program p = clCreateProgramWithSource(ctx->cl, 1, srcs, NULL, &err);
  free(src);
  if (!p) return cliq__fail(ctx, cliq__cl_status(err), "clCreateProgramWithSource(%s) failed: %s", file, cliq__cl_error_name(err));
  err = clBuildProgram(p, 1, &ctx->dev.id, opts, NULL, NULL);
  if (err != CL_SUCCESS) {
    size_t loglen = 0;
    clGetProgramBuildInfo(p, ctx->dev.id, CL_PROGRAM_BUILD_LOG, 0, NULL, &loglen);
    char *log = malloc(loglen + 1);
    if (log) {
      log[0] = '\0';
      clGetProgramBuildInfo(p, ctx->dev.id, CL_PROGRAM_BUILD_LOG, loglen, log, NULL);
      log[loglen] = '\0';
    }
    cliq__fail(ctx, CLIQ_STATUS_BUILD_FAILED, "building kernel program '%s' for '%s' failed (%s) with options '%s'; build log:\n",
               file, ctx->dev.name, cliq__cl_error_name(err), opts);
    cliq__error_append(ctx, log ? log : "(no log)");
    free(log);
    clReleaseProgram(p);
    return CLIQ_STATUS_BUILD_FAILED;
  }
  if (use_cache) store_cached(ctx, path, p);
  *out = p;
  return CLIQ_STATUS_OK;
}

cliq_status cliq__program_get(cliq_context *ctx, const char *name, const char *options, cl_program *out) {
  if (!options) options = "";
  for (size_t i = 0; i < ctx->n_programs; i++)
    if (strcmp(ctx->programs[i].name, name) == 0 && strcmp(ctx->programs[i].options, options) == 0) {
      *out = ctx->programs[i].program;
      return CLIQ_STATUS_OK;
    }
  if (!ctx->cl) return cliq__fail(ctx, CLIQ_STATUS_INVALID_STATE, "program '%s' asked of a context without OpenCL", name);
  if (ctx->n_programs == ctx->cap_programs) {
    size_t cap = ctx->cap_programs ? ctx->cap_programs * 2 : 16;
    struct cliq__program_entry *p = realloc(ctx->programs, cap * sizeof *p);
    if (!p) return CLIQ_STATUS_OUT_OF_MEMORY;
    ctx->programs = p;
    ctx->cap_programs = cap;
  }
  cl_program prog;
  CLIQ__TRY(build(ctx, name, options, &prog));
  struct cliq__program_entry *e = &ctx->programs[ctx->n_programs];
  e->name = cliq__strdup(name);
  e->options = cliq__strdup(options);
  e->program = prog;
  if (!e->name || !e->options) {
    free(e->name);
    free(e->options);
    clReleaseProgram(prog);
    return CLIQ_STATUS_OUT_OF_MEMORY;
  }
  ctx->n_programs++;
  *out = prog;
  return CLIQ_STATUS_OK;
}

cliq_status cliq__kernel_create(cliq_context *ctx, const char *program, const char *options, const char *kernel,
                                cl_kernel *out) {
  cl_program p;
  *out = NULL;
  CLIQ__TRY(cliq__program_get(ctx, program, options, &p));
  cl_int err;
  *out = clCreateKernel(p, kernel, &err);
  if (!*out)
    return cliq__fail(ctx, err == CL_INVALID_KERNEL_NAME ? CLIQ_STATUS_BUILD_FAILED : cliq__cl_status(err),
                      "kernel '%s' in program '%s.cl': %s", kernel, program, cliq__cl_error_name(err));
  return CLIQ_STATUS_OK;
}

void cliq__programs_release(cliq_context *ctx) {
  for (size_t i = 0; i < ctx->n_programs; i++) {
    clReleaseProgram(ctx->programs[i].program);
    free(ctx->programs[i].name);
    free(ctx->programs[i].options);
  }
  free(ctx->programs);
  ctx->programs = NULL;
  ctx->n_programs = ctx->cap_programs = 0;
}
