/*
 * dataset.c — cliq_dataset: a list of images for model input 0, each decoded and preprocessed
 * only when asked for (cliq_dataset_get), and the calibration-source adapter over it.
 *
 * Three sources, chosen by the spec's prefix:
 *   "DIR"           every .jpg/.jpeg/.png/.bmp in DIR, sorted by name (byte order), unlabeled;
 *   "imagenet:DIR"  DIR/labels.tsv, tab-separated "file, class index, ..." lines (a header line
 *                   whose second field is not a number is skipped), as ../shared/data/imagenet-sample;
 *   "mnist:DIR"     DIR/images-idx3-ubyte.gz + DIR/labels-idx1-ubyte.gz (IDX format, big-endian
 *                   header; http://yann.lecun.com/exdb/mnist/), read whole at open through zlib
 *                   (which also reads uncompressed files); 8-bit grey 28x28, raw 0..255 floats
 *                   unless the preprocessing says otherwise.
 */
#include "preprocess.h"

#include "../context.h"
#include "../error.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

struct cliq_dataset {
  cliq_context *ctx;
  cliq__input_spec spec;
  size_t count;
  char **paths;           /* file datasets: full paths */
  const char **names;     /* file datasets: names (point into paths) */
  int *labels;            /* -1 when unlabeled */
  uint8_t *idx_pixels;    /* mnist: count images of idx_w x idx_h grey pixels */
  int idx_w, idx_h;
  char name_buf[64];      /* mnist: "mnist[i]" of the last get */
  size_t calib_next, calib_end; /* cursor of cliq_calib_source_dataset */
};

void cliq_dataset_destroy(cliq_dataset *ds) {
  if (!ds) return;
  for (size_t i = 0; ds->paths && i < ds->count; i++) free(ds->paths[i]);
  free(ds->paths);
  free(ds->names);
  free(ds->labels);
  free(ds->idx_pixels);
  if (ds->ctx && ds->ctx->active_objects) ds->ctx->active_objects--;
  free(ds);
}

size_t cliq_dataset_count(const cliq_dataset *ds) { return ds ? ds->count : 0; }

size_t cliq_dataset_image_elements(const cliq_dataset *ds) { return ds ? cliq__input_spec_elements(&ds->spec) : 0; }

/* --- file lists ------------------------------------------------------------------------------ */

static bool push_file(cliq_dataset *ds, size_t *cap, const char *dir, const char *file, int label) {
  if (ds->count == *cap) {
    size_t nc = *cap ? *cap * 2 : 64;
    char **p = realloc(ds->paths, nc * sizeof *p);
    if (!p) return false;
    ds->paths = p;
    int *l = realloc(ds->labels, nc * sizeof *l);
    if (!l) return false;
    ds->labels = l;
    *cap = nc;
  }
  size_t n = strlen(dir) + strlen(file) + 2;
  char *path = malloc(n);
  if (!path) return false;
  snprintf(path, n, "%s/%s", dir, file);
  ds->paths[ds->count] = path;
  ds->labels[ds->count] = label;
  ds->count++;
  return true;
}

static bool has_image_ext(const char *name) {
  const char *dot = strrchr(name, '.');
  if (!dot) return false;
  char ext[8];
  size_t n = strlen(dot + 1);
  if (n == 0 || n >= sizeof ext) return false;
  for (size_t i = 0; i <= n; i++) ext[i] = (char)tolower((unsigned char)dot[1 + i]);
  return strcmp(ext, "jpg") == 0 || strcmp(ext, "jpeg") == 0 || strcmp(ext, "png") == 0 || strcmp(ext, "bmp") == 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static cliq_status open_folder(cliq_dataset *ds, const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return cliq__fail(ds->ctx, CLIQ_STATUS_IO_ERROR, "cannot open image folder '%s': %s", dir, strerror(errno));
  size_t cap = 0;
  struct dirent *e;
  cliq_status st = CLIQ_STATUS_OK;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.' || !has_image_ext(e->d_name)) continue;
    if (!push_file(ds, &cap, dir, e->d_name, -1)) {
      st = cliq__fail(ds->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "listing image folder '%s'", dir);
      break;
    }
    struct stat sb; /* a folder named like an image is not one */
    if (stat(ds->paths[ds->count - 1], &sb) != 0 || !S_ISREG(sb.st_mode)) free(ds->paths[--ds->count]);
  }
  closedir(d);
  CLIQ__TRY(st);
  if (ds->count == 0)
    return cliq__fail(ds->ctx, CLIQ_STATUS_BAD_DATA, "image folder '%s' has no .jpg, .jpeg, .png or .bmp files", dir);
  /* full paths share the folder prefix, so sorting them sorts by file name */
  qsort(ds->paths, ds->count, sizeof *ds->paths, cmp_str);
  return CLIQ_STATUS_OK;
}

static cliq_status open_imagenet(cliq_dataset *ds, const char *dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s/labels.tsv", dir);
  FILE *f = fopen(path, "r");
  if (!f) return cliq__fail(ds->ctx, CLIQ_STATUS_IO_ERROR, "cannot open '%s': %s", path, strerror(errno));
  size_t cap = 0, line_no = 0;
  char line[8192];
  cliq_status st = CLIQ_STATUS_OK;
  while (st == CLIQ_STATUS_OK && fgets(line, sizeof line, f)) {
    line_no++;
    line[strcspn(line, "\r\n")] = '\0';
    if (!line[0]) continue;
    char *tab = strchr(line, '\t');
    if (!tab) {
      st = cliq__fail(ds->ctx, CLIQ_STATUS_BAD_DATA, "'%s' line %zu: expected 'file<TAB>class index<TAB>...'", path, line_no);
      break;
    }
    *tab = '\0';
    char *field = tab + 1, *end;
    char *next_tab = strchr(field, '\t');
    if (next_tab) *next_tab = '\0';
    errno = 0;
    long label = strtol(field, &end, 10);
    if (end == field || *end || errno) {
      if (line_no == 1) continue; /* the header: file class_index synset name */
      st = cliq__fail(ds->ctx, CLIQ_STATUS_BAD_DATA, "'%s' line %zu: class index '%s' is not a number", path, line_no, field);
      break;
    }
    if (label < 0 || label > 1000000) {
      st = cliq__fail(ds->ctx, CLIQ_STATUS_BAD_DATA, "'%s' line %zu: class index %ld is out of range", path, line_no, label);
      break;
    }
    if (!push_file(ds, &cap, dir, line, (int)label)) st = cliq__fail(ds->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "reading '%s'", path);
    else {
      /* a missing file is found now, not after an hour of calibration */
      struct stat sb;
      const char *p = ds->paths[ds->count - 1];
      if (stat(p, &sb) != 0)
        st = cliq__fail(ds->ctx, CLIQ_STATUS_IO_ERROR, "'%s' line %zu names '%s', which cannot be read: %s", path, line_no,
                        p, strerror(errno));
    }
  }
  fclose(f);
  CLIQ__TRY(st);
  if (ds->count == 0) return cliq__fail(ds->ctx, CLIQ_STATUS_BAD_DATA, "'%s' lists no images", path);
  return CLIQ_STATUS_OK;
}

/* --- IDX (mnist) --------------------------------------------------------------------------------- */

static uint32_t be32(const unsigned char *b) {
  return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | (uint32_t)b[3];
}

/* Reads an IDX file of unsigned bytes with `ndims` dims: dims out, data malloc'ed. */
static cliq_status read_idx(cliq_context *ctx, const char *path, int ndims, uint32_t *dims, uint8_t **data) {
  *data = NULL;
  gzFile f = gzopen(path, "rb");
  if (!f) return cliq__fail(ctx, CLIQ_STATUS_IO_ERROR, "cannot open '%s': %s", path, strerror(errno));
  unsigned char hdr[4 + 4 * 3];
  size_t hsize = 4 + 4 * (size_t)ndims;
  cliq_status st = CLIQ_STATUS_OK;
  if (gzread(f, hdr, (unsigned)hsize) != (int)hsize) {
    st = cliq__fail(ctx, CLIQ_STATUS_BAD_DATA, "'%s' is too short for an IDX header", path);
  } else if (hdr[0] != 0 || hdr[1] != 0 || hdr[2] != 0x08 || hdr[3] != ndims) {
    st = cliq__fail(ctx, CLIQ_STATUS_BAD_DATA,
                    "'%s' is not an IDX file of unsigned bytes with %d dims (magic %02x %02x %02x %02x)", path, ndims,
                    hdr[0], hdr[1], hdr[2], hdr[3]);
  } else {
    size_t n = 1;
    for (int d = 0; d < ndims && st == CLIQ_STATUS_OK; d++) {
      dims[d] = be32(hdr + 4 + 4 * d);
      if (!cliq__mul_size(n, dims[d], &n) || n > ((size_t)1 << 32))
        st = cliq__fail(ctx, CLIQ_STATUS_BAD_DATA, "'%s' declares an absurd size", path);
    }
    if (st == CLIQ_STATUS_OK) {
      *data = malloc(n ? n : 1);
      if (!*data) st = cliq__fail(ctx, CLIQ_STATUS_OUT_OF_MEMORY, "'%s' needs %zu bytes", path, n);
      size_t got = 0;
      while (st == CLIQ_STATUS_OK && got < n) {
        unsigned chunk = n - got > (1u << 30) ? (1u << 30) : (unsigned)(n - got);
        int r = gzread(f, *data + got, chunk);
        if (r <= 0) {
          st = cliq__fail(ctx, CLIQ_STATUS_BAD_DATA, "'%s' is truncated: %zu of %zu data bytes", path, got, n);
          break;
        }
        got += (size_t)r;
      }
    }
  }
  gzclose(f);
  if (st != CLIQ_STATUS_OK) {
    free(*data);
    *data = NULL;
  }
  return st;
}

static cliq_status open_mnist(cliq_dataset *ds, const char *dir) {
  char ipath[4096], lpath[4096];
  snprintf(ipath, sizeof ipath, "%s/images-idx3-ubyte.gz", dir);
  snprintf(lpath, sizeof lpath, "%s/labels-idx1-ubyte.gz", dir);
  uint32_t idims[3], ldims[1];
  uint8_t *labels = NULL;
  CLIQ__TRY(read_idx(ds->ctx, ipath, 3, idims, &ds->idx_pixels));
  CLIQ__TRY(read_idx(ds->ctx, lpath, 1, ldims, &labels));
  cliq_status st = CLIQ_STATUS_OK;
  if (ldims[0] != idims[0])
    st = cliq__fail(ds->ctx, CLIQ_STATUS_BAD_DATA, "'%s' has %u images but '%s' has %u labels", ipath, idims[0], lpath,
                    ldims[0]);
  else if (idims[0] == 0)
    st = cliq__fail(ds->ctx, CLIQ_STATUS_BAD_DATA, "'%s' holds no images", ipath);
  else if (idims[1] == 0 || idims[2] == 0 || idims[1] > 65535 || idims[2] > 65535)
    st = cliq__fail(ds->ctx, CLIQ_STATUS_BAD_DATA, "'%s' has %ux%u images", ipath, idims[2], idims[1]);
  else if (!(ds->labels = malloc(sizeof(int) * idims[0])))
    st = cliq__fail(ds->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "reading '%s'", lpath);
  if (st == CLIQ_STATUS_OK) {
    for (uint32_t i = 0; i < idims[0]; i++) ds->labels[i] = labels[i];
    ds->count = idims[0];
    ds->idx_h = (int)idims[1];
    ds->idx_w = (int)idims[2];
  }
  free(labels);
  return st;
}

/* --- public API ------------------------------------------------------------------------------------ */

cliq_status cliq_dataset_open(cliq_context *ctx, const char *spec, const cliq_model *model, const cliq_preprocess *pre,
                              cliq_dataset **out) {
  if (!out) return CLIQ_STATUS_INVALID_ARGUMENT;
  *out = NULL;
  if (!ctx) return CLIQ_STATUS_INVALID_ARGUMENT;
  cliq__error_clear(ctx);
  if (!spec || !spec[0] || !model)
    return cliq__fail(ctx, CLIQ_STATUS_INVALID_ARGUMENT, "cliq_dataset_open: spec and model must be given");
  cliq_dataset *ds = calloc(1, sizeof *ds);
  if (!ds) return cliq__fail(ctx, CLIQ_STATUS_OUT_OF_MEMORY, "allocating a dataset");
  ds->ctx = ctx;
  ctx->active_objects++;
  cliq_status st = cliq__input_spec_resolve(ctx, model, pre, &ds->spec);
  if (st == CLIQ_STATUS_OK) {
    if (strncmp(spec, "imagenet:", 9) == 0) st = open_imagenet(ds, spec + 9);
    else if (strncmp(spec, "mnist:", 6) == 0) st = open_mnist(ds, spec + 6);
    else st = open_folder(ds, spec);
  }
  if (st == CLIQ_STATUS_OK && ds->paths) {
    ds->names = malloc(ds->count * sizeof *ds->names);
    if (!ds->names) st = cliq__fail(ctx, CLIQ_STATUS_OUT_OF_MEMORY, "listing dataset '%s'", spec);
    for (size_t i = 0; ds->names && i < ds->count; i++) {
      const char *slash = strrchr(ds->paths[i], '/');
      ds->names[i] = slash ? slash + 1 : ds->paths[i];
    }
  }
  if (st != CLIQ_STATUS_OK) {
    cliq_dataset_destroy(ds);
    return st;
  }
  ds->calib_end = ds->count;
  *out = ds;
  return CLIQ_STATUS_OK;
}

cliq_status cliq_dataset_get(cliq_dataset *ds, size_t index, float *data, int *out_label, const char **out_name) {
  if (!ds) return CLIQ_STATUS_INVALID_ARGUMENT;
  cliq_context *ctx = ds->ctx;
  cliq__error_clear(ctx);
  if (!data) return cliq__fail(ctx, CLIQ_STATUS_INVALID_ARGUMENT, "cliq_dataset_get: data is NULL");
  if (index >= ds->count)
    return cliq__fail(ctx, CLIQ_STATUS_INVALID_ARGUMENT, "image %zu asked of a dataset of %zu", index, ds->count);
  if (out_label) *out_label = ds->labels ? ds->labels[index] : -1;
  if (ds->idx_pixels) {
    snprintf(ds->name_buf, sizeof ds->name_buf, "mnist[%zu]", index);
    if (out_name) *out_name = ds->name_buf;
    size_t plane = (size_t)ds->idx_w * (size_t)ds->idx_h;
    cliq__image img = {ds->idx_w, ds->idx_h, 1, ds->idx_pixels + index * plane};
    return cliq__image_preprocess(ctx, &img, &ds->spec, ds->name_buf, data);
  }
  if (out_name) *out_name = ds->names[index];
  cliq__image img;
  CLIQ__TRY(cliq__image_decode_file(ctx, ds->paths[index], &img));
  cliq_status st = cliq__image_preprocess(ctx, &img, &ds->spec, ds->paths[index], data);
  cliq__image_free(&img);
  return st;
}

/* --- calibration source ------------------------------------------------------------------------------ */

static cliq_status calib_next(void *user, size_t n_inputs, float *const *inputs, size_t max_images, size_t *out_images) {
  cliq_dataset *ds = user;
  if (!ds || !out_images) return CLIQ_STATUS_INVALID_ARGUMENT;
  *out_images = 0;
  if (n_inputs != 1 || !inputs || !inputs[0])
    return cliq__fail(ds->ctx, CLIQ_STATUS_INVALID_ARGUMENT,
                      "a dataset feeds one model input (input 0); the calibration asked for %zu inputs", n_inputs);
  size_t elems = cliq__input_spec_elements(&ds->spec), n = 0;
  while (n < max_images && ds->calib_next < ds->calib_end) {
    CLIQ__TRY(cliq_dataset_get(ds, ds->calib_next, inputs[0] + n * elems, NULL, NULL));
    ds->calib_next++;
    n++;
  }
  *out_images = n;
  return CLIQ_STATUS_OK;
}

cliq_calib_source cliq_calib_source_dataset_range(cliq_dataset *ds, size_t first, size_t limit) {
  cliq_calib_source src;
  memset(&src, 0, sizeof src);
  if (!ds) return src; /* next == NULL: cliq_quantize rejects it */
  ds->calib_next = first < ds->count ? first : ds->count;
  ds->calib_end = limit && limit < ds->count - ds->calib_next ? ds->calib_next + limit : ds->count;
  src.user = ds;
  src.next = calib_next;
  src.total = ds->calib_end - ds->calib_next;
  return src;
}

cliq_calib_source cliq_calib_source_dataset(cliq_dataset *ds, size_t limit) {
  return cliq_calib_source_dataset_range(ds, 0, limit);
}
