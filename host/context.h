/*
 * context.h — the context object behind the opaque cliq_context (internal).
 */
#ifndef CLIQ_CONTEXT_H
#define CLIQ_CONTEXT_H

#include "cl/clhead.h"
#include "cl/device.h"
#include "cliq.h"

#include <stdbool.h>
#include <stddef.h>

struct cliq__program_entry;

struct cliq_context {
  char *err;                 /* last error message */
  size_t err_len, err_cap;
  cliq__device dev;
  cl_context cl;             /* NULL for the reference device */
  cl_command_queue queue;
  bool profiling;
  bool no_cache;
  char *cache_dir;           /* NULL when no cache directory could be determined */
  char *kernel_dir;          /* CLIQ_KERNEL_DIR override, or NULL */
  struct cliq__program_entry *programs; /* built programs, keyed by (name, options) */
  size_t n_programs, cap_programs;
  unsigned active_objects;   /* models/sessions/datasets alive (destroy order check) */
};

#endif /* CLIQ_CONTEXT_H */
