package io.quantpipe.quant.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.quantpipe.quant.onnx.Tensors;
import io.quantpipe.quant.onnx.proto.OnnxIr.ModelProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.TensorProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.ValueInfoProto;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** One ONNX backend conformance case from the libonnx-testdata package: model, inputs, expected outputs. */
record OnnxNodeTest(byte[] model, Map<String, FloatTensor> inputs, Map<String, FloatTensor> expected) {
    static final Path ROOT = Path.of("/usr/share/libonnx-testdata/data/node");

    static OnnxNodeTest load(String name) {
        try {
            Path dir = ROOT.resolve(name);
            byte[] bytes = Files.readAllBytes(dir.resolve("model.onnx"));
            ModelProto model = ModelProto.parseFrom(bytes);
            Set<String> initializers = new HashSet<>();
            model.getGraph().getInitializerList().forEach(t -> initializers.add(t.getName()));
            List<String> inputNames = model.getGraph().getInputList().stream().map(ValueInfoProto::getName)
                    .filter(n -> !initializers.contains(n)).toList();
            List<String> outputNames = model.getGraph().getOutputList().stream().map(ValueInfoProto::getName).toList();
            Path data = dir.resolve("test_data_set_0");
            return new OnnxNodeTest(bytes, read(data, "input_", inputNames), read(data, "output_", outputNames));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, FloatTensor> read(Path dir, String prefix, List<String> names) throws IOException {
        Map<String, FloatTensor> out = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            TensorProto t = TensorProto.parseFrom(Files.readAllBytes(dir.resolve(prefix + i + ".pb")));
            out.put(names.get(i), FloatTensor.of(Tensors.toFloats(t), Tensors.dims(t)));
        }
        return out;
    }

    /** Equal shapes and every element within {@code rel} of the reference (absolute 1e-6 near zero). */
    static void assertClose(FloatTensor expected, FloatTensor actual, double rel) {
        assertArrayEquals(expected.shape(), actual.shape(), "shape");
        float[] e = expected.values();
        float[] a = actual.values();
        assertEquals(e.length, a.length, "element count");
        for (int i = 0; i < e.length; i++) {
            if (Math.abs(e[i] - a[i]) > rel * Math.abs(e[i]) + 1e-6) {
                fail("element " + i + ": expected " + e[i] + ", found " + a[i]);
            }
        }
    }
}
