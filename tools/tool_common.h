/*
 * tool_common.h — what the `cliq` sub-commands share: the common options (device, JSON output,
 * dims bindings, preprocessing flags), opening contexts, models and sessions with messages that
 * carry the library's error text, JSON writing, timing and the git revision.
 *
 * Exit codes of every command: 0 ok, 1 a check failed (tolerance, accuracy), 2 usage or input
 * error (the message on stderr names the problem).
 */
#ifndef CLIQ_TOOL_COMMON_H
#define CLIQ_TOOL_COMMON_H

#include "cliq.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum { TOOL_EXIT_OK = 0, TOOL_EXIT_CHECK = 1, TOOL_EXIT_USAGE = 2 };

/* Which common options a command takes (tool_opts.accepts). */
enum {
  TOOL_OPT_DEVICE = 1u << 0, /* --device SPEC */
  TOOL_OPT_JSON = 1u << 1,   /* --json */
  TOOL_OPT_DIMS = 1u << 2,   /* --dims name=V,... */
  TOOL_OPT_PRE = 1u << 3     /* --size, --resize, --crop, --mean, --std, --bgr, --gray, --layout */
};

#define TOOL_MAX_DIMS 16

typedef struct tool_opts {
  const char *cmd;     /* sub-command name, for messages */
  unsigned accepts;
  const char *device;  /* NULL: library default (CLIQ_DEVICE, then GPU, then CPU) */
  int json;
  cliq_preprocess pre;
  int pre_given;       /* a preprocessing flag was given: use pre, not the model's stored one */
  cliq_dim_binding dims[TOOL_MAX_DIMS];
  size_t n_dims;
  char dim_names[TOOL_MAX_DIMS][64]; /* storage of the names given by --dims */
} tool_opts;

void tool_opts_init(tool_opts *o, const char *cmd, unsigned accepts);

/* True when arg is "--name" or "--name=...". */
bool tool_is_opt(const char *arg, const char *name);
/* The value of the option at argv[*i] ("--name V" or "--name=V"), advancing *i past it; NULL
 * (after a usage message) when it is missing. */
const char *tool_value(tool_opts *o, int argc, char **argv, int *i);
/* Parses argv[*i] when it is a common option the command accepts: 1 consumed, 0 not a common
 * option, -1 bad value (message printed; exit TOOL_EXIT_USAGE). */
int tool_parse_common(tool_opts *o, int argc, char **argv, int *i);
/* Help lines for the common options a command accepts. */
void tool_print_common_help(FILE *f, unsigned accepts);
/* Positive integer option value; -1 (message printed) when malformed. */
long tool_parse_count(tool_opts *o, const char *opt, const char *value, long lo, long hi);
/* The integer value in lo..hi of option `name` at argv[*i] (tool_value, then tool_parse_count) into
 * *out; false (message printed) when it is missing or malformed. */
bool tool_count_value(tool_opts *o, int argc, char **argv, int *i, const char *name, long lo, long hi, long *out);
/* The images a command reads from a dataset of `total`: from `skip` on, at most `limit` (0: all).
 * A skip that leaves none is a usage error naming the option `skip_opt` and `source` (returns false). */
bool tool_dataset_window(const tool_opts *o, const char *skip_opt, size_t total, long skip, long limit, const char *source, size_t *first, size_t *count);
/* Names given as comma-separated option values, repeatable (--float-layers, --target-outputs,
 * --outputs): copies, freed by tool_names_free. */
typedef struct tool_names {
  char **v;
  size_t n;
} tool_names;
/* Appends the names of one value of option `opt`; an empty name is a usage error. Returns
 * TOOL_EXIT_OK or TOOL_EXIT_USAGE (message printed). */
int tool_names_add(const tool_opts *o, const char *opt, const char *value, tool_names *names);
void tool_names_free(tool_names *names);
/* A positional argument: the model's path into *model. An unknown option, or a second model, is a
 * usage error (message printed). Returns TOOL_EXIT_OK or TOOL_EXIT_USAGE. */
int tool_model_arg(const tool_opts *o, const char *arg, const char **model);

/* Messages: "cliq CMD: ..." plus a hint to --help; returns TOOL_EXIT_USAGE. */
int tool_usage_error(const tool_opts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "cliq CMD: what: STATUS_NAME: <context message>"; returns TOOL_EXIT_USAGE. ctx may be NULL. */
int tool_lib_error(const tool_opts *o, cliq_context *ctx, cliq_status st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Context on --device (a reference-only command passes device "ref"); message on failure. */
cliq_status tool_context(const tool_opts *o, const char *device, int profiling, cliq_context **out);
cliq_status tool_model(const tool_opts *o, cliq_context *ctx, const char *path, cliq_model **out);

/* Preprocessing for model: the flags when any was given, else what the model stores, else
 * defaults. *source (may be NULL) gets "flags", "model" or "default". */
cliq_preprocess tool_preprocess(const tool_opts *o, const cliq_model *model, const char **source);
/* Adds to o->dims the model input 0 height/width names bound to the preprocessed image size when
 * they are symbolic and not bound by --dims (image commands on dynamic-size models). Returns
 * CLIQ_STATUS_OK or the status of resolving pre against the model (message on ctx). */
cliq_status tool_bind_image_dims(tool_opts *o, cliq_context *ctx, const cliq_model *model, const cliq_preprocess *pre);
/* tool_preprocess, then tool_bind_image_dims, for images fed to model (path names it in the
 * message). Returns TOOL_EXIT_OK or TOOL_EXIT_USAGE (message printed). */
int tool_image_preprocess(tool_opts *o, cliq_context *ctx, const cliq_model *model, const char *path, cliq_preprocess *pre,
                          const char **source);
/* Session with batch and o->dims. */
cliq_status tool_session(const tool_opts *o, cliq_context *ctx, const cliq_model *model, size_t batch,
                         cliq_session **out);

/* A session's input and output buffers, allocated at the bound shapes (zero-filled). */
typedef struct tool_io {
  size_t n_in, n_out;
  cliq_buffer *in, *out;
  cliq_tensor_info *in_info, *out_info;
} tool_io;
cliq_status tool_io_alloc(const cliq_session *session, const cliq_model *model, tool_io *io);
void tool_io_free(tool_io *io);

/* Shape text: "[1,3,'height',224]" with symbolic names; buf returned. */
const char *tool_shape_str(const cliq_tensor_info *t, char *buf, size_t size);
/* Elements of a bound tensor (all dims known); 0 on overflow. */
size_t tool_elems(const cliq_tensor_info *t);

/* JSON: a string with escapes; a number (%.9g, null when not finite). */
void tool_json_str(FILE *f, const char *s);
void tool_json_num(FILE *f, double v);
void tool_json_shape(FILE *f, const cliq_tensor_info *t);
/* Where a measurement comes from, as object members without braces, compact ("key":"value"; bench/
 * models.sh reads them with sed): "device", "platform", "driver", "git" (tool_git_revision) and
 * "int8_paths". A leading comma unless first. Every benchmark's JSON carries these. */
void tool_json_provenance(FILE *f, const cliq_device_info *dev, bool first);

/* The error of a result against a reference, summed over elements and images (cliq compare):
 * SQNR = 10*log10(sum r^2 / sum (r - q)^2) in dB (inf when equal, NaN when both are all zero),
 * and the cosine similarity. */
typedef struct tool_err {
  double rr, dd, rq, qq; /* sums of r^2, (r-q)^2, r*q, q^2 */
  size_t n;
} tool_err;
void tool_err_add(tool_err *a, const float *ref, const float *q, size_t n);
/* a += b: the sums of both (what tool_err_add of b's elements into a gives, bit for bit). */
void tool_err_merge(tool_err *a, const tool_err *b);
double tool_err_sqnr(const tool_err *a);
/* The lowest SQNR over the n outputs' sums e[k] with judged[k] set (judged NULL: all), outputs
 * without signal (NaN) left out; +inf when none is left. */
double tool_err_worst(const tool_err *e, size_t n, const unsigned char *judged);
double tool_err_cosine(const tool_err *a);

/* Monotonic seconds. */
double tool_now(void);
/* qsort comparator of doubles (ascending): medians and percentiles of timed runs. */
int tool_cmp_double(const void *a, const void *b);
/* "abc1234" or "abc1234-dirty" of the source tree, else the revision at configure time, else
 * "unknown". */
const char *tool_git_revision(void);

/* Element i of a buffer of dtype as double. */
double tool_elem_f64(cliq_dtype dtype, const void *data, size_t i);

#endif /* CLIQ_TOOL_COMMON_H */
