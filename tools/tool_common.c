/*
 * tool_common.c — shared option parsing, messages, context/model/session opening, JSON writing
 * and timing for the `cliq` sub-commands (see tool_common.h).
 */
#include "tool_common.h"

#include "io/preprocess.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef CLIQ_SOURCE_DIR
#define CLIQ_SOURCE_DIR ""
#endif
#ifndef CLIQ_GIT_REV
#define CLIQ_GIT_REV ""
#endif

#define TOOL_TRY(expr)                                                                     \
  do {                                                                                           \
    cliq_status st_ = (expr);                                                                    \
    if (st_ != CLIQ_STATUS_OK) return st_;                                                       \
  } while (0)

void tool_opts_init(tool_opts *o, const char *cmd, unsigned accepts) {
  memset(o, 0, sizeof *o);
  o->cmd = cmd;
  o->accepts = accepts;
  o->pre = cliq_preprocess_default();
}

bool tool_is_opt(const char *arg, const char *name) {
  size_t n = strlen(name);
  return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

int tool_usage_error(const tool_opts *o, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "cliq %s: ", o && o->cmd ? o->cmd : "");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n(see 'cliq %s --help')\n", o && o->cmd ? o->cmd : "");
  va_end(ap);
  return TOOL_EXIT_USAGE;
}

int tool_lib_error(const tool_opts *o, cliq_context *ctx, cliq_status st, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "cliq %s: ", o && o->cmd ? o->cmd : "");
  vfprintf(stderr, fmt, ap);
  const char *msg = ctx ? cliq_context_error(ctx) : "";
  fprintf(stderr, ": %s%s%s\n", cliq_status_name(st), msg && msg[0] ? ": " : "", msg ? msg : "");
  va_end(ap);
  return TOOL_EXIT_USAGE;
}

const char *tool_value(tool_opts *o, int argc, char **argv, int *i) {
  const char *eq = strchr(argv[*i], '=');
  if (eq && strncmp(argv[*i], "--", 2) == 0) return eq + 1;
  if (*i + 1 >= argc) {
    tool_usage_error(o, "option %s needs a value", argv[*i]);
    return NULL;
  }
  return argv[++*i];
}

long tool_parse_count(tool_opts *o, const char *opt, const char *value, long lo, long hi) {
  char *end;
  long v = value ? strtol(value, &end, 10) : 0;
  if (!value || !*value || *end || v < lo || v > hi) {
    tool_usage_error(o, "%s '%s': expected an integer in %ld..%ld", opt, value ? value : "", lo, hi);
    return -1;
  }
  return v;
}

bool tool_dataset_window(const tool_opts *o, const char *skip_opt, size_t total, long skip, long limit, const char *source, size_t *first, size_t *count) {
  *first = (size_t)skip;
  if (*first >= total) {
    tool_usage_error(o, "%s %zu leaves none of the %zu images of '%s'", skip_opt, *first, total, source);
    return false;
  }
  *count = total - *first;
  if (limit > 0 && (size_t)limit < *count) *count = (size_t)limit;
  return true;
}

bool tool_count_value(tool_opts *o, int argc, char **argv, int *i, const char *name, long lo, long hi, long *out) {
  const char *v = tool_value(o, argc, argv, i);
  long n = v ? tool_parse_count(o, name, v, lo, hi) : -1;
  if (n < 0) return false;
  *out = n;
  return true;
}

int tool_names_add(const tool_opts *o, const char *opt, const char *value, tool_names *names) {
  for (const char *p = value;;) {
    size_t len = strcspn(p, ",");
    if (len == 0) return tool_usage_error(o, "%s '%s' has an empty name", opt, value);
    char **v = realloc(names->v, (names->n + 1) * sizeof *v);
    if (!v) return tool_usage_error(o, "out of memory");
    names->v = v;
    if (!(v[names->n] = malloc(len + 1))) return tool_usage_error(o, "out of memory");
    memcpy(v[names->n], p, len);
    v[names->n++][len] = '\0';
    if (!p[len]) return TOOL_EXIT_OK;
    p += len + 1;
  }
}

void tool_names_free(tool_names *names) {
  for (size_t k = 0; k < names->n; k++) free(names->v[k]);
  free(names->v);
  names->v = NULL;
  names->n = 0;
}

int tool_model_arg(const tool_opts *o, const char *arg, const char **model) {
  if (arg[0] == '-') return tool_usage_error(o, "unknown option '%s'", arg);
  if (*model) return tool_usage_error(o, "one model at a time ('%s' and '%s')", *model, arg);
  *model = arg;
  return TOOL_EXIT_OK;
}

static int parse_dims(tool_opts *o, const char *v) {
  const char *p = v;
  while (*p) {
    const char *eq = strchr(p, '=');
    const char *comma = strchr(p, ',');
    if (!eq || (comma && comma < eq) || eq == p) {
      tool_usage_error(o, "--dims '%s': expected name=value[,name=value...]", v);
      return -1;
    }
    if (o->n_dims == TOOL_MAX_DIMS) {
      tool_usage_error(o, "--dims: at most %d bindings", TOOL_MAX_DIMS);
      return -1;
    }
    size_t n = (size_t)(eq - p);
    char *name = o->dim_names[o->n_dims];
    if (n >= sizeof o->dim_names[0]) {
      tool_usage_error(o, "--dims: dim name '%.*s' is too long", (int)n, p);
      return -1;
    }
    memcpy(name, p, n);
    name[n] = '\0';
    char *end;
    long long val = strtoll(eq + 1, &end, 10);
    if (end == eq + 1 || (*end && *end != ',') || val <= 0 || val > ((long long)1 << 31)) {
      tool_usage_error(o, "--dims '%s': the value of '%s' must be a positive integer", v, name);
      return -1;
    }
    o->dims[o->n_dims].name = name;
    o->dims[o->n_dims].value = val;
    o->n_dims++;
    p = *end ? end + 1 : end;
  }
  return 1;
}

int tool_parse_common(tool_opts *o, int argc, char **argv, int *i) {
  const char *a = argv[*i];
  const char *v;
  if ((o->accepts & TOOL_OPT_DEVICE) && tool_is_opt(a, "--device")) {
    if (!(v = tool_value(o, argc, argv, i))) return -1;
    o->device = v;
    return 1;
  }
  if ((o->accepts & TOOL_OPT_JSON) && strcmp(a, "--json") == 0) {
    o->json = 1;
    return 1;
  }
  if ((o->accepts & TOOL_OPT_DIMS) && tool_is_opt(a, "--dims")) {
    if (!(v = tool_value(o, argc, argv, i))) return -1;
    return parse_dims(o, v);
  }
  if (!(o->accepts & TOOL_OPT_PRE)) return 0;
  cliq_preprocess *p = &o->pre;
  if (strcmp(a, "--bgr") == 0) {
    p->bgr = 1;
  } else if (strcmp(a, "--gray") == 0 || strcmp(a, "--grey") == 0) {
    p->gray = 1;
  } else if (tool_is_opt(a, "--size")) {
    if (!(v = tool_value(o, argc, argv, i))) return -1;
    if (!cliq__parse_size(v, &p->width, &p->height)) return tool_usage_error(o, "--size '%s': expected WxH, e.g. 224x224", v), -1;
  } else if (tool_is_opt(a, "--crop")) {
    if (!(v = tool_value(o, argc, argv, i))) return -1;
    if (!cliq__parse_size(v, &p->crop_w, &p->crop_h)) return tool_usage_error(o, "--crop '%s': expected WxH, e.g. 224x224", v), -1;
  } else if (tool_is_opt(a, "--resize")) {
    if (!(v = tool_value(o, argc, argv, i))) return -1;
    if (!cliq__parse_int(v, 1, 65535, &p->resize_short))
      return tool_usage_error(o, "--resize '%s': expected the short side in pixels, e.g. 256", v), -1;
  } else if (tool_is_opt(a, "--mean")) {
    if (!(v = tool_value(o, argc, argv, i))) return -1;
    if (!cliq__parse_floats3(v, p->mean)) return tool_usage_error(o, "--mean '%s': expected a or a,b,c (0..255 units)", v), -1;
  } else if (tool_is_opt(a, "--std")) {
    if (!(v = tool_value(o, argc, argv, i))) return -1;
    if (!cliq__parse_floats3(v, p->std)) return tool_usage_error(o, "--std '%s': expected a or a,b,c (0..255 units)", v), -1;
    for (int c = 0; c < 3; c++)
      if (p->std[c] == 0.0f) return tool_usage_error(o, "--std '%s': values must be non-zero", v), -1;
  } else if (tool_is_opt(a, "--layout")) {
    if (!(v = tool_value(o, argc, argv, i))) return -1;
    if (!cliq__parse_layout(v, &p->layout)) return tool_usage_error(o, "--layout '%s': expected nchw, nhwc or auto", v), -1;
  } else {
    return 0;
  }
  o->pre_given = 1;
  return 1;
}

void tool_print_common_help(FILE *f, unsigned accepts) {
  if (accepts & TOOL_OPT_PRE)
    fprintf(f,
            "Preprocessing (default: what the model stores, else mean 0, std 1, the model's input size):\n"
            "  --size WxH           resize to exactly W x H (bilinear)\n"
            "  --resize N           resize the short side to N, then centre-crop (--crop, or the model size)\n"
            "  --crop WxH           centre crop after resizing\n"
            "  --mean a[,b,c]       subtracted per channel, 0..255 units (model channel order)\n"
            "  --std a[,b,c]        divided per channel, 0..255 units\n"
            "  --bgr                feed channels as B,G,R\n"
            "  --gray               feed luma (BT.601) in every channel\n"
            "  --layout nchw|nhwc   input layout (default: from the model input shape)\n");
  if (accepts & (TOOL_OPT_DEVICE | TOOL_OPT_DIMS | TOOL_OPT_JSON)) fprintf(f, "Common:\n");
  if (accepts & TOOL_OPT_DEVICE)
    fprintf(f, "  --device SPEC        gpu, cpu, ref (C reference), an index from 'cliq devices' or a name part\n"
               "                       (default: $CLIQ_DEVICE, else the first GPU, else the CPU)\n");
  if (accepts & TOOL_OPT_DIMS) fprintf(f, "  --dims name=V,...    values of symbolic input dims\n");
  if (accepts & TOOL_OPT_JSON) fprintf(f, "  --json               print one JSON object on stdout\n");
}

cliq_status tool_context(const tool_opts *o, const char *device, int profiling, cliq_context **out) {
  char err[2048] = "";
  cliq_context_options co = cliq_context_options_default();
  co.device = device ? device : o->device;
  co.profiling = profiling;
  co.errbuf = err;
  co.errbuf_size = sizeof err;
  cliq_status st = cliq_context_create(&co, out);
  if (st != CLIQ_STATUS_OK)
    fprintf(stderr, "cliq %s: cannot open device '%s': %s: %s\n", o->cmd, co.device ? co.device : "(default)",
            cliq_status_name(st), err);
  return st;
}

cliq_status tool_model(const tool_opts *o, cliq_context *ctx, const char *path, cliq_model **out) {
  cliq_status st = cliq_model_load(ctx, path, out);
  if (st != CLIQ_STATUS_OK) tool_lib_error(o, ctx, st, "cannot load model '%s'", path);
  return st;
}

cliq_preprocess tool_preprocess(const tool_opts *o, const cliq_model *model, const char **source) {
  cliq_preprocess p;
  if (o->pre_given) {
    if (source) *source = "flags";
    return o->pre;
  }
  if (cliq_preprocess_from_model(model, &p)) {
    if (source) *source = "model";
    return p;
  }
  if (source) *source = "default";
  return cliq_preprocess_default();
}

cliq_status tool_bind_image_dims(tool_opts *o, cliq_context *ctx, const cliq_model *model, const cliq_preprocess *pre) {
  cliq__input_spec spec;
  cliq_status st = cliq__input_spec_resolve(ctx, model, pre, &spec);
  if (st != CLIQ_STATUS_OK) return st;
  cliq_tensor_info in;
  cliq_model_input(model, 0, &in);
  size_t off = in.rank - 3;
  size_t hi = spec.layout == CLIQ_LAYOUT_NCHW ? off + 1 : off;
  const char *names[2] = {in.dim_names[hi], in.dim_names[hi + 1]};
  int64_t values[2] = {spec.height, spec.width};
  for (int k = 0; k < 2; k++) {
    if (!names[k]) continue;
    bool bound = false;
    for (size_t j = 0; j < o->n_dims; j++)
      if (strcmp(o->dims[j].name, names[k]) == 0) bound = true;
    if (!bound && o->n_dims < TOOL_MAX_DIMS) {
      o->dims[o->n_dims].name = names[k];
      o->dims[o->n_dims].value = values[k];
      o->n_dims++;
    }
  }
  return CLIQ_STATUS_OK;
}

int tool_image_preprocess(tool_opts *o, cliq_context *ctx, const cliq_model *model, const char *path, cliq_preprocess *pre,
                          const char **source) {
  *pre = tool_preprocess(o, model, source);
  cliq_status st = tool_bind_image_dims(o, ctx, model, pre);
  return st == CLIQ_STATUS_OK ? TOOL_EXIT_OK : tool_lib_error(o, ctx, st, "preprocessing for '%s'", path);
}

cliq_status tool_session(const tool_opts *o, cliq_context *ctx, const cliq_model *model, size_t batch,
                         cliq_session **out) {
  cliq_session_options so = cliq_session_options_default();
  so.batch = batch;
  so.dims = o->dims;
  so.n_dims = o->n_dims;
  return cliq_session_create(ctx, model, &so, out);
}

cliq_status tool_io_alloc(const cliq_session *s, const cliq_model *m, tool_io *io) {
  memset(io, 0, sizeof *io);
  io->n_in = cliq_model_input_count(m);
  io->n_out = cliq_model_output_count(m);
  io->in = calloc(io->n_in + 1, sizeof *io->in);
  io->out = calloc(io->n_out + 1, sizeof *io->out);
  io->in_info = calloc(io->n_in + 1, sizeof *io->in_info);
  io->out_info = calloc(io->n_out + 1, sizeof *io->out_info);
  if (!io->in || !io->out || !io->in_info || !io->out_info) return CLIQ_STATUS_OUT_OF_MEMORY;
  for (size_t k = 0; k < io->n_in + io->n_out; k++) {
    bool is_in = k < io->n_in;
    size_t i = is_in ? k : k - io->n_in;
    cliq_tensor_info *t = is_in ? &io->in_info[i] : &io->out_info[i];
    cliq_buffer *b = is_in ? &io->in[i] : &io->out[i];
    TOOL_TRY(is_in ? cliq_session_input(s, i, t) : cliq_session_output(s, i, t));
    size_t n = tool_elems(t), esize = cliq_dtype_size(t->dtype);
    if (esize && n > SIZE_MAX / esize) return CLIQ_STATUS_OUT_OF_MEMORY;
    b->dtype = t->dtype;
    b->size = n * esize;
    b->data = calloc(b->size ? b->size : 1, 1);
    if (!b->data) return CLIQ_STATUS_OUT_OF_MEMORY;
  }
  return CLIQ_STATUS_OK;
}

void tool_io_free(tool_io *io) {
  for (size_t i = 0; io->in && i < io->n_in; i++) free(io->in[i].data);
  for (size_t i = 0; io->out && i < io->n_out; i++) free(io->out[i].data);
  free(io->in);
  free(io->out);
  free(io->in_info);
  free(io->out_info);
  memset(io, 0, sizeof *io);
}

const char *tool_shape_str(const cliq_tensor_info *t, char *buf, size_t size) {
  size_t off = 0;
  off += (size_t)snprintf(buf + off, size - off, "[");
  for (size_t d = 0; d < t->rank && off < size; d++) {
    const char *sep = d ? "," : "";
    if (t->dim_names[d]) off += (size_t)snprintf(buf + off, size - off, "%s'%s'", sep, t->dim_names[d]);
    else if (t->dims[d] < 0) off += (size_t)snprintf(buf + off, size - off, "%s?", sep);
    else off += (size_t)snprintf(buf + off, size - off, "%s%lld", sep, (long long)t->dims[d]);
  }
  if (off < size) snprintf(buf + off, size - off, "]");
  return buf;
}

size_t tool_elems(const cliq_tensor_info *t) {
  size_t n = 1;
  for (size_t d = 0; d < t->rank; d++) {
    if (t->dims[d] < 0) return 0;
    if (t->dims[d] != 0 && n > SIZE_MAX / (size_t)t->dims[d]) return 0;
    n *= (size_t)t->dims[d];
  }
  return n;
}

void tool_json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
    if (*p == '"' || *p == '\\') fprintf(f, "\\%c", *p);
    else if (*p == '\n') fputs("\\n", f);
    else if (*p == '\t') fputs("\\t", f);
    else if (*p < 0x20) fprintf(f, "\\u%04x", *p);
    else fputc(*p, f);
  }
  fputc('"', f);
}

void tool_json_num(FILE *f, double v) {
  if (isfinite(v)) fprintf(f, "%.9g", v);
  else fputs("null", f);
}

void tool_json_shape(FILE *f, const cliq_tensor_info *t) {
  fputc('[', f);
  for (size_t d = 0; d < t->rank; d++) {
    if (d) fputc(',', f);
    if (t->dim_names[d]) tool_json_str(f, t->dim_names[d]);
    else if (t->dims[d] < 0) fputs("null", f);
    else fprintf(f, "%lld", (long long)t->dims[d]);
  }
  fputc(']', f);
}

void tool_json_provenance(FILE *f, const cliq_device_info *dev, bool first) {
  const char *const keys[5] = {"device", "platform", "driver", "git", "int8_paths"};
  const char *const vals[5] = {dev->name, dev->platform, dev->driver, tool_git_revision(), dev->int8_paths};
  for (int i = 0; i < 5; i++) {
    fprintf(f, "%s\"%s\":", first && i == 0 ? "" : ",", keys[i]);
    tool_json_str(f, vals[i]);
  }
}

double tool_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int tool_cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

const char *tool_git_revision(void) {
  static char rev[64];
  if (rev[0]) return rev;
  snprintf(rev, sizeof rev, "%s", CLIQ_GIT_REV[0] ? CLIQ_GIT_REV : "unknown");
  if (CLIQ_SOURCE_DIR[0]) {
    /* the tree may have moved on since configure time: ask git now when it is there */
    char cmd[4400];
    snprintf(cmd, sizeof cmd, "git -C '%s' describe --always --dirty --abbrev=12 2>/dev/null", CLIQ_SOURCE_DIR);
    FILE *p = popen(cmd, "r");
    if (p) {
      char line[64] = "";
      if (fgets(line, sizeof line, p)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0]) snprintf(rev, sizeof rev, "%s", line);
      }
      pclose(p);
    }
  }
  return rev;
}

double tool_elem_f64(cliq_dtype dtype, const void *data, size_t i) {
  switch (dtype) {
  case CLIQ_DTYPE_FLOAT32: return ((const float *)data)[i];
  case CLIQ_DTYPE_UINT8: return ((const uint8_t *)data)[i];
  case CLIQ_DTYPE_INT8: return ((const int8_t *)data)[i];
  case CLIQ_DTYPE_INT32: return ((const int32_t *)data)[i];
  case CLIQ_DTYPE_INT64: return (double)((const int64_t *)data)[i];
  case CLIQ_DTYPE_BOOL: return ((const uint8_t *)data)[i] ? 1.0 : 0.0;
  case CLIQ_DTYPE_UNDEFINED: break;
  }
  return NAN;
}

void tool_err_add(tool_err *a, const float *ref, const float *q, size_t n) {
  double rr = 0, dd = 0, rq = 0, qq = 0;
  for (size_t i = 0; i < n; i++) {
    double r = ref[i], v = q[i], d = r - v;
    rr += r * r;
    dd += d * d;
    rq += r * v;
    qq += v * v;
  }
  a->rr += rr, a->dd += dd, a->rq += rq, a->qq += qq;
  a->n += n;
}

void tool_err_merge(tool_err *a, const tool_err *b) {
  a->rr += b->rr, a->dd += b->dd, a->rq += b->rq, a->qq += b->qq;
  a->n += b->n;
}

double tool_err_sqnr(const tool_err *a) {
  if (a->dd == 0.0) return a->rr == 0.0 ? NAN : INFINITY;
  return 10.0 * log10(a->rr / a->dd);
}

double tool_err_worst(const tool_err *e, size_t n, const unsigned char *judged) {
  double w = INFINITY;
  for (size_t k = 0; k < n; k++) {
    double v = !judged || judged[k] ? tool_err_sqnr(&e[k]) : NAN;
    if (!isnan(v) && v < w) w = v;
  }
  return w;
}

double tool_err_cosine(const tool_err *a) {
  double d = sqrt(a->rr) * sqrt(a->qq);
  return d > 0 ? a->rq / d : (a->rr == a->qq ? 1.0 : 0.0);
}
