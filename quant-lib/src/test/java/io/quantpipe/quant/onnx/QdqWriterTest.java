package io.quantpipe.quant.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quantpipe.quant.ConfigException;
import io.quantpipe.quant.onnx.proto.OnnxIr.ModelProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.NodeProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.StringStringEntryProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.TensorProto;
import io.quantpipe.quant.runtime.GraphOptimization;
import io.quantpipe.quant.runtime.ModelRunner;
import io.quantpipe.quant.runtime.RunnerOptions;
import io.quantpipe.quant.tensor.QuantParams;
import io.quantpipe.quant.tensor.QuantType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QdqWriterTest {
    private static final long[] SHAPE = {4, 3, 8, 8};
    private static final ModelProto CNN = BatchNormFolder.fold(TestGraphs.residualCnn(11)).model();
    private static final QuantizationPlan PLAN = QuantizationPlan.of(CNN);

    @TempDir
    Path dir;

    private static Map<String, QuantParams> calibrate(QdqPreset preset) {
        return TestGraphs.minMaxParams(PLAN, preset.activationSpec(), "X", SHAPE, 100, 16);
    }

    private static ModelProto write(QdqOptions options) {
        return new QdqWriter(options).write(PLAN, calibrate(options.preset()));
    }

    @Test
    void cpuModelRunsInOrtCloseToFp32() {
        ModelProto int8 = write(QdqOptions.of(QdqPreset.CPU));

        assertOutputsClose(int8, 0.999);
    }

    @Test
    void ortFusesTheCpuModelIntoInt8Kernels() {
        ModelProto int8 = write(QdqOptions.of(QdqPreset.CPU));
        Path optimized = dir.resolve("optimized.onnx");

        RunnerOptions options = RunnerOptions.defaults().withOptimization(GraphOptimization.ALL).withOptimizedModelPath(optimized);
        try (ModelRunner runner = ModelRunner.create(int8, options)) {
            assertEquals(List.of("X"), runner.inputNames());
        }

        Map<String, Long> ops = ModelFile.read(optimized).getGraph().getNodeList().stream()
                .collect(Collectors.groupingBy(NodeProto::getOpType, Collectors.counting()));
        assertEquals(4L, ops.get("QLinearConv"), "every Conv runs as QLinearConv: " + ops);
        assertFalse(ops.containsKey("Conv"), "no float Conv is left: " + ops);
        assertTrue(ops.containsKey("QLinearAdd"), "the residual Add runs on int8: " + ops);
        assertTrue(ops.containsKey("QGemm"), "the head runs on int8 with float logits: " + ops);
    }

    @Test
    void tensorRtPresetQuantizesActivationsSymmetricallyToInt8() {
        ModelProto int8 = write(QdqOptions.of(QdqPreset.TENSORRT));

        GraphIndex index = GraphIndex.of(int8);
        List<NodeProto> quantize = nodes(int8, "QuantizeLinear");
        assertEquals(PLAN.quantizedTensors().size(), quantize.size());
        for (NodeProto q : quantize) {
            TensorProto zp = index.initializer(q.getInput(2)).orElseThrow();
            assertEquals(Tensors.INT8, zp.getDataType(), q.getName());
            assertEquals(0, Tensors.toInts(zp)[0], q.getName());
        }
        assertOutputsClose(int8, 0.999);
    }

    @Test
    void putsOnePairOnEachQuantizedTensorSharedByItsReaders() {
        ModelProto int8 = write(QdqOptions.of(QdqPreset.CPU));

        GraphIndex index = GraphIndex.of(int8);
        List<String> quantized = nodes(int8, "QuantizeLinear").stream().map(q -> quantizedTensor(index, q)).sorted().toList();
        assertEquals(PLAN.quantizedTensors().stream().sorted().toList(), quantized);
        // r1 feeds conv2 and the residual Add: both read the one DequantizeLinear, which now carries
        // the name r1; the Relu that made r1 writes an internal name read only by the QuantizeLinear.
        assertEquals("DequantizeLinear", index.producer("r1").orElseThrow().node().getOpType());
        assertEquals(List.of("Conv", "Add"), index.consumers("r1").stream().map(u -> u.node().getOpType()).toList());
        NodeProto q = quantizeOf(index, "r1");
        assertEquals("Relu", index.producer(q.getInput(0)).orElseThrow().node().getOpType());
        assertEquals(1, index.consumers(q.getInput(0)).size());
        // m (MaxPool) takes the scale and zero point of a; f (Flatten) those of p.
        assertEquals(quantizeOf(index, "a").getInput(1), quantizeOf(index, "m").getInput(1));
        assertEquals(quantizeOf(index, "p").getInput(2), quantizeOf(index, "f").getInput(2));
        // The fused Relu's input and the logits have no pair.
        assertEquals(List.of("Relu"), index.consumers("b1").stream().map(u -> u.node().getOpType()).toList());
        assertTrue(index.consumers("logits").isEmpty());
    }

    @Test
    void storesWeightsAsInt8PerOutputChannelWithSymmetricScales() {
        ModelProto int8 = write(QdqOptions.of(QdqPreset.CPU));
        GraphIndex index = GraphIndex.of(int8);
        float[] w = Tensors.toFloats(GraphIndex.of(CNN).initializer("conv2.weight").orElseThrow());

        NodeProto dq = index.producer(convNamed(int8, "conv2").getInput(1)).orElseThrow().node();
        assertEquals("DequantizeLinear", dq.getOpType());
        assertEquals(0L, Attributes.intValue(dq, "axis", -1));
        TensorProto q = index.initializer(dq.getInput(0)).orElseThrow();
        float[] scale = Tensors.toFloats(index.initializer(dq.getInput(1)).orElseThrow());
        TensorProto zp = index.initializer(dq.getInput(2)).orElseThrow();
        assertEquals(Tensors.INT8, q.getDataType());
        assertEquals(Tensors.INT8, zp.getDataType());
        assertEquals(List.of(8L), zp.getDimsList());
        int[] values = Tensors.toInts(q);
        int perChannel = w.length / 8;
        for (int c = 0; c < 8; c++) {
            double amax = 0;
            int qmax = 0;
            for (int k = c * perChannel; k < (c + 1) * perChannel; k++) {
                amax = Math.max(amax, Math.abs(w[k]));
                qmax = Math.max(qmax, Math.abs(values[k]));
                assertEquals(w[k], values[k] * scale[c], scale[c] / 2 * 1.0001, "element " + k);
            }
            assertEquals((float) (amax / 127), scale[c], "channel " + c);
            assertEquals(127, qmax, "the largest weight of a channel maps to 127");
            assertEquals(0, Tensors.toInts(zp)[c]);
        }
        assertTrue(index.initializer("conv2.weight").isEmpty(), "the FP32 weight is dropped");
    }

    @Test
    void storesBiasesAsInt32WithTheProductOfInputAndWeightScales() {
        Map<String, QuantParams> params = calibrate(QdqPreset.CPU);
        ModelProto int8 = new QdqWriter(QdqOptions.of(QdqPreset.CPU)).write(PLAN, params);
        GraphIndex index = GraphIndex.of(int8);
        float[] b = Tensors.toFloats(GraphIndex.of(CNN).initializer("conv2.bias").orElseThrow());

        NodeProto conv2 = convNamed(int8, "conv2");
        NodeProto weightDq = index.producer(conv2.getInput(1)).orElseThrow().node();
        NodeProto biasDq = index.producer(conv2.getInput(2)).orElseThrow().node();
        float[] weightScale = Tensors.toFloats(index.initializer(weightDq.getInput(1)).orElseThrow());
        float[] biasScale = Tensors.toFloats(index.initializer(biasDq.getInput(1)).orElseThrow());
        TensorProto q = index.initializer(biasDq.getInput(0)).orElseThrow();
        assertEquals(Tensors.INT32, q.getDataType());
        assertEquals(2, biasDq.getInputCount(), "an int32 bias leaves out its zero point (0 by default)");
        assertEquals(0L, Attributes.intValue(biasDq, "axis", -1));
        float inputScale = params.get("r1").scale(0);
        int[] values = Tensors.toInts(q);
        for (int c = 0; c < b.length; c++) {
            assertEquals(inputScale * weightScale[c], biasScale[c]);
            assertEquals((int) Math.rint(b[c] / biasScale[c]), values[c]);
        }
    }

    @Test
    void takesWeightRangesFromAPluggedFunction() {
        WeightRangeFunction halfRange = new WeightRangeFunction() {
            @Override
            public Range range(float[] values, long[] shape, int axis) {
                Range full = WeightRangeFunction.minMax().range(values, shape, axis);
                float[] min = full.min();
                float[] max = full.max();
                for (int c = 0; c < min.length; c++) {
                    min[c] /= 2;
                    max[c] /= 2;
                }
                return new Range(min, max);
            }

            @Override
            public String name() {
                return "half";
            }
        };
        ModelProto minMax = write(QdqOptions.of(QdqPreset.CPU));
        ModelProto half = write(QdqOptions.of(QdqPreset.CPU).withWeightRange(halfRange));

        float[] full = weightScales(minMax, "conv3");
        float[] clipped = weightScales(half, "conv3");
        for (int c = 0; c < full.length; c++) {
            assertEquals(full[c] / 2, clipped[c], Math.ulp(full[c]), "channel " + c);
        }
        assertTrue(half.getMetadataPropsList().stream()
                .anyMatch(e -> e.getKey().equals(QdqWriter.WEIGHT_RANGE_KEY) && e.getValue().equals("half")));
    }

    private static float[] weightScales(ModelProto model, String node) {
        GraphIndex index = GraphIndex.of(model);
        NodeProto dq = index.producer(convNamed(model, node).getInput(1)).orElseThrow().node();
        return Tensors.toFloats(index.initializer(dq.getInput(1)).orElseThrow());
    }

    @Test
    void keptNodeReadsFp32WeightsAndAnUnquantizedInput() {
        ModelProto int8 = write(QdqOptions.of(QdqPreset.CPU).withKeepFp32(Set.of("fc", "conv1")));
        GraphIndex index = GraphIndex.of(int8);
        GraphIndex original = GraphIndex.of(CNN);

        for (String name : List.of("fc", "conv1")) {
            NodeProto kept = int8.getGraph().getNodeList().stream().filter(n -> n.getName().equals(name)).findFirst().orElseThrow();
            NodeProto before = CNN.getGraph().getNodeList().stream().filter(n -> n.getName().equals(name)).findFirst().orElseThrow();
            assertEquals(before.getInputList(), kept.getInputList(), name + " reads the tensors it read in FP32");
            for (String in : kept.getInputList()) {
                assertFalse(index.producer(in).map(u -> u.node().getOpType().equals("DequantizeLinear")).orElse(false),
                        name + " input " + in + " is not fed by a DequantizeLinear");
                index.initializer(in).ifPresent(t -> assertEquals(original.initializer(in).orElseThrow(), t));
            }
        }
        assertTrue(index.consumers("X").stream().noneMatch(u -> u.node().getOpType().equals("QuantizeLinear")),
                "the graph input feeds only the kept conv1, so it is not quantized");
        assertEquals("Flatten", index.producer("f").orElseThrow().node().getOpType());
        assertOutputsClose(int8, 0.999);
    }

    @Test
    void quantizesMatMulBiasAddsAndConstantOperands() {
        TestGraphs.Builder g = new TestGraphs.Builder("mlp", 9).input("X", 8, 16);
        String w1 = g.random("W1", 0.25, 16, 32);
        String b1 = g.random("B1", 0.1, 32);
        String gain = g.uniform("gain", 0.5, 2.0, 32);
        String w2 = g.random("W2", 0.2, 32, 10);
        ModelProto fp32 = g.node("MatMul", "mm1", List.of("X", w1), List.of("y1"))
                .node("Add", "mm1_bias", List.of("y1", b1), List.of("y1b"))
                .unary("Relu", "relu", "y1b", "r")
                .node("Mul", "scale", List.of(gain, "r"), List.of("rs"))
                .node("MatMul", "mm2", List.of("rs", w2), List.of("y"))
                .output("y").model();
        QuantizationPlan plan = QuantizationPlan.of(fp32);
        long[] shape = {8, 16};

        ModelProto int8 = new QdqWriter(QdqOptions.of(QdqPreset.CPU))
                .write(plan, TestGraphs.minMaxParams(plan, QdqPreset.CPU.activationSpec(), "X", shape, 4, 8));

        GraphIndex index = GraphIndex.of(int8);
        NodeProto biasAdd = convNamed(int8, "mm1_bias");
        assertEquals("y1", biasAdd.getInput(0), "no pair between the MatMul and its bias Add");
        TensorProto bias = index.initializer(index.producer(biasAdd.getInput(1)).orElseThrow().node().getInput(0)).orElseThrow();
        assertEquals(Tensors.INT32, bias.getDataType());
        NodeProto mul = convNamed(int8, "scale");
        TensorProto gainQ = index.initializer(index.producer(mul.getInput(0)).orElseThrow().node().getInput(0)).orElseThrow();
        assertEquals(Tensors.UINT8, gainQ.getDataType(), "a constant operand takes the activation type");
        assertEquals(Set.of(), int8.getGraph().getInitializerList().stream().map(TensorProto::getName)
                .filter(n -> Set.of("W1", "B1", "gain", "W2").contains(n)).collect(Collectors.toSet()));
        float[] x = TestGraphs.randomInput(new Random(8), 8 * 16);
        double cosine = TestGraphs.cosine(TestGraphs.run(fp32, "X", x, shape, "y"), TestGraphs.run(int8, "X", x, shape, "y"));
        assertTrue(cosine > 0.999, "cosine " + cosine);
    }

    @Test
    void mergesProvenanceIntoMetadataProps() {
        ModelProto withMetadata = CNN.toBuilder()
                .addMetadataProps(StringStringEntryProto.newBuilder().setKey("source").setValue("torch.onnx"))
                .addMetadataProps(StringStringEntryProto.newBuilder().setKey("quantpipe.method").setValue("old"))
                .build();
        Map<String, String> provenance = new LinkedHashMap<>();
        provenance.put("quantpipe.method", "minmax");
        provenance.put("quantpipe.calibration_rows", "64");
        QdqWriter writer = new QdqWriter(QdqOptions.of(QdqPreset.CPU).withProvenance(provenance));
        QuantizationPlan plan = QuantizationPlan.of(withMetadata);

        ModelProto int8 = writer.write(plan, calibrate(QdqPreset.CPU));

        Map<String, String> metadata = new LinkedHashMap<>();
        int8.getMetadataPropsList().forEach(e -> metadata.put(e.getKey(), e.getValue()));
        assertEquals(List.of("source", "quantpipe.method", "quantpipe.format", "quantpipe.preset", "quantpipe.weight_range",
                "quantpipe.calibration_rows"), List.copyOf(metadata.keySet()));
        assertEquals(List.of("torch.onnx", "minmax", "qdq", "cpu", "minmax", "64"), List.copyOf(metadata.values()));
    }

    @Test
    void int8ConvNetFileIsAtMostThirtyPercentOfFp32() throws IOException {
        int c = 64;
        TestGraphs.Builder g = new TestGraphs.Builder("wide_cnn", 5).input("X", 1, 3, 16, 16)
                .conv("conv0", "X", "c0", 3, c, 3, true).unary("Relu", "relu0", "c0", "r0");
        String previous = "r0";
        for (int i = 1; i <= 4; i++) {
            g.conv("conv" + i, previous, "c" + i, c, c, 3, true).unary("Relu", "relu" + i, "c" + i, "r" + i);
            previous = "r" + i;
        }
        ModelProto fp32 = g.unary("GlobalAveragePool", "gap", previous, "p")
                .node("Flatten", "flatten", List.of("p"), List.of("f"))
                .linear("fc", "f", "logits", c, 10).output("logits").model();
        QuantizationPlan plan = QuantizationPlan.of(fp32);
        Map<String, QuantParams> params = TestGraphs.minMaxParams(plan, QdqPreset.CPU.activationSpec(), "X",
                new long[] {1, 3, 16, 16}, 1, 2);

        ModelProto int8 = new QdqWriter(QdqOptions.of(QdqPreset.CPU)).write(plan, params);

        Path a = dir.resolve("fp32.onnx");
        Path b = dir.resolve("int8.onnx");
        ModelFile.write(fp32, a);
        ModelFile.write(int8, b);
        double ratio = (double) Files.size(b) / Files.size(a);
        assertTrue(ratio <= 0.30, "int8 / fp32 file size " + ratio);
        float[] x = TestGraphs.randomInput(new Random(3), 3 * 16 * 16);
        long[] shape = {1, 3, 16, 16};
        double cosine = TestGraphs.cosine(TestGraphs.run(fp32, "X", x, shape, "logits"), TestGraphs.run(int8, "X", x, shape, "logits"));
        assertTrue(cosine > 0.999, "cosine " + cosine);
    }

    @Test
    void rejectsMissingOrMistypedActivationParameters() {
        Map<String, QuantParams> params = new HashMap<>(calibrate(QdqPreset.CPU));
        QdqWriter cpu = new QdqWriter(QdqOptions.of(QdqPreset.CPU));
        QdqWriter tensorRt = new QdqWriter(QdqOptions.of(QdqPreset.TENSORRT));

        ConfigException wrongType = assertThrows(ConfigException.class, () -> tensorRt.write(PLAN, params));
        params.remove("c3");
        ConfigException missing = assertThrows(ConfigException.class, () -> cpu.write(PLAN, params));
        params.put("c3", QuantParams.perTensor(QuantType.INT8, 0.1f, 3));
        ConfigException notSymmetric = assertThrows(ConfigException.class,
                () -> tensorRt.write(PLAN, Map.of("X", QuantParams.perTensor(QuantType.INT8, 0.1f, 3))));

        assertEquals("activation parameters of 'X' (preset tensorrt): expected type INT8, found UINT8", wrongType.getMessage());
        assertEquals("activation parameters of 'c3' (preset cpu): expected an entry for this observed tensor, found none",
                missing.getMessage());
        assertEquals("activation parameters of 'X' (preset tensorrt): expected symmetric zero point 0, found 3",
                notSymmetric.getMessage());
    }

    /** Cosine of the logits of the FP32 and the int8 model over fresh random inputs. */
    private static void assertOutputsClose(ModelProto int8, double minCosine) {
        Random random = new Random(12345);
        for (int batch = 0; batch < 4; batch++) {
            float[] x = TestGraphs.randomInput(random, TestGraphs.elements(SHAPE));
            float[] expected = TestGraphs.run(CNN, "X", x, SHAPE, "logits");
            float[] actual = TestGraphs.run(int8, "X", x, SHAPE, "logits");
            double cosine = TestGraphs.cosine(expected, actual);
            assertTrue(cosine > minCosine, "batch " + batch + ": cosine " + cosine);
        }
    }

    private static List<NodeProto> nodes(ModelProto model, String opType) {
        return model.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals(opType)).toList();
    }

    private static NodeProto convNamed(ModelProto model, String name) {
        return model.getGraph().getNodeList().stream().filter(n -> n.getName().equals(name)).findFirst().orElseThrow();
    }

    /** The QuantizeLinear of a tensor of the FP32 model. */
    private static NodeProto quantizeOf(GraphIndex index, String tensor) {
        return index.graph().getNodeList().stream().filter(n -> n.getOpType().equals("QuantizeLinear"))
                .filter(n -> quantizedTensor(index, n).equals(tensor)).findFirst().orElseThrow();
    }

    /**
     * The FP32 tensor a QuantizeLinear quantizes: its input at the graph's boundary, else the name
     * its DequantizeLinear's output took over.
     */
    private static String quantizedTensor(GraphIndex index, NodeProto q) {
        NodeProto dq = index.consumers(q.getOutput(0)).get(0).node();
        String out = dq.getOutput(0);
        return out.equals(q.getInput(0) + "_dq") ? q.getInput(0) : out;
    }
}
