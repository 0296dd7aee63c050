/*
 * compare_sensitivity.h — `cliq compare --sensitivity` (compare_sensitivity.c), called by
 * cmd_compare.c once both models, the context and the image source are open.
 */
#ifndef CLIQ_TOOLS_COMPARE_SENSITIVITY_H
#define CLIQ_TOOLS_COMPARE_SENSITIVITY_H

#include "tool_common.h"

/* Over images first..first+count-1 of ds; judged: per output, whether it counts in the
 * worst-output figures (NULL: all do); html: also a page with the chart there (NULL: none).
 * Returns a TOOL_EXIT_* code (messages printed). */
int tool_compare_sensitivity(tool_opts *o, cliq_context *ctx, const char *fpath, const char *qpath, const cliq_model *fm,
                             const cliq_model *qm, cliq_dataset *ds, const char *images, size_t first, size_t count,
                             const unsigned char *judged, const char *html);

#endif /* CLIQ_TOOLS_COMPARE_SENSITIVITY_H */
