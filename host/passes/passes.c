/*
 * passes.c — runs the passes of pass_list.h for a stage, in order.
 */
#include "passes.h"

#include "../error.h"

typedef struct pass_entry {
  cliq__pass_stage stage;
  cliq__pass_fn fn;
} pass_entry;

static const pass_entry pass_table[] = {
#define CLIQ_PASS(stage, fn) {CLIQ__PASS_##stage, fn},
#include "pass_list.h"
#undef CLIQ_PASS
    {(cliq__pass_stage)0, 0}};

cliq_status cliq__passes_run(cliq_context *ctx, cliq__graph *g, cliq__pass_stage stage) {
  for (const pass_entry *p = pass_table; p->fn; p++)
    if (p->stage == stage) CLIQ__TRY(p->fn(ctx, g));
  return CLIQ_STATUS_OK;
}
