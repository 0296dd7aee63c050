/*
 * pass.c — runs the PTQ passes of calib/pass_list.h for a stage, in order.
 */
#include "pass.h"

typedef struct ptq_pass_entry {
  cliq__ptq_stage stage;
  cliq__ptq_pass_fn fn;
} ptq_pass_entry;

static const ptq_pass_entry ptq_passes[] = {
#define CLIQ_PTQ_PASS(stage, fn) {CLIQ__PTQ_##stage, fn},
#include "pass_list.h"
#undef CLIQ_PTQ_PASS
    {(cliq__ptq_stage)0, 0}};

cliq_status cliq__ptq_passes_run(cliq__ptq *ptq, cliq__ptq_stage stage) {
  for (const ptq_pass_entry *p = ptq_passes; p->fn; p++)
    if (p->stage == stage) {
      cliq_status st = p->fn(ptq);
      if (st != CLIQ_STATUS_OK) return st;
    }
  return CLIQ_STATUS_OK;
}
