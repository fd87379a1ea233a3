package io.quantpipe.quant.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quantpipe.quant.ConfigException;
import io.quantpipe.quant.onnx.QuantizationPlan.FusedActivation;
import io.quantpipe.quant.onnx.QuantizationPlan.Fp32Node;
import io.quantpipe.quant.onnx.QuantizationPlan.Passthrough;
import io.quantpipe.quant.onnx.QuantizationPlan.QuantizedNode;
import io.quantpipe.quant.onnx.QuantizationPlan.Role;
import io.quantpipe.quant.onnx.QuantizationPlan.Weight;
import io.quantpipe.quant.onnx.proto.OnnxIr.ModelProto;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class QuantizationPlanTest {
    private static final ModelProto CNN = BatchNormFolder.fold(TestGraphs.residualCnn(7)).model();

    @Test
    void observesInputsOfQuantizedNodesAndOutputsThatNodesRead() {
        QuantizationPlan plan = QuantizationPlan.of(CNN);

        // c1/b1 and c2/b2 (before the fused Relus), s (before relu3), m (MaxPool), f (Flatten) and the
        // graph output logits are absent.
        assertEquals(List.of("X", "r1", "r2", "c3", "a", "c4", "g", "h", "p"), plan.observedTensors());
        assertEquals(List.of("X", "r1", "r2", "c3", "a", "m", "c4", "g", "h", "p", "f"), plan.quantizedTensors());
    }

    @Test
    void fusesReluAfterConvAndAfterTheResidualAdd() {
        QuantizationPlan plan = QuantizationPlan.of(CNN);

        assertEquals(List.of(
                new FusedActivation("relu1", "Relu", "conv1", "b1", "r1"),
                new FusedActivation("relu2", "Relu", "conv2", "b2", "r2"),
                new FusedActivation("relu3", "Relu", "add", "s", "a")), plan.fusedActivations());
        QuantizedNode conv1 = plan.nodes().get(0);
        assertEquals("r1", conv1.output());
        assertEquals(List.of("relu1"), conv1.fusedNodes());
    }

    @Test
    void letsFlattenAndMaxPoolShareTheParametersOfTheirInput() {
        QuantizationPlan plan = QuantizationPlan.of(CNN);

        assertEquals(Map.of("m", "a", "f", "p"), plan.aliases());
        assertEquals(List.of(new Passthrough("flatten", "Flatten", "p", "f")), plan.passthroughs());
        assertEquals("p", plan.paramsSource("f"));
        assertEquals("a", plan.paramsSource("m"));
        assertEquals("c4", plan.paramsSource("c4"));
        assertThrows(ConfigException.class, () -> plan.paramsSource("logits"));
    }

    @Test
    void listsUnsupportedOpsAsFp32() {
        QuantizationPlan plan = QuantizationPlan.of(CNN);

        assertEquals(List.of(new Fp32Node("gate", "Sigmoid", "unsupported op")), plan.fp32Nodes());
        assertEquals(List.of("conv1", "conv2", "conv3", "add", "pool", "conv4", "mul", "gap", "fc"),
                plan.nodes().stream().map(QuantizedNode::name).toList());
    }

    @Test
    void quantizesWeightsPerOutputChannelAndBiasesAlongAxisZero() {
        QuantizationPlan plan = QuantizationPlan.of(CNN);

        List<Weight> conv1 = plan.nodes().get(0).weights();
        assertEquals(new Weight("conv1.weight", Role.WEIGHT, 0, "conv1", 0, 1), conv1.get(0));
        assertEquals(new Weight("conv1.bias", Role.BIAS, 0, "conv1", 0, 2), conv1.get(1));
        QuantizedNode fc = plan.nodes().get(8);
        assertEquals(List.of(Role.WEIGHT, Role.BIAS), fc.weights().stream().map(Weight::role).toList());
        assertEquals(0, fc.weights().get(0).axis(), "Gemm with transB=1 stores W[out, in]");
        assertEquals(List.of("f"), fc.activationInputs());
        assertFalse(fc.outputQuantized(), "the logits are a graph output no node reads");
    }

    @Test
    void leavesAnUnfoldedBatchNormInFp32() {
        QuantizationPlan plan = QuantizationPlan.of(TestGraphs.residualCnn(7));

        assertTrue(plan.fp32Nodes().contains(new Fp32Node("bn1", "BatchNormalization", "unsupported op")));
        assertTrue(plan.observedTensors().contains("c1"), "the Conv output feeding the FP32 BatchNormalization");
    }

    @Test
    void treatsMatMulWithBiasAddAndReluAsOneUnit() {
        TestGraphs.Builder g = new TestGraphs.Builder("mlp", 1).input("X", 2, 4);
        String w1 = g.random("W1", 0.5, 4, 6);
        String b1 = g.random("B1", 0.1, 6);
        String w2 = g.random("W2", 0.5, 6, 3);
        ModelProto model = g.node("Gemm", "fc1", List.of("X", w1), List.of("z"))
                .node("Add", "fc1_bias", List.of(b1, "z"), List.of("zb"))
                .node("MatMul", "mm", List.of("X", w1), List.of("y1"))
                .node("Add", "mm_bias", List.of("y1", b1), List.of("y1b"))
                .unary("Relu", "mm_relu", "y1b", "r")
                .node("MatMul", "mm2", List.of("r", w2), List.of("y"))
                .output("y").output("zb").model();

        QuantizationPlan plan = QuantizationPlan.of(model);

        QuantizedNode mm = plan.nodes().stream().filter(n -> n.name().equals("mm")).findFirst().orElseThrow();
        assertEquals("r", mm.output());
        assertEquals(List.of("mm_bias", "mm_relu"), mm.fusedNodes());
        assertEquals(List.of(new Weight("W1", Role.WEIGHT, 1, "mm", 2, 1), new Weight("B1", Role.BIAS, 0, "mm", 3, 1)),
                mm.weights());
        assertEquals(1, plan.nodes().get(0).weights().get(0).axis(), "Gemm without transB stores W[in, out]");
        // z, read by the Add of fc1 (a Gemm: no bias Add is fused after it), is observed too.
        assertEquals(List.of("X", "z", "r"), plan.observedTensors());
    }

    @Test
    void keepsIntegerShapeArithmeticOutOfThePlan() {
        TestGraphs.Builder g = new TestGraphs.Builder("reshape", 1).input("X", 2, 3, 4, 4);
        g.node("Constant", "minus_one", List.of(), List.of("m1"), io.quantpipe.quant.onnx.proto.OnnxIr.AttributeProto
                .newBuilder().setName("value").setType(Attributes.TENSOR)
                .setT(Tensors.ofLongs(null, new long[] {-1}, 1)).build());
        g.unary("Shape", "shape", "X", "sh");
        g.node("Gather", "batch", List.of("sh", g.tensor(Tensors.ofLongs("zero", new long[] {0}, 1))), List.of("n"));
        ModelProto model = g
                .node("Concat", "target", List.of("n", "m1"), List.of("t"), Attributes.ofInt("axis", 0))
                .node("Reshape", "reshape", List.of("X", "t"), List.of("x2"))
                .node("Concat", "cat", List.of("x2", "x2"), List.of("y"), Attributes.ofInt("axis", 1))
                .output("y").model();

        QuantizationPlan plan = QuantizationPlan.of(model);

        assertEquals(List.of("cat"), plan.nodes().stream().map(QuantizedNode::name).toList());
        assertEquals(List.of(), plan.fp32Nodes());
        assertEquals(List.of("X"), plan.observedTensors());
        assertEquals(Map.of("x2", "X"), plan.aliases());
    }

    @Test
    void keptNodesDoNotAskForTheirInputsToBeQuantized() {
        QuantizationPlan plan = QuantizationPlan.of(CNN).keepingFp32(Set.of("conv1"));

        assertFalse(plan.observedTensors().contains("X"));
        assertTrue(plan.fp32Nodes().contains(new Fp32Node("conv1", "Conv", "kept in FP32")));
        assertTrue(plan.fusedActivations().stream().noneMatch(f -> f.producer().equals("conv1")));
        // relu1 is no longer fused; r1 is still read by quantized conv2 and add.
        assertTrue(plan.observedTensors().contains("r1"));
        assertEquals(Set.of("conv1"), plan.keptFp32());
    }

    @Test
    void plansEveryConformanceModelConsistently() {
        int models = 0;
        int withQuantizedNodes = 0;
        for (String suite : List.of("node", "pytorch-converted", "pytorch-operator", "simple")) {
            for (java.nio.file.Path file : ConformanceModels.all(suite)) {
                ModelProto model = BatchNormFolder.fold(ModelFile.read(file)).model();
                QuantizationPlan plan = QuantizationPlan.of(model);
                models++;
                GraphIndex index = GraphIndex.of(model);
                for (String t : plan.quantizedTensors()) {
                    assertTrue(index.producer(t).isPresent() || index.input(t).isPresent(), file + ": " + t);
                    // An initializer that is also a graph input (IR < 4) can be fed, so it is an activation.
                    assertTrue(index.initializer(t).isEmpty() || index.input(t).isPresent(), file + ": " + t + " is a constant");
                    assertTrue(plan.observedTensors().contains(plan.paramsSource(t)), file + ": " + t);
                }
                if (!plan.nodes().isEmpty()) {
                    withQuantizedNodes++;
                }
            }
        }
        assertTrue(models > 900, "models planned: " + models);
        assertTrue(withQuantizedNodes > 100, "models with quantized nodes: " + withQuantizedNodes);
    }

    @Test
    void rejectsKeepingANodeThatDoesNotExist() {
        ConfigException e = assertThrows(ConfigException.class, () -> QuantizationPlan.of(CNN, Set.of("conv9")));

        assertEquals("node 'conv9' to keep in FP32: expected a node of graph 'residual_cnn', found none by that name",
                e.getMessage());
    }
}
