/*
 * cliq.c — the `cliq` command-line tool: main, the command table, --help and --version.
 *
 * Each sub-command is `int cliq_cmd_<name>(int argc, char **argv)` in tools/cmd_<name>.c, called
 * with argv[0] = the command name; adding a command is one line in the table below (and its
 * prototype). Exit codes: 0 ok, 1 a check failed, 2 usage or input error (tool_common.h).
 */
#include "tool_common.h"

#include <stdio.h>
#include <string.h>

int cliq_cmd_devices(int argc, char **argv);
int cliq_cmd_info(int argc, char **argv);
int cliq_cmd_run(int argc, char **argv);
int cliq_cmd_eval(int argc, char **argv);
int cliq_cmd_bench(int argc, char **argv);
int cliq_cmd_demo_model(int argc, char **argv);
/* TODO(calib): int cliq_cmd_quantize(int argc, char **argv); once tools/cmd_quantize.c is in main */
/* TODO(calib): int cliq_cmd_compare(int argc, char **argv); once tools/cmd_compare.c is in main */

typedef struct command {
  const char *name;
  int (*fn)(int argc, char **argv);
  const char *summary;
  int hidden; /* not listed by --help (tooling for the demo and tests) */
} command;

static const command commands[] = {
    {"devices", cliq_cmd_devices, "list the OpenCL devices cliq can run on", 0},
    {"info", cliq_cmd_info, "inputs, outputs, ops, parameters and MACs of a model", 0},
    {"run", cliq_cmd_run, "run a model on ONNX test data (--test-data) or an image (--image)", 0},
    {"eval", cliq_cmd_eval, "top-1/top-5 accuracy of a classifier on a labeled dataset", 0},
    {"bench", cliq_cmd_bench, "latency, throughput and per-op times of a model ('bench kernels': int8 kernels)", 0},
    /* TODO(calib): {"quantize", cliq_cmd_quantize, "calibrate a float model on images and write it as int8", 0}, */
    /* TODO(calib): {"compare", cliq_cmd_compare, "SQNR of an int8 model against its float model", 0}, */
    {"demo-model", cliq_cmd_demo_model, "write a small generated CNN, a test image and calibration images", 1},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void print_help(FILE *f) {
  fprintf(f,
          "cliq %d.%d.%d — run ONNX vision CNNs on any OpenCL device, quantized to int8\n\n"
          "usage: cliq COMMAND [options]     (cliq COMMAND --help for its options)\n\n"
          "commands:\n",
          CLIQ_VERSION_MAJOR, CLIQ_VERSION_MINOR, CLIQ_VERSION_PATCH);
  for (size_t i = 0; i < N_COMMANDS; i++)
    if (!commands[i].hidden) fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf(f,
          "\nexit codes: 0 ok, 1 a check failed, 2 usage or input error\n"
          "environment: CLIQ_DEVICE (device choice), CLIQ_CACHE_DIR / CLIQ_NO_CACHE=1 (compiled-program cache),\n"
          "             CLIQ_KERNEL_DIR (read kernels from disk)\n");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    print_help(stderr);
    return TOOL_EXIT_USAGE;
  }
  const char *c = argv[1];
  if (strcmp(c, "--help") == 0 || strcmp(c, "-h") == 0 || strcmp(c, "help") == 0) {
    print_help(stdout);
    return TOOL_EXIT_OK;
  }
  if (strcmp(c, "--version") == 0) {
    printf("cliq %d.%d.%d (git %s)\n", CLIQ_VERSION_MAJOR, CLIQ_VERSION_MINOR, CLIQ_VERSION_PATCH, tool_git_revision());
    return TOOL_EXIT_OK;
  }
  for (size_t i = 0; i < N_COMMANDS; i++)
    if (strcmp(c, commands[i].name) == 0) return commands[i].fn(argc - 1, argv + 1);
  fprintf(stderr, "cliq: unknown command '%s'\n\n", c);
  print_help(stderr);
  return TOOL_EXIT_USAGE;
}
