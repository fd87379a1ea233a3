package io.quantpipe.quant.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import io.quantpipe.quant.onnx.Tensors;
import io.quantpipe.quant.onnx.proto.OnnxIr.AttributeProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.ModelProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.NodeProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.TensorProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** ONNX's own node conformance vectors (Debian libonnx-testdata): outputs must match exactly. */
class OnnxConformanceTest {
    private static final Path NODE_TESTS = Path.of("/usr/share/libonnx-testdata/data/node");

    /** One test_data_set of a node test: the node (with its attributes), inputs and expected outputs. */
    private record Case(NodeProto node, List<TensorProto> inputs, List<TensorProto> outputs) {
        long axis(int rank) {
            long axis = 1; // ONNX default for QuantizeLinear / DequantizeLinear
            for (AttributeProto a : node.getAttributeList()) {
                if (a.getName().equals("axis")) {
                    axis = a.getI();
                }
            }
            return axis < 0 ? axis + rank : axis;
        }
    }

    private static List<Case> load(String name, String opType) throws IOException {
        Path dir = NODE_TESTS.resolve(name);
        if (!Files.isDirectory(dir)) {
            fail("ONNX conformance data not found at " + dir + ": run scripts/setup-test-deps (installs libonnx-testdata)");
        }
        ModelProto model = ModelProto.parseFrom(Files.readAllBytes(dir.resolve("model.onnx")));
        NodeProto node = model.getGraph().getNode(0);
        assertEquals(opType, node.getOpType(), name);
        List<Case> cases = new ArrayList<>();
        try (Stream<Path> sets = Files.list(dir)) {
            for (Path set : sets.filter(p -> p.getFileName().toString().startsWith("test_data_set_")).sorted().toList()) {
                cases.add(new Case(node, tensors(set, "input_"), tensors(set, "output_")));
            }
        }
        assertFalse(cases.isEmpty(), "no test_data_set_* in " + dir);
        return cases;
    }

    private static List<TensorProto> tensors(Path set, String prefix) throws IOException {
        List<TensorProto> out = new ArrayList<>();
        for (int i = 0; Files.exists(set.resolve(prefix + i + ".pb")); i++) {
            out.add(TensorProto.parseFrom(Files.readAllBytes(set.resolve(prefix + i + ".pb"))));
        }
        return out;
    }

    /** Parameters from a (scale, zero point) input pair; zero point absent means uint8 0. */
    private static QuantParams params(Case c, TensorProto data, TensorProto scale, TensorProto zeroPoint) {
        float[] s = Tensors.toFloats(scale);
        int[] zp = zeroPoint == null ? new int[s.length] : Tensors.toInts(zeroPoint);
        QuantType type = zeroPoint == null ? QuantType.UINT8 : typeOf(zeroPoint.getDataType());
        int axis = scale.getDimsCount() == 0 ? -1 : (int) c.axis(data.getDimsCount());
        return new QuantParams(type, s, zp, axis);
    }

    private static QuantType typeOf(int onnxDataType) {
        for (QuantType t : QuantType.values()) {
            if (t.onnxDataType() == onnxDataType) {
                return t;
            }
        }
        throw new AssertionError("unexpected zero point data type " + onnxDataType);
    }

    private static int[] bits(float[] x) {
        int[] b = new int[x.length];
        for (int i = 0; i < x.length; i++) {
            b[i] = Float.floatToRawIntBits(x[i]);
        }
        return b;
    }

    @ParameterizedTest
    @ValueSource(strings = {"test_quantizelinear", "test_quantizelinear_axis"})
    void quantizeLinearMatchesOnnxVectors(String name) throws IOException {
        for (Case c : load(name, "QuantizeLinear")) {
            TensorProto x = c.inputs().get(0);
            QuantParams p = params(c, x, c.inputs().get(1), c.inputs().size() > 2 ? c.inputs().get(2) : null);
            TensorProto expected = c.outputs().get(0);
            assertEquals(p.type().onnxDataType(), expected.getDataType(), name + " output type");
            assertArrayEquals(Tensors.toInts(expected), Quantizer.of(p).quantize(Tensors.toFloats(x), Tensors.dims(x)), name);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"test_dequantizelinear", "test_dequantizelinear_axis"})
    void dequantizeLinearMatchesOnnxVectorsBitForBit(String name) throws IOException {
        for (Case c : load(name, "DequantizeLinear")) {
            TensorProto x = c.inputs().get(0);
            QuantParams p = params(c, x, c.inputs().get(1), c.inputs().size() > 2 ? c.inputs().get(2) : null);
            float[] got = Quantizer.of(p).dequantize(Tensors.toInts(x), Tensors.dims(x));
            assertArrayEquals(bits(Tensors.toFloats(c.outputs().get(0))), bits(got), name);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"test_dynamicquantizelinear", "test_dynamicquantizelinear_max_adjusted",
            "test_dynamicquantizelinear_min_adjusted"})
    void dynamicQuantizeLinearMatchesOnnxVectorsBitForBit(String name) throws IOException {
        for (Case c : load(name, "DynamicQuantizeLinear")) {
            DynamicQuantizeLinear got = DynamicQuantizeLinear.apply(Tensors.toFloats(c.inputs().get(0)));
            assertArrayEquals(Tensors.toInts(c.outputs().get(0)), got.y(), name + " y");
            assertEquals(Float.floatToRawIntBits(Tensors.toFloats(c.outputs().get(1))[0]),
                    Float.floatToRawIntBits(got.scale()), name + " y_scale");
            assertEquals(Tensors.toInts(c.outputs().get(2))[0], got.zeroPoint(), name + " y_zero_point");
        }
    }

    /** Why x / scale must be a float32 division: in double, 0.5 / (5/255f) = 25.4999987 rounds to 25, not 26. */
    @Test
    void dynamicQuantizeLinearVectorsTellFloat32FromDoubleDivision() throws IOException {
        Case c = load("test_dynamicquantizelinear", "DynamicQuantizeLinear").get(0);
        float[] x = Tensors.toFloats(c.inputs().get(0));
        float scale = Tensors.toFloats(c.outputs().get(1))[0];
        int zp = Tensors.toInts(c.outputs().get(2))[0];
        int[] inDouble = new int[x.length];
        for (int i = 0; i < x.length; i++) {
            inDouble[i] = (int) Math.max(0, Math.min(255, Math.rint((double) x[i] / scale) + zp));
        }
        assertFalse(Arrays.equals(Tensors.toInts(c.outputs().get(0)), inDouble),
                "double division happens to match the vectors; the float32 requirement is untested");
    }
}
