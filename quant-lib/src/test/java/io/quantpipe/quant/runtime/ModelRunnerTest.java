package io.quantpipe.quant.runtime;

import static io.quantpipe.quant.runtime.OnnxNodeTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quantpipe.quant.BadInputException;
import io.quantpipe.quant.ConfigException;
import io.quantpipe.quant.onnx.proto.OnnxIr.ModelProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.NodeProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ModelRunnerTest {

    @ParameterizedTest
    @ValueSource(strings = {"test_conv_with_strides_padding", "test_gemm_default_matrix_bias", "test_relu", "test_add"})
    void matchesOnnxConformanceOutputs(String name) {
        OnnxNodeTest c = OnnxNodeTest.load(name);
        try (ModelRunner runner = ModelRunner.create(c.model(), RunnerOptions.defaults())) {
            RunOutputs out = runner.run(c.inputs());
            assertEquals(c.expected().keySet(), out.names());
            c.expected().forEach((n, e) -> assertClose(e, out.get(n), 1e-5));
        }
    }

    @Test
    void feedsDirectBufferAndMatchesConformanceOutput() {
        OnnxNodeTest c = OnnxNodeTest.load("test_conv_with_strides_padding");
        FloatTensor x = c.inputs().get("x");
        FloatBuffer direct = ByteBuffer.allocateDirect(x.size() * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        direct.put(x.values()).flip();
        try (ModelRunner runner = ModelRunner.create(c.model(), RunnerOptions.defaults())) {
            // W is a graph input in this conformance case, not an initializer.
            RunOutputs out = runner.run(Map.of("x", FloatTensor.of(direct, x.shape()), "W", c.inputs().get("W")));
            assertClose(c.expected().get("y"), out.get("y"), 1e-5);
        }
    }

    @Test
    void feedsSingleDirectBufferWithoutCopy() {
        OnnxNodeTest c = OnnxNodeTest.load("test_relu");
        FloatTensor x = c.inputs().get("x");
        FloatBuffer direct = ByteBuffer.allocateDirect(x.size() * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        direct.put(x.values()).flip();
        try (ModelRunner runner = ModelRunner.create(c.model(), RunnerOptions.defaults())) {
            assertClose(c.expected().get("y"), runner.run("x", direct, x.shape()).get("y"), 1e-5);
        }
    }

    @Test
    void describesInputsAndOutputsWithDynamicDimsAsMinusOne() {
        try (ModelRunner runner = ModelRunner.create(TinyModels.matMulRelu(), RunnerOptions.defaults())) {
            assertEquals(List.of(new TensorMeta("X", 1, new long[] {-1, 3})), runner.inputs());
            assertEquals(List.of(new TensorMeta("y", 1, new long[] {-1, 4})), runner.outputs());
            assertEquals(List.of("X"), runner.inputNames());
        }
        OnnxNodeTest gemm = OnnxNodeTest.load("test_gemm_default_matrix_bias");
        try (ModelRunner runner = ModelRunner.create(gemm.model(), RunnerOptions.defaults())) {
            assertEquals(List.of("a", "b", "c"), runner.inputNames());
            assertArrayEquals(new long[] {3, 6}, runner.inputs().get(0).shape());
        }
    }

    @Test
    void runsDynamicBatchAgainstJavaMatMul() {
        float[] x = {1, 2, 3, -1, 0.5f, -2, 0, 0, 1};
        try (ModelRunner runner = ModelRunner.create(TinyModels.matMulRelu(), RunnerOptions.defaults())) {
            RunOutputs out = runner.run("X", x, new long[] {3, 3});
            float[] mm = TinyModels.matMulW(x, 3);
            float[] y = out.values("y");
            assertArrayEquals(new long[] {3, 4}, out.shape("y"));
            for (int i = 0; i < mm.length; i++) {
                assertEquals(Math.max(0f, mm[i]), y[i], 1e-6f, "element " + i);
            }
        }
    }

    @Test
    void closedRunnerRefusesToRun() {
        ModelRunner runner = ModelRunner.create(TinyModels.matMulRelu(), RunnerOptions.defaults());
        runner.close();
        runner.close();
        assertTrue(runner.isClosed());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> runner.run("X", new float[3], new long[] {1, 3}));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    void rejectsBytesThatAreNotOnnx() {
        byte[] junk = "this is not a model".getBytes(StandardCharsets.US_ASCII);
        BadInputException e = assertThrows(BadInputException.class,
                () -> ModelRunner.create(junk, RunnerOptions.defaults()));
        assertTrue(e.getMessage().startsWith("model: expected an ONNX model that ONNX Runtime"), e.getMessage());
        assertNotNull(e.getCause());
        assertFalse(e.getMessage().contains("\n"), "one line");
        assertThrows(BadInputException.class, () -> ModelRunner.create(new byte[0], RunnerOptions.defaults()));
    }

    @Test
    void rejectsElementCountThatDisagreesWithShape() {
        try (ModelRunner runner = ModelRunner.create(TinyModels.matMulRelu(), RunnerOptions.defaults())) {
            BadInputException e = assertThrows(BadInputException.class,
                    () -> runner.run("X", new float[5], new long[] {2, 3}));
            assertEquals("input 'X': shape [2, 3] needs 6 elements, found 5", e.getMessage());
        }
    }

    @Test
    void rejectsShapeThatContradictsTheModel() {
        try (ModelRunner runner = ModelRunner.create(TinyModels.matMulRelu(), RunnerOptions.defaults())) {
            BadInputException e = assertThrows(BadInputException.class,
                    () -> runner.run("X", new float[8], new long[] {2, 4}));
            assertEquals("input 'X': expected shape [-1, 3] (-1 = any), found [2, 4]", e.getMessage());
            ConfigException wrongName = assertThrows(ConfigException.class,
                    () -> runner.run("input", new float[3], new long[] {1, 3}));
            assertEquals("model inputs: expected [X], found [input]", wrongName.getMessage());
        }
    }

    @Test
    void returnsOnlyRequestedOutputs() {
        OnnxNodeTest c = OnnxNodeTest.load("test_relu");
        try (ModelRunner runner = ModelRunner.create(c.model(), RunnerOptions.defaults())) {
            assertEquals(List.of("y"), List.copyOf(runner.run(c.inputs(), List.of("y")).names()));
            assertThrows(ConfigException.class, () -> runner.run(c.inputs(), List.of("z")));
        }
    }

    @Test
    void runsConcurrentlyOnOneSession() throws Exception {
        OnnxNodeTest c = OnnxNodeTest.load("test_conv_with_strides_padding");
        try (ModelRunner runner = ModelRunner.create(c.model(), RunnerOptions.defaults())) {
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<RunOutputs>> runs = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    runs.add(pool.submit(() -> runner.run(c.inputs())));
                }
                for (Future<RunOutputs> f : runs) {
                    assertClose(c.expected().get("y"), f.get().get("y"), 1e-5);
                }
            } finally {
                pool.shutdown();
            }
        }
    }

    @Test
    void cudaWithoutGpuBuildFailsAsConfigError() {
        RunnerOptions cuda = RunnerOptions.defaults().withProvider(ExecutionProvider.parse("cuda"));
        ConfigException e = assertThrows(ConfigException.class, () -> ModelRunner.create(TinyModels.matMulRelu(), cuda));
        assertTrue(e.getMessage().startsWith("execution provider 'cuda': expected"), e.getMessage());
        assertThrows(ConfigException.class, () -> ExecutionProvider.parse("tpu"));
        assertEquals(GraphOptimization.EXTENDED, GraphOptimization.parse(" Extended "));
    }

    @Test
    void savesTheGraphOrtOptimized(@TempDir Path dir) throws Exception {
        Path saved = dir.resolve("optimized.onnx");
        RunnerOptions opts = RunnerOptions.defaults().withOptimization(GraphOptimization.BASIC).withOptimizedModelPath(saved);
        float[] x = {1, 2, 3, -1, 0.5f, -2};
        try (ModelRunner runner = ModelRunner.create(TinyModels.matMulAdd(), opts)) {
            float[] y = runner.run("X", x, new long[] {2, 3}).values("y");
            float[] mm = TinyModels.matMulW(x, 2);
            for (int i = 0; i < y.length; i++) {
                assertEquals(mm[i] + TinyModels.B[i % 4], y[i], 1e-6f, "element " + i);
            }
        }
        ModelProto optimized = ModelProto.parseFrom(Files.readAllBytes(saved));
        List<String> ops = optimized.getGraph().getNodeList().stream().map(NodeProto::getOpType).toList();
        assertEquals(List.of("Gemm"), ops);
    }

    @Test
    void acceptsMultipleInputsByName() {
        OnnxNodeTest c = OnnxNodeTest.load("test_add");
        try (ModelRunner runner = ModelRunner.create(c.model(), RunnerOptions.defaults())) {
            RunOutputs out = runner.run(Map.of("y", c.inputs().get("y"), "x", c.inputs().get("x")));
            assertClose(c.expected().get("sum"), out.get("sum"), 1e-5);
        }
    }
}
