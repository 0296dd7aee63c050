/*
 * quantizers.h — a QDQ graph's activation quantizers (calib/quantizers.c): listed in graph order
 * and selectively bypassed. Used by the public cliq_model_*quantizer* calls (`cliq compare
 * --sensitivity`) and by the accuracy-target fallback pass (calib/fallback.c).
 */
#ifndef CLIQ_CALIB_QUANTIZERS_H
#define CLIQ_CALIB_QUANTIZERS_H

#include "../host/graph.h"

/* How many activation quantizers g has. */
size_t cliq__quantizer_count(const cliq__graph *g);
/* The value quantized by activation quantizer `index` (graph order); -1 past the count. */
int cliq__quantizer_value(const cliq__graph *g, size_t index);
/* Bypasses, in place, every activation quantizer i with enabled[i] == 0 (n = the count): the
 * readers of its DequantizeLinear outputs read the float tensor; the unread pair stays in g for
 * the caller to prune (cliq__graph_prune, or the load pipeline). */
void cliq__quantizers_bypass(cliq__graph *g, const unsigned char *enabled, size_t n);

#endif /* CLIQ_CALIB_QUANTIZERS_H */
