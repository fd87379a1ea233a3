package io.quantpipe.quant.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quantpipe.quant.onnx.proto.OnnxIr.ModelProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.NodeProto;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BatchNormFolderTest {
    private static final long[] IMAGE = {2, 3, 8, 8};

    @Test
    void foldsConvBatchNormWithoutChangingOutputs() {
        ModelProto model = new TestGraphs.Builder("conv_bn", 1)
                .input("X", IMAGE)
                .conv("conv", "X", "c", 3, 6, 3, true).batchNorm("bn", "c", "y", 6)
                .output("y").model();

        BatchNormFolder.Result folded = BatchNormFolder.fold(model);

        assertEquals(List.of("bn"), folded.folded());
        assertEquals(List.of("Conv"), opTypes(folded.model()));
        NodeProto conv = folded.model().getGraph().getNode(0);
        assertEquals("y", conv.getOutput(0));
        assertEquals(List.of("conv.weight", "conv.bias"),
                folded.model().getGraph().getInitializerList().stream().map(t -> t.getName()).toList());
        assertSameOutputs(model, folded.model(), "X", IMAGE, "y");
    }

    @Test
    void createsTheBiasOfAConvWithoutOne() {
        ModelProto model = new TestGraphs.Builder("conv_bn_nobias", 2)
                .input("X", IMAGE)
                .conv("conv", "X", "c", 3, 4, 3, false).batchNorm("bn", "c", "b", 4).unary("Relu", "relu", "b", "y")
                .output("y").model();

        ModelProto folded = BatchNormFolder.fold(model).model();

        NodeProto conv = folded.getGraph().getNode(0);
        assertEquals(3, conv.getInputCount());
        assertTrue(GraphIndex.of(folded).initializer(conv.getInput(2)).isPresent());
        assertEquals(List.of("Conv", "Relu"), opTypes(folded));
        assertSameOutputs(model, folded, "X", IMAGE, "y");
    }

    @Test
    void foldedWeightsFollowTheInferenceFormula() {
        ModelProto model = new TestGraphs.Builder("conv_bn_formula", 3)
                .input("X", IMAGE)
                .conv("conv", "X", "c", 3, 2, 1, true).batchNorm("bn", "c", "y", 2)
                .output("y").model();
        GraphIndex before = GraphIndex.of(model);
        float[] w = floats(before, "conv.weight");
        float[] b = floats(before, "conv.bias");
        float[] gamma = floats(before, "bn.weight");
        float[] beta = floats(before, "bn.bias");
        float[] mean = floats(before, "bn.running_mean");
        float[] var = floats(before, "bn.running_var");

        GraphIndex after = GraphIndex.of(BatchNormFolder.fold(model).model());

        float[] w2 = floats(after, "conv.weight");
        float[] b2 = floats(after, "conv.bias");
        for (int c = 0; c < 2; c++) {
            double s = gamma[c] / Math.sqrt(var[c] + (double) 1e-5f);
            for (int k = 0; k < 3; k++) {
                assertEquals((float) (w[c * 3 + k] * s), w2[c * 3 + k]);
            }
            assertEquals((float) (((double) b[c] - mean[c]) * s + beta[c]), b2[c]);
        }
    }

    @Test
    void foldsGemmBatchNormForBothWeightLayouts() {
        for (int transB = 0; transB <= 1; transB++) {
            TestGraphs.Builder g = new TestGraphs.Builder("gemm_bn", 4 + transB).input("X", 3, 5);
            String w = transB == 1 ? g.random("W", 0.5, 4, 5) : g.random("W", 0.5, 5, 4);
            String c = g.random("C", 0.5, 4);
            ModelProto model = g.node("Gemm", "gemm", List.of("X", w, c), List.of("z"), Attributes.ofInt("transB", transB),
                            Attributes.ofFloat("alpha", 0.75f), Attributes.ofFloat("beta", 1.5f))
                    .batchNorm("bn", "z", "y", 4).output("y").model();

            ModelProto folded = BatchNormFolder.fold(model).model();

            assertEquals(List.of("Gemm"), opTypes(folded));
            assertSameOutputs(model, folded, "X", new long[] {3, 5}, "y");
        }
    }

    @Test
    void leavesABatchNormWhoseConvOutputHasOtherReaders() {
        ModelProto model = new TestGraphs.Builder("conv_bn_shared", 5)
                .input("X", IMAGE)
                .conv("conv", "X", "c", 3, 3, 3, true).batchNorm("bn", "c", "b", 3)
                .node("Add", "add", List.of("b", "c"), List.of("y"))
                .output("y").model();

        BatchNormFolder.Result folded = BatchNormFolder.fold(model);

        assertEquals(List.of(), folded.folded());
        assertSame(model, folded.model());
    }

    @Test
    void copiesAWeightSharedWithAnotherNode() {
        TestGraphs.Builder g = new TestGraphs.Builder("shared_weight", 6).input("X", IMAGE);
        String w = g.random("W", 0.3, 3, 3, 3, 3);
        ModelProto model = g.node("Conv", "conv_a", List.of("X", w), List.of("a"), TestGraphs.ints("pads", 1, 1, 1, 1))
                .batchNorm("bn", "a", "b", 3)
                .node("Conv", "conv_b", List.of("b", w), List.of("y"), TestGraphs.ints("pads", 1, 1, 1, 1))
                .output("y").model();

        ModelProto folded = BatchNormFolder.fold(model).model();

        assertEquals("W", folded.getGraph().getNode(1).getInput(1));
        assertTrue(!folded.getGraph().getNode(0).getInput(1).equals("W"));
        assertSameOutputs(model, folded, "X", IMAGE, "y");
    }

    private static void assertSameOutputs(ModelProto a, ModelProto b, String input, long[] shape, String output) {
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        float[] x = TestGraphs.randomInput(new Random(42), n);
        float[] ya = TestGraphs.run(a, input, x, shape, output);
        float[] yb = TestGraphs.run(b, input, x, shape, output);
        double error = TestGraphs.relativeMaxError(ya, yb);
        assertTrue(error < 1e-5, "relative error " + error);
    }

    private static float[] floats(GraphIndex index, String name) {
        return Tensors.toFloats(index.initializer(name).orElseThrow());
    }

    static List<String> opTypes(ModelProto model) {
        return model.getGraph().getNodeList().stream().map(NodeProto::getOpType).toList();
    }
}
