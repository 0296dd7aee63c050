/*
 * clhead.h — the one place that includes the OpenCL headers, fixing the API version cliq targets
 * (1.2 calls only, so any ICD from 1.2 on works; 2.0+ queue properties are not used).
 */
#ifndef CLIQ_CLHEAD_H
#define CLIQ_CLHEAD_H

#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 120
#endif
#ifndef CL_USE_DEPRECATED_OPENCL_1_2_APIS
#define CL_USE_DEPRECATED_OPENCL_1_2_APIS
#endif
#include <CL/cl.h>
#include <stdbool.h>

#endif /* CLIQ_CLHEAD_H */
