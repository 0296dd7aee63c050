/*
 * variant.c — the variant table as data and the per-device choice (see variant.h).
 */
#include "variant.h"

#include "tuning.h"

#include <stdlib.h>
#include <string.h>

const cliq__variant cliq__variants[CLIQ__VARIANT_COUNT] = {
#define CLIQ_VARIANT(id, kind, program, kernel, mr, nr, where, why) {#id, CLIQ__VK_##kind, program, kernel, mr, nr, where, why},
#include "variants.h"
#undef CLIQ_VARIANT
};

bool cliq__where_any(const cliq__device *d) { return !d->is_reference; }

bool cliq__where_clblast(const cliq__device *d) { return !d->is_reference && d->id != NULL; }

const cliq__variant *cliq__variant_find(const char *name) {
  for (int i = 0; i < CLIQ__VARIANT_COUNT; i++)
    if (strcmp(cliq__variants[i].name, name) == 0) return &cliq__variants[i];
  return NULL;
}

static bool usable(const cliq__variant *v, const cliq__device *d, cliq__variant_kind kind) {
  return v && v->kind == kind && v->where(d);
}

const cliq__variant *cliq__variant_pick(const cliq__device *d, cliq__variant_kind kind, const char *key) {
  char buf[64];
  const cliq__variant *v = NULL;
  if (cliq__tuning_user(key, buf, sizeof buf)) {
    v = cliq__variant_find(buf);
    if (!v) {
      char *end;
      long id = strtol(buf, &end, 10);
      if (end != buf && *end == '\0' && id >= 0 && id < CLIQ__VARIANT_COUNT) v = &cliq__variants[id];
    }
  } else {
    long id = cliq__tuning_int(d, key, -1);
    if (id >= 0 && id < CLIQ__VARIANT_COUNT) v = &cliq__variants[id];
  }
  if (usable(v, d, kind)) return v;
  for (int i = 0; i < CLIQ__VARIANT_COUNT; i++)
    if (usable(&cliq__variants[i], d, kind)) return &cliq__variants[i];
  return NULL;
}
