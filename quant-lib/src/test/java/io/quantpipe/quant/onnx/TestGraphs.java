package io.quantpipe.quant.onnx;

import io.quantpipe.quant.onnx.proto.OnnxIr.AttributeProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.GraphProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.ModelProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.NodeProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.OperatorSetIdProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.TensorProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.TensorShapeProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.TypeProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.ValueInfoProto;
import io.quantpipe.quant.runtime.FloatTensor;
import io.quantpipe.quant.runtime.IntermediateOutputs;
import io.quantpipe.quant.runtime.RunOutputs;
import io.quantpipe.quant.tensor.QuantParams;
import io.quantpipe.quant.tensor.QuantSpec;
import io.quantpipe.quant.tensor.ScaleZeroPoint;
import io.quantpipe.quant.runtime.ModelRunner;
import io.quantpipe.quant.runtime.RunnerOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Small models built in the tests, with seeded random weights, and helpers to run and compare them. */
final class TestGraphs {
    private TestGraphs() {
    }

    /** Builds one graph; initializers are He-initialised so activations keep a sensible range. */
    static final class Builder {
        private final GraphProto.Builder g;
        private final Random random;

        Builder(String name, long seed) {
            this.g = GraphProto.newBuilder().setName(name);
            this.random = new Random(seed);
        }

        Builder input(String name, long... dims) {
            g.addInput(floatValue(name, dims));
            return this;
        }

        Builder output(String name) {
            g.addOutput(floatValue(name));
            return this;
        }

        String tensor(TensorProto t) {
            g.addInitializer(t);
            return t.getName();
        }

        String init(String name, float[] values, long... dims) {
            g.addInitializer(Tensors.ofFloats(name, values, dims));
            return name;
        }

        /** Normal values with standard deviation {@code std}. */
        String random(String name, double std, long... dims) {
            long n = 1;
            for (long d : dims) {
                n *= d;
            }
            float[] v = new float[(int) n];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (random.nextGaussian() * std);
            }
            return init(name, v, dims);
        }

        /** Uniform values in {@code [lo, hi)}. */
        String uniform(String name, double lo, double hi, long... dims) {
            long n = 1;
            for (long d : dims) {
                n *= d;
            }
            float[] v = new float[(int) n];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (lo + (hi - lo) * random.nextDouble());
            }
            return init(name, v, dims);
        }

        Builder node(String op, String name, List<String> inputs, List<String> outputs, AttributeProto... attributes) {
            g.addNode(NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addAllOutput(outputs)
                    .addAllAttribute(List.of(attributes)));
            return this;
        }

        /** A k x k Conv with He-initialised weights, "same" padding, and a bias when asked. */
        Builder conv(String name, String in, String out, int cin, int cout, int k, boolean bias) {
            List<String> inputs = new ArrayList<>(List.of(in, random(name + ".weight", Math.sqrt(2.0 / (cin * k * k)), cout, cin, k, k)));
            if (bias) {
                inputs.add(random(name + ".bias", 0.1, cout));
            }
            int pad = k / 2;
            return node("Conv", name, inputs, List.of(out), ints("kernel_shape", k, k), ints("pads", pad, pad, pad, pad));
        }

        /** BatchNormalization with random gamma, beta, mean and a positive variance. */
        Builder batchNorm(String name, String in, String out, int channels) {
            List<String> inputs = List.of(in,
                    uniform(name + ".weight", 0.5, 1.5, channels),
                    random(name + ".bias", 0.2, channels),
                    random(name + ".running_mean", 0.2, channels),
                    uniform(name + ".running_var", 0.5, 2.0, channels));
            return node("BatchNormalization", name, inputs, List.of(out), Attributes.ofFloat("epsilon", 1e-5f));
        }

        /** Gemm y = x W^T + b with W[out, in] (transB = 1), as PyTorch's Linear exports. */
        Builder linear(String name, String in, String out, int inFeatures, int outFeatures) {
            return node("Gemm", name, List.of(in, random(name + ".weight", Math.sqrt(1.0 / inFeatures), outFeatures, inFeatures),
                    random(name + ".bias", 0.1, outFeatures)), List.of(out), Attributes.ofInt("transB", 1));
        }

        Builder unary(String op, String name, String in, String out) {
            return node(op, name, List.of(in), List.of(out));
        }

        ModelProto model() {
            return ModelProto.newBuilder().setIrVersion(8).setProducerName("quantpipe-tests")
                    .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
                    .setGraph(g).build();
        }
    }

    static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(7);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    /** A float tensor value; no dims means unknown shape. */
    static ValueInfoProto floatValue(String name, long... dims) {
        TypeProto.Tensor.Builder t = TypeProto.Tensor.newBuilder().setElemType(Tensors.FLOAT);
        if (dims.length > 0) {
            TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
            for (long d : dims) {
                shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
            }
            t.setShape(shape);
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(t)).build();
    }

    /**
     * A small residual CNN in the shape of the Fashion-MNIST fixture, on X[N, 3, 8, 8]:
     * conv1+bn1+relu1 -> conv2+bn2+relu2 -> conv3 (no bias), add(relu1, conv3) -> relu3 -> maxpool ->
     * conv4 -> sigmoid (unsupported) ; mul(maxpool, sigmoid) -> gap -> flatten -> fc (Gemm) -> "logits".
     */
    static ModelProto residualCnn(long seed) {
        int c = 8;
        return new Builder("residual_cnn", seed)
                .input("X", 4, 3, 8, 8)
                .conv("conv1", "X", "c1", 3, c, 3, true).batchNorm("bn1", "c1", "b1", c).unary("Relu", "relu1", "b1", "r1")
                .conv("conv2", "r1", "c2", c, c, 3, true).batchNorm("bn2", "c2", "b2", c).unary("Relu", "relu2", "b2", "r2")
                .conv("conv3", "r2", "c3", c, c, 3, false)
                .node("Add", "add", List.of("r1", "c3"), List.of("s"))
                .unary("Relu", "relu3", "s", "a")
                .node("MaxPool", "pool", List.of("a"), List.of("m"), ints("kernel_shape", 2, 2), ints("strides", 2, 2))
                .conv("conv4", "m", "c4", c, c, 1, true)
                .unary("Sigmoid", "gate", "c4", "g")
                .node("Mul", "mul", List.of("m", "g"), List.of("h"))
                .unary("GlobalAveragePool", "gap", "h", "p")
                .node("Flatten", "flatten", List.of("p"), List.of("f"), Attributes.ofInt("axis", 1))
                .linear("fc", "f", "logits", c, 10)
                .output("logits")
                .model();
    }

    /** Uniform random values in [-1, 1). */
    static float[] randomInput(Random random, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = random.nextFloat() * 2f - 1f;
        }
        return x;
    }

    /** Runs a single-input model once with a fresh session and returns the named output. */
    static float[] run(ModelProto model, String input, float[] x, long[] shape, String output) {
        try (ModelRunner runner = ModelRunner.create(model, RunnerOptions.defaults())) {
            return runner.run(Map.of(input, FloatTensor.of(x, shape)), List.of(output)).values(output);
        }
    }

    /**
     * Calibration reduced to its simplest form: runs the FP32 model with the observed tensors exposed
     * on random batches and turns the exact min / max of each into per-tensor parameters.
     */
    static Map<String, QuantParams> minMaxParams(QuantizationPlan plan, QuantSpec spec, String input, long[] shape,
                                                 long seed, int batches) {
        List<String> observed = plan.observedTensors();
        ModelProto exposed = IntermediateOutputs.expose(plan.model(), observed);
        Map<String, float[]> ranges = new HashMap<>();
        Random random = new Random(seed);
        int n = elements(shape);
        try (ModelRunner runner = ModelRunner.create(exposed, RunnerOptions.defaults())) {
            for (int b = 0; b < batches; b++) {
                RunOutputs out = runner.run(Map.of(input, FloatTensor.of(randomInput(random, n), shape)), observed);
                for (String t : observed) {
                    float[] r = ranges.computeIfAbsent(t, k -> new float[] {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY});
                    for (float v : out.values(t)) {
                        r[0] = Math.min(r[0], v);
                        r[1] = Math.max(r[1], v);
                    }
                }
            }
        }
        Map<String, QuantParams> params = new HashMap<>();
        ranges.forEach((t, r) -> params.put(t, ScaleZeroPoint.fromRange(r[0], r[1], spec)));
        return params;
    }

    static int elements(long[] shape) {
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        return n;
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    /** max |a - b| / max |a|. */
    static double relativeMaxError(float[] reference, float[] b) {
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < reference.length; i++) {
            diff = Math.max(diff, Math.abs((double) reference[i] - b[i]));
            scale = Math.max(scale, Math.abs(reference[i]));
        }
        return diff / scale;
    }
}
