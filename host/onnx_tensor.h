/*
 * onnx_tensor.h — converting ONNX TensorProto messages (protobuf-c, generated from Debian's
 * onnx.proto at build time) to and from cliq__tensor.
 */
#ifndef CLIQ_ONNX_TENSOR_H
#define CLIQ_ONNX_TENSOR_H

#include "onnx.pb-c.h"
#include "tensor.h"

cliq_dtype cliq__dtype_from_onnx(int32_t onnx_type);
const char *cliq__onnx_type_name(int32_t onnx_type);

/* `what` names the tensor in messages ("initializer 'conv1.weight'"). */
cliq_status cliq__tensor_from_onnx(cliq_context *ctx, const Onnx__TensorProto *tp, const char *base_dir, const char *what,
                                   cliq__tensor **out);

/* Parses a serialized TensorProto (.pb file of an ONNX test data set). */
cliq_status cliq__tensor_read_pb(cliq_context *ctx, const void *data, size_t size, cliq__tensor **out, char **out_name);

#endif /* CLIQ_ONNX_TENSOR_H */
