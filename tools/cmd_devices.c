/*
 * cmd_devices.c — `cliq devices`: every OpenCL device, in the order CLIQ_DEVICE=<index> uses,
 * with what cliq knows about it (driver, compute units, memory, int8 dot-product paths).
 */
#include "tool_common.h"

#include <string.h>

typedef struct list_state {
  int json;
  size_t n;
} list_state;

static void print_device(void *user, size_t index, const cliq_device_info *d) {
  list_state *s = user;
  if (s->json) {
    printf("%s{\"index\":%zu,\"platform\":", s->n ? "," : "", index);
    tool_json_str(stdout, d->platform);
    printf(",\"name\":");
    tool_json_str(stdout, d->name);
    printf(",\"driver\":");
    tool_json_str(stdout, d->driver);
    printf(",\"version\":");
    tool_json_str(stdout, d->version);
    printf(",\"type\":\"%s\",\"compute_units\":%zu,\"global_mem_bytes\":%llu,\"int8_paths\":", d->is_gpu ? "gpu" : "cpu",
           d->compute_units, (unsigned long long)d->global_mem_bytes);
    tool_json_str(stdout, d->int8_paths);
    printf("}");
  } else {
    printf("%zu: %s / %s\n", index, d->platform, d->name);
    printf("   %s, driver %s, %s\n", d->is_gpu ? "GPU" : "CPU", d->driver, d->version);
    printf("   %zu compute units, %.1f GiB global memory, int8 paths: %s\n", d->compute_units,
           (double)d->global_mem_bytes / (1024.0 * 1024.0 * 1024.0), d->int8_paths);
  }
  s->n++;
}

int cliq_cmd_devices(int argc, char **argv) {
  tool_opts o;
  tool_opts_init(&o, "devices", TOOL_OPT_JSON);
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      printf("usage: cliq devices [--json]\n\n"
             "Lists the OpenCL devices in the order CLIQ_DEVICE=<index> and --device <index> use.\n"
             "'ref' (the C reference, no OpenCL) is always available as well.\n\n");
      tool_print_common_help(stdout, o.accepts);
      return TOOL_EXIT_OK;
    }
    int r = tool_parse_common(&o, argc, argv, &i);
    if (r < 0) return TOOL_EXIT_USAGE;
    if (r == 0) return tool_usage_error(&o, "unexpected argument '%s'", argv[i]);
  }
  list_state s = {o.json, 0};
  if (o.json) printf("{\"devices\":[");
  size_t n = 0;
  cliq_status st = cliq_device_list(print_device, &s, &n);
  if (o.json) printf("]}\n");
  if (st != CLIQ_STATUS_OK) return tool_lib_error(&o, NULL, st, "listing devices");
  if (!o.json && n == 0)
    printf("no OpenCL device found (install an OpenCL driver, e.g. pocl-opencl-icd; --device ref runs the C reference)\n");
  return TOOL_EXIT_OK;
}
