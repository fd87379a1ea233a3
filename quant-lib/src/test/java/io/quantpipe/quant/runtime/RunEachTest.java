package io.quantpipe.quant.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quantpipe.quant.Fixtures;
import io.quantpipe.quant.io.IdxArray;
import io.quantpipe.quant.onnx.proto.OnnxIr.ModelProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.NodeProto;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunEachTest {

    @Test
    void reusedOutputBuffersHoldTheSameValuesAsCopiedOutputs() throws Exception {
        ModelProto model = ModelProto.parseFrom(Files.readAllBytes(Fixtures.model()));
        // The graph input exposed as an output too: ORT passes it through instead of writing it.
        List<String> tensors = new ArrayList<>(List.of("input"));
        for (NodeProto n : model.getGraph().getNodeList()) {
            tensors.addAll(n.getOutputList());
        }
        IdxArray images = Fixtures.fashion("t10k", "images-idx3", 64);
        try (ModelRunner runner = ModelRunner.create(IntermediateOutputs.expose(model, tensors), RunnerOptions.defaults())) {
            // Same shape twice (the second run writes into pinned buffers), a smaller one, then back.
            int[][] batches = {{0, 16}, {16, 16}, {32, 5}, {40, 16}, {8, 3}};
            for (int[] b : batches) {
                long[] shape = {b[1], 1, 28, 28};
                float[] x = Fixtures.batch(images, b[0], b[1]);
                RunOutputs copied = runner.run(Map.of("input", FloatTensor.of(x, shape)), tensors);
                List<String> seen = new ArrayList<>();
                runner.runEach(Map.of("input", FloatTensor.of(x, shape)), tensors, (name, values, outShape) -> {
                    seen.add(name);
                    assertArrayEquals(copied.shape(name), outShape, name);
                    float[] expected = copied.values(name);
                    assertEquals(expected.length, values.remaining(), name);
                    float[] got = new float[values.remaining()];
                    values.get(values.position(), got);
                    assertArrayEquals(expected, got, name + " rows " + Arrays.toString(b));
                });
                assertEquals(tensors, seen);
            }
        }
    }

    @Test
    void repeatedBatchShapesAllocateLessThanOneOutputCopy() throws Exception {
        ModelProto model = ModelProto.parseFrom(Files.readAllBytes(Fixtures.model()));
        List<String> tensors = new ArrayList<>();
        for (NodeProto n : model.getGraph().getNodeList()) {
            tensors.addAll(n.getOutputList());
        }
        IdxArray images = Fixtures.fashion("t10k", "images-idx3", 64);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        try (ModelRunner runner = ModelRunner.create(IntermediateOutputs.expose(model, tensors), RunnerOptions.defaults())) {
            long[] shape = {64, 1, 28, 28};
            float[] x = Fixtures.batch(images, 0, 64);
            long[] outputBytes = {0};
            OutputConsumer sum = (name, values, outShape) -> outputBytes[0] += 4L * values.remaining();
            for (int warm = 0; warm < 3; warm++) {
                runner.runEach(Map.of("input", FloatTensor.of(x, shape)), tensors, sum);
            }
            outputBytes[0] = 0;
            long before = mx.getCurrentThreadAllocatedBytes();
            runner.runEach(Map.of("input", FloatTensor.of(x, shape)), tensors, sum);
            long allocated = mx.getCurrentThreadAllocatedBytes() - before;
            assertTrue(allocated < outputBytes[0] / 10, "allocated " + allocated + " bytes for " + outputBytes[0] + " bytes of outputs");
        }
    }
}
