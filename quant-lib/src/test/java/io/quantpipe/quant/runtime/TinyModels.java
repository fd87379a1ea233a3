package io.quantpipe.quant.runtime;

import io.quantpipe.quant.onnx.Tensors;
import io.quantpipe.quant.onnx.proto.OnnxIr.GraphProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.ModelProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.NodeProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.OperatorSetIdProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.TensorShapeProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.TypeProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.ValueInfoProto;

/** Small models built in the tests, with their weights, so results can be computed independently. */
final class TinyModels {
    /** W of {@link #matMulRelu}, 3 x 4, row-major; mixed signs so Relu changes something. */
    static final float[] W = {
        0.5f, -1.0f, 2.0f, 0.25f,
        -0.75f, 1.5f, -0.5f, 1.0f,
        1.25f, 0.5f, -2.0f, -0.125f};
    static final float[] B = {0.1f, -0.2f, 0.3f, -0.4f};

    private TinyModels() {
    }

    /** X[N,3] -MatMul W-> "mm" -Relu-> "y"; graph output "y" only. N is a symbolic dimension. */
    static ModelProto matMulRelu() {
        GraphProto g = GraphProto.newBuilder().setName("matmul_relu")
                .addInitializer(Tensors.ofFloats("W", W, 3, 4))
                .addNode(node("MatMul", "X", "W", "mm"))
                .addNode(NodeProto.newBuilder().setOpType("Relu").addInput("mm").addOutput("y"))
                .addInput(floatValue("X", "N", 3))
                .addOutput(floatValue("y", "N", 4))
                .build();
        return model(g);
    }

    /** X[2,3] -MatMul W-> "mm" -Add B-> "y": the pair ORT's basic optimizations fuse into one Gemm. */
    static ModelProto matMulAdd() {
        GraphProto g = GraphProto.newBuilder().setName("matmul_add")
                .addInitializer(Tensors.ofFloats("W", W, 3, 4))
                .addInitializer(Tensors.ofFloats("B", B, 4))
                .addNode(node("MatMul", "X", "W", "mm"))
                .addNode(node("Add", "mm", "B", "y"))
                .addInput(floatValue("X", 2L, 3L))
                .addOutput(floatValue("y", 2L, 4L))
                .build();
        return model(g);
    }

    /** Row-major product of x[n,3] and {@link #W}. */
    static float[] matMulW(float[] x, int n) {
        float[] out = new float[n * 4];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 4; j++) {
                double s = 0;
                for (int k = 0; k < 3; k++) {
                    s += (double) x[i * 3 + k] * W[k * 4 + j];
                }
                out[i * 4 + j] = (float) s;
            }
        }
        return out;
    }

    static NodeProto.Builder node(String op, String a, String b, String out) {
        return NodeProto.newBuilder().setOpType(op).setName(op + "_" + out).addInput(a).addInput(b).addOutput(out);
    }

    /** A float tensor value; a dim is a Long (fixed) or a String (symbolic). */
    static ValueInfoProto floatValue(String name, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            if (d instanceof String s) {
                shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(s));
            } else {
                shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(((Number) d).longValue()));
            }
        }
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1).setShape(shape)))
                .build();
    }

    private static ModelProto model(GraphProto g) {
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("quantpipe-tests")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
                .setGraph(g).build();
    }
}
