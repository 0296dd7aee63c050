/*
 * graph.h — the graph IR every part of cliq works on.
 *
 * A graph is two growable arrays, values (tensor edges) and nodes (operators), that refer to each
 * other by index, never by pointer, so passes can add to them freely. Nodes stay in topological
 * order. The model's graph mirrors standard ONNX; sessions work on a copy that they specialise
 * (bound dims, folded constants, fused activations, int8 lowering).
 *
 * Quantization parameters ride on values (cliq__quant): an int8 value carries its scale and zero
 * point, per tensor or per channel along an axis, from the moment QDQ lowering makes it int8.
 */
#ifndef CLIQ_GRAPH_H
#define CLIQ_GRAPH_H

#include "cliq.h"
#include "tensor.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum cliq__attr_type {
  CLIQ__ATTR_FLOAT = 1,
  CLIQ__ATTR_INT = 2,
  CLIQ__ATTR_STRING = 3,
  CLIQ__ATTR_TENSOR = 4,
  CLIQ__ATTR_GRAPH = 5, /* kept only to reject with a clear message */
  CLIQ__ATTR_FLOATS = 6,
  CLIQ__ATTR_INTS = 7,
  CLIQ__ATTR_STRINGS = 8
} cliq__attr_type; /* values match ONNX AttributeProto.AttributeType */

typedef struct cliq__attr {
  char *name;
  cliq__attr_type type;
  float f;
  int64_t i;
  char *s;          /* NUL-terminated copy */
  float *floats;    /* FLOATS */
  int64_t *ints;    /* INTS */
  char **strings;   /* STRINGS */
  size_t n;         /* element count of floats/ints/strings */
  cliq__tensor *t;  /* TENSOR */
} cliq__attr;

typedef struct cliq__quant {
  size_t n;          /* 1: per tensor; else per channel along axis (n = dims[axis]) */
  int axis;
  float *scale;      /* n entries, > 0 */
  int32_t *zero_point; /* n entries, in the range of the value's dtype */
} cliq__quant;

enum {
  CLIQ__VALUE_GRAPH_INPUT = 1u << 0,
  CLIQ__VALUE_GRAPH_OUTPUT = 1u << 1,
  CLIQ__VALUE_INITIALIZER = 1u << 2
};

typedef struct cliq__value {
  char *name;
  cliq_dtype dtype;                  /* UNDEFINED until known */
  int rank;                          /* -1 until known */
  int64_t dims[CLIQ_MAX_RANK];       /* -1 = unknown */
  char *dim_param[CLIQ_MAX_RANK];    /* symbolic dim names (graph inputs/outputs), or NULL */
  cliq__tensor *constant;            /* owned; set when the value is known without running */
  cliq__quant *quant;                /* owned; set on quantized values */
  int producer;                      /* node index, -1 when none */
  unsigned flags;                    /* CLIQ__VALUE_* */
} cliq__value;

typedef struct cliq__node {
  char *name;       /* never NULL: import names unnamed nodes "<OpType>_<index>" */
  char *op_type;
  char *domain;     /* "" for ai.onnx */
  int opset;        /* opset version of the node's domain */
  int *inputs;      /* value ids, -1 for an absent optional input */
  size_t n_inputs;
  int *outputs;     /* value ids, -1 for an absent optional output */
  size_t n_outputs;
  cliq__attr *attrs;
  size_t n_attrs;
  const struct cliq__op_def *def; /* resolved op table entry */
} cliq__node;

typedef struct cliq__kv {
  char *key;
  char *value;
} cliq__kv;

typedef struct cliq__graph {
  cliq__value *values;
  size_t n_values, cap_values;
  cliq__node *nodes;
  size_t n_nodes, cap_nodes;
  int *inputs;       /* runtime graph inputs (initializers excluded), model order */
  size_t n_inputs;
  int *outputs;      /* graph outputs, model order */
  size_t n_outputs;
  char *name;
  int64_t ir_version;
  int opset;         /* ai.onnx opset */
  char *producer_name;
  char *producer_version;
  cliq__kv *metadata;
  size_t n_metadata;
  /* A session graph created with keep_intermediates: values stay readable, so session passes
   * fuse only a ReLU/Clip into the op before it (calibration reads the input of every other
   * activation) */
  bool keep_values;
} cliq__graph;

cliq__graph *cliq__graph_new(void);
void cliq__graph_free(cliq__graph *g);
/* Deep copy; NULL on allocation failure. */
cliq__graph *cliq__graph_clone(const cliq__graph *g);

/* Adds a value named `name` (copied) with unknown type/shape; returns its id or -1 (OOM). */
int cliq__graph_add_value(cliq__graph *g, const char *name);
/* Adds a value whose name is made unique from `hint` ("hint", "hint_1", ...). */
int cliq__graph_add_value_unique(cliq__graph *g, const char *hint);
/* Adds an initializer named after `hint` (made unique) holding t, whose ownership it takes (t is
 * freed on failure). Returns the value id or -1 (OOM). Passes use it for the weights they make. */
int cliq__graph_add_constant(cliq__graph *g, const char *hint, cliq__tensor *t);
/* Finds a value by name (linear scan; import uses its own hash). -1 when absent. */
int cliq__graph_find_value(const cliq__graph *g, const char *name);
/* The first node named `name`; -1 when none. */
int cliq__graph_find_node(const cliq__graph *g, const char *name);
/* Index k of the graph output named `name` (g->outputs[k]), -1 when no output has that name. */
int cliq__graph_find_output(const cliq__graph *g, const char *name);
/* True when n is an ai.onnx (default domain) node of that op type. */
bool cliq__node_is(const cliq__node *n, const char *op_type);

/* Adds a node at the end (caller keeps topological order or calls cliq__graph_toposort).
 * inputs/outputs are copied. Returns the node id or -1 (OOM). Sets producer of the outputs. */
int cliq__graph_add_node(cliq__graph *g, const char *op_type, const char *domain, const char *name,
                         const int *inputs, size_t n_inputs, const int *outputs, size_t n_outputs);
/* Inserts a node before position `pos`, shifting later nodes. Returns pos or -1. */
int cliq__graph_insert_node(cliq__graph *g, size_t pos, const char *op_type, const char *domain,
                            const char *name, const int *inputs, size_t n_inputs, const int *outputs,
                            size_t n_outputs);

/* Attributes. set_* replace an attribute of the same name. Return false on OOM. */
bool cliq__node_set_int(cliq__node *n, const char *name, int64_t v);
bool cliq__node_set_float(cliq__node *n, const char *name, float v);
bool cliq__node_set_string(cliq__node *n, const char *name, const char *v);
bool cliq__node_set_ints(cliq__node *n, const char *name, const int64_t *v, size_t count);
bool cliq__node_set_floats(cliq__node *n, const char *name, const float *v, size_t count);
const cliq__attr *cliq__node_attr(const cliq__node *n, const char *name);
/* Removes the attribute `name` if the node has it. */
void cliq__node_drop_attr(cliq__node *n, const char *name);
void cliq__attr_clear(cliq__attr *a);
bool cliq__attr_copy(cliq__attr *dst, const cliq__attr *src);

/* Removes nodes flagged in `dead` (array of n_nodes bools), keeping order and fixing producers. */
void cliq__graph_remove_nodes(cliq__graph *g, const bool *dead);
/* Sorts nodes topologically (stable). Returns INVALID_MODEL if there is a cycle. */
cliq_status cliq__graph_toposort(cliq__graph *g);
/* Recomputes every value's producer from the node list. */
void cliq__graph_update_producers(cliq__graph *g);
/* Number of nodes that read value v (graph outputs count as one extra reader). */
size_t cliq__graph_use_count(const cliq__graph *g, int v);
/* Replaces every read of value `from` by `to` (node inputs and graph outputs). */
void cliq__graph_replace_uses(cliq__graph *g, int from, int to);

/* Sets a value's constant (takes ownership of t; frees a previous one) and its dtype/shape. */
void cliq__value_set_constant(cliq__value *v, cliq__tensor *t);
/* Sets dtype and shape. */
void cliq__value_set_shape(cliq__value *v, cliq_dtype dtype, int rank, const int64_t *dims);
/* True when dtype and every dim are known. */
bool cliq__value_shape_known(const cliq__value *v);

cliq__quant *cliq__quant_new(size_t n, int axis);
cliq__quant *cliq__quant_clone(const cliq__quant *q);
void cliq__quant_free(cliq__quant *q);

/* Metadata (metadata_props): set replaces. */
bool cliq__graph_set_metadata(cliq__graph *g, const char *key, const char *value);
const char *cliq__graph_metadata(const cliq__graph *g, const char *key);

char *cliq__strdup(const char *s);

#endif /* CLIQ_GRAPH_H */
