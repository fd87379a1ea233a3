package io.quantpipe.quant.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quantpipe.quant.onnx.proto.OnnxIr.ModelProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.NodeProto;
import io.quantpipe.quant.runtime.GraphOptimization;
import io.quantpipe.quant.runtime.ModelRunner;
import io.quantpipe.quant.runtime.RunnerOptions;
import io.quantpipe.quant.tensor.DynamicQuantizeLinear;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DynamicQuantizerTest {
    private static final int BATCH = 8;
    private static final int IN = 16;
    private static final int HIDDEN = 32;
    private static final int OUT = 10;
    private static final long[] SHAPE = {BATCH, IN};

    @TempDir
    Path dir;

    /** X[8, 16] -> Gemm(W1[32, 16], transB = 1, b1) -> Relu -> MatMul(W2[32, 10]) -> Add(b2) -> Y. */
    private static ModelProto mlp() {
        TestGraphs.Builder g = new TestGraphs.Builder("mlp", 21).input("X", SHAPE);
        g.linear("fc1", "X", "h", IN, HIDDEN);
        String w2 = g.random("fc2.weight", Math.sqrt(1.0 / HIDDEN), HIDDEN, OUT);
        String b2 = g.random("fc2.bias", 0.1, OUT);
        return g.unary("Relu", "relu", "h", "r")
                .node("MatMul", "fc2", List.of("r", w2), List.of("y"))
                .node("Add", "fc2_bias", List.of("y", b2), List.of("Y"))
                .output("Y").model();
    }

    @Test
    void quantizedMlpStaysWithinAFewPercentOfFp32() {
        ModelProto fp32 = mlp();

        ModelProto int8 = new DynamicQuantizer(DynamicQuantizer.Options.defaults()).quantize(fp32);

        float[] x = TestGraphs.randomInput(new Random(5), BATCH * IN);
        float[] expected = TestGraphs.run(fp32, "X", x, SHAPE, "Y");
        float[] actual = TestGraphs.run(int8, "X", x, SHAPE, "Y");
        double error = TestGraphs.relativeMaxError(expected, actual);
        assertTrue(error < 0.03, "relative max error " + error);
        assertTrue(TestGraphs.cosine(expected, actual) > 0.999);
    }

    @Test
    void ortComputesWhatIntegerArithmeticGives() {
        ModelProto fp32 = mlp();
        GraphIndex index = GraphIndex.of(fp32);
        float[] w1 = Tensors.toFloats(index.initializer("fc1.weight").orElseThrow());
        float[] b1 = Tensors.toFloats(index.initializer("fc1.bias").orElseThrow());
        float[] w2 = Tensors.toFloats(index.initializer("fc2.weight").orElseThrow());
        float[] b2 = Tensors.toFloats(index.initializer("fc2.bias").orElseThrow());

        ModelProto int8 = new DynamicQuantizer(DynamicQuantizer.Options.defaults()).quantize(fp32);

        float[] x = TestGraphs.randomInput(new Random(6), BATCH * IN);
        float[] h = linear(x, BATCH, IN, transpose(w1, HIDDEN, IN), HIDDEN, b1);
        for (int i = 0; i < h.length; i++) {
            h[i] = Math.max(h[i], 0f);
        }
        float[] expected = linear(h, BATCH, HIDDEN, w2, OUT, b2);
        float[] actual = TestGraphs.run(int8, "X", x, SHAPE, "Y");
        double error = TestGraphs.relativeMaxError(expected, actual);
        assertTrue(error < 1e-5, "relative max error against the integer reference " + error);
    }

    @Test
    void graphUsesIntegerMatMulsThatOrtFuses() {
        ModelProto int8 = new DynamicQuantizer(DynamicQuantizer.Options.defaults()).quantize(mlp());

        Map<String, Long> ops = count(int8);
        assertEquals(2L, ops.get("DynamicQuantizeLinear"));
        assertEquals(2L, ops.get("MatMulInteger"));
        assertTrue(!ops.containsKey("Gemm") && !ops.containsKey("MatMul"), ops.toString());
        assertTrue(int8.getGraph().getInitializerList().stream().noneMatch(t -> t.getName().equals("fc1.weight")));

        Path optimized = dir.resolve("optimized.onnx");
        try (ModelRunner runner = ModelRunner.create(int8, RunnerOptions.defaults()
                .withOptimization(GraphOptimization.ALL).withOptimizedModelPath(optimized))) {
            assertEquals(List.of("Y"), runner.outputNames());
        }
        Map<String, Long> fused = count(ModelFile.read(optimized));
        long integerKernels = fused.getOrDefault("DynamicQuantizeMatMul", 0L) + fused.getOrDefault("MatMulIntegerToFloat", 0L)
                + fused.getOrDefault("MatMulInteger", 0L);
        assertEquals(2L, integerKernels, fused.toString());
    }

    @Test
    void perTensorWeightsAndKeptNodesWork() {
        ModelProto fp32 = mlp();
        DynamicQuantizer.Options options = DynamicQuantizer.Options.defaults().withPerChannel(false).withKeepFp32(Set.of("fc2"))
                .withProvenance(Map.of("quantpipe.method", "dynamic"));

        ModelProto int8 = new DynamicQuantizer(options).quantize(fp32);

        Map<String, Long> ops = count(int8);
        assertEquals(1L, ops.get("MatMulInteger"));
        assertEquals(1L, ops.get("MatMul"), "fc2 stays FP32");
        NodeProto mmi = int8.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("MatMulInteger")).findFirst().orElseThrow();
        assertEquals(List.of(), GraphIndex.of(int8).initializer(mmi.getInput(3)).orElseThrow().getDimsList());
        assertTrue(int8.getMetadataPropsList().stream().anyMatch(e -> e.getKey().equals("quantpipe.method")));
        float[] x = TestGraphs.randomInput(new Random(7), BATCH * IN);
        double error = TestGraphs.relativeMaxError(TestGraphs.run(fp32, "X", x, SHAPE, "Y"), TestGraphs.run(int8, "X", x, SHAPE, "Y"));
        assertTrue(error < 0.03, "relative max error " + error);
    }

    /**
     * y = DQL(x) times per-column int8 weights in integers, then scaled and biased in float, the
     * sequence the ONNX operators define; weights w[K, N] row-major.
     */
    private static float[] linear(float[] x, int m, int k, float[] w, int n, float[] bias) {
        DynamicQuantizeLinear xq = DynamicQuantizeLinear.apply(x);
        int[] q = xq.y();
        float[] scale = new float[n];
        int[] wq = new int[w.length];
        for (int c = 0; c < n; c++) {
            double amax = 0;
            for (int r = 0; r < k; r++) {
                amax = Math.max(amax, Math.abs(w[r * n + c]));
            }
            scale[c] = (float) (amax / 127);
            for (int r = 0; r < k; r++) {
                wq[r * n + c] = (int) Math.max(-127, Math.min(127, Math.rint(w[r * n + c] / scale[c])));
            }
        }
        float[] y = new float[m * n];
        for (int i = 0; i < m; i++) {
            for (int c = 0; c < n; c++) {
                long acc = 0;
                for (int r = 0; r < k; r++) {
                    acc += (long) (q[i * k + r] - xq.zeroPoint()) * wq[r * n + c];
                }
                y[i * n + c] = (float) acc * (xq.scale() * scale[c]) + bias[c];
            }
        }
        return y;
    }

    private static float[] transpose(float[] a, int rows, int cols) {
        float[] t = new float[a.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = a[r * cols + c];
            }
        }
        return t;
    }

    private static Map<String, Long> count(ModelProto model) {
        return model.getGraph().getNodeList().stream().collect(Collectors.groupingBy(NodeProto::getOpType, Collectors.counting()));
    }
}
