package io.quantpipe.quant.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quantpipe.quant.ConfigException;
import io.quantpipe.quant.onnx.proto.OnnxIr.ModelProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.ValueInfoProto;
import java.util.List;
import org.junit.jupiter.api.Test;

class IntermediateOutputsTest {
    private static final float[] X = {1, 2, 3, -1, 0.5f, -2};

    @Test
    void exposedIntermediateMatchesJavaMatMul() {
        ModelProto tapped = IntermediateOutputs.expose(TinyModels.matMulRelu(), List.of("mm"));
        try (ModelRunner runner = ModelRunner.create(tapped, RunnerOptions.defaults())) {
            RunOutputs out = runner.run("X", X, new long[] {2, 3});
            assertEquals(List.of("y", "mm"), List.copyOf(out.names()));
            float[] expected = TinyModels.matMulW(X, 2);
            float[] mm = out.values("mm");
            float[] y = out.values("y");
            assertArrayEquals(new long[] {2, 4}, out.shape("mm"));
            boolean sawNegative = false;
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], mm[i], 1e-6f, "mm element " + i);
                assertEquals(Math.max(0f, expected[i]), y[i], 1e-6f, "y element " + i);
                sawNegative |= expected[i] < 0;
            }
            assertTrue(sawNegative, "the pre-activation must differ from the output for this test to mean anything");
        }
    }

    @Test
    void bareNameOutputIsTypedByOrt() {
        ModelProto tapped = IntermediateOutputs.expose(TinyModels.matMulRelu(), List.of("mm"));
        ValueInfoProto added = tapped.getGraph().getOutput(1);
        assertEquals("mm", added.getName());
        assertFalse(added.hasType());
        try (ModelRunner runner = ModelRunner.create(tapped, RunnerOptions.defaults())) {
            TensorMeta mm = runner.outputs().get(1);
            assertEquals("mm", mm.name());
            assertEquals(1, mm.elementType());
        }
    }

    @Test
    void addsOnlyTheRequestedTensorsOnce() {
        ModelProto model = TinyModels.matMulRelu();
        ModelProto tapped = IntermediateOutputs.expose(model, List.of("mm", "y", "mm", "X"));
        List<String> outputs = tapped.getGraph().getOutputList().stream().map(ValueInfoProto::getName).toList();
        assertEquals(List.of("y", "mm", "X"), outputs);
        assertEquals(model.getGraph().getNodeList(), tapped.getGraph().getNodeList());
        try (ModelRunner runner = ModelRunner.create(tapped, RunnerOptions.defaults())) {
            assertArrayEquals(X, runner.run("X", X, new long[] {2, 3}).values("X"));
        }
    }

    @Test
    void keepsTheTypeRecordedInValueInfo() {
        ModelProto model = TinyModels.matMulRelu();
        ValueInfoProto mmInfo = TinyModels.floatValue("mm", "N", 4L);
        model = model.toBuilder().setGraph(model.getGraph().toBuilder().addValueInfo(mmInfo)).build();
        ModelProto tapped = IntermediateOutputs.expose(model, List.of("mm"));
        assertEquals(mmInfo, tapped.getGraph().getOutput(1));
    }

    @Test
    void rejectsTensorTheGraphDoesNotHave() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> IntermediateOutputs.expose(TinyModels.matMulRelu(), List.of("conv7")));
        assertEquals("tensor 'conv7': expected the output of a node or a graph input in graph 'matmul_relu', found none",
                e.getMessage());
    }
}
