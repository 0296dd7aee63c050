/*
 * tuning.h — device-specific kernel parameters: one table, looked up as user override
 * (CLIQ_TUNE="NAME=VALUE,..."), then device name, then vendor, then the kernel's own default.
 */
#ifndef CLIQ_TUNING_H
#define CLIQ_TUNING_H

#include "device.h"

#include <stddef.h>

/* -D options every program gets on this device (dot-product path macros, vendor quirks). */
void cliq__tuning_defines(const cliq__device *d, const char *program, char *buf, size_t size);

/* Integer tunable `name` for this device ("GEMM_F32_WG" ...); def when the table has none. */
long cliq__tuning_int(const cliq__device *d, const char *name, long def);

/* The raw CLIQ_TUNE value of `name` (e.g. a kernel variant's name) into buf; false when the user
 * set none. */
bool cliq__tuning_user(const char *name, char *buf, size_t size);

#endif /* CLIQ_TUNING_H */
