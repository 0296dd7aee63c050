/*
 * op_list.h — the op table: one line per operator, CLIQ_OP(Type); the op's domain, oldest
 * supported opset and functions are in its cliq__op_def.
 * This is the only place to edit to add an op (plus its file in host/ops/). Tests and `cliq info`
 * iterate the table. Internal ops made by session passes use the "cliq" domain.
 * Kept in sections so people adding ops in parallel touch different lines.
 */

/* elementwise unary (host/ops/unary.c) */
CLIQ_OP(Relu)
CLIQ_OP(Clip)
CLIQ_OP(LeakyRelu)
CLIQ_OP(Sigmoid)
CLIQ_OP(HardSigmoid)
CLIQ_OP(HardSwish)
CLIQ_OP(Tanh)
CLIQ_OP(Exp)

/* elementwise binary with broadcasting (host/ops/binary.c) */

/* data movement and shapes (host/ops/shape_ops.c, concat.c, slice.c, ...) */
CLIQ_OP(Identity)
CLIQ_OP(Dropout)
CLIQ_OP(Reshape)
CLIQ_OP(Flatten)
CLIQ_OP(Squeeze)
CLIQ_OP(Unsqueeze)
CLIQ_OP(Shape)
CLIQ_OP(Size)
CLIQ_OP(ConstantOfShape)
CLIQ_OP(Gather)
CLIQ_OP(Cast)
CLIQ_OP(CastLike)
CLIQ_OP(Expand)
CLIQ_OP(Tile)
CLIQ_OP(Concat)
CLIQ_OP(Split)
CLIQ_OP(Slice)
CLIQ_OP(Transpose)
CLIQ_OP(Pad)
CLIQ_OP(Resize)

/* convolution, gemm, pooling (host/ops/conv.c, gemm.c, pool.c) */

/* normalisation and others */

/* quantization (host/ops/quant.c) and internal int8 ops */
CLIQ_OP(QuantizeLinear)
CLIQ_OP(DequantizeLinear)
CLIQ_OP(DynamicQuantizeLinear)
CLIQ_OP(ConvInteger)
CLIQ_OP(QLinearConv)
CLIQ_OP(MatMulInteger)
CLIQ_OP(QLinearMatMul)
CLIQ_OP(QAdd)
CLIQ_OP(QMul)
CLIQ_OP(QConcat)
CLIQ_OP(QAvgPool)
CLIQ_OP(QGlobalAvgPool)
CLIQ_OP(QLut)
/* int8 convolution and fully connected (host/ops/qconv.c, qgemm.c, shared parts in q8_layer.c) */
CLIQ_OP(QConv)
CLIQ_OP(QGemm)
