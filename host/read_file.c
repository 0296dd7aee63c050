/*
 * read_file.c — cliq__read_file: a whole file into memory (models, tensor files).
 */
#include "read_file.h"

#include "error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

cliq_status cliq__read_file(cliq_context *ctx, const char *path, const char *what, void **out, size_t *out_size) {
  *out = NULL;
  *out_size = 0;
  FILE *f = fopen(path, "rb");
  if (!f) return cliq__fail(ctx, CLIQ_STATUS_IO_ERROR, "cannot open %s '%s': %s", what, path, strerror(errno));
  long n = -1;
  struct stat sb; /* a folder opens, and "seeks" to LONG_MAX on Linux */
  if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) && fseek(f, 0, SEEK_END) == 0) n = ftell(f);
  if (n < 0 || fseek(f, 0, SEEK_SET) != 0) {
    fclose(f);
    return cliq__fail(ctx, CLIQ_STATUS_IO_ERROR, "cannot read %s '%s' (not a regular file?)", what, path);
  }
  char *buf = malloc((size_t)n + 1);
  if (!buf) {
    fclose(f);
    return cliq__fail(ctx, CLIQ_STATUS_OUT_OF_MEMORY, "%s '%s' has %ld bytes; cannot allocate them", what, path, n);
  }
  size_t got = fread(buf, 1, (size_t)n, f);
  fclose(f);
  if (got != (size_t)n) {
    free(buf);
    return cliq__fail(ctx, CLIQ_STATUS_IO_ERROR, "reading %s '%s' stopped after %zu of %ld bytes", what, path, got, n);
  }
  buf[n] = '\0';
  *out = buf;
  *out_size = (size_t)n;
  return CLIQ_STATUS_OK;
}
