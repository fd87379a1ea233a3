package io.quantpipe.quant.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.quantpipe.quant.BadInputException;
import io.quantpipe.quant.onnx.proto.OnnxIr.AttributeProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.GraphProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.ModelProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.NodeProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.OperatorSetIdProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.StringStringEntryProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.TensorProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.ValueInfoProto;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExternalDataTest {
    @TempDir
    Path dir;
    /** The model's folder, inside {@link #dir} so that there is an outside to escape to. */
    Path folder;

    @BeforeEach
    void createModelFolder() throws IOException {
        folder = Files.createDirectory(dir.resolve("model"));
    }

    @Test
    void loadsExternalTensorsIntoRawData() throws IOException {
        // 8 bytes of something else, then w (3 floats), then b (1 float, running to the end of the file).
        byte[] data = concat(new byte[] {9, 9, 9, 9, 9, 9, 9, 9}, floats(1.5f, -2f, 3.25f), floats(7f));
        Files.write(folder.resolve("weights.bin"), data);
        ModelProto model = model(
                external("w", 1, new long[] {3}, "location", "weights.bin", "offset", "8", "length", "12", "checksum", "unverified"),
                external("b", 1, new long[] {1}, "location", "weights.bin", "offset", "20"));

        ModelProto loaded = ModelFile.read(save(model));

        TensorProto w = loaded.getGraph().getInitializer(0);
        TensorProto b = loaded.getGraph().getInitializer(1);
        assertArrayEquals(new float[] {1.5f, -2f, 3.25f}, Tensors.toFloats(w));
        assertArrayEquals(new float[] {7f}, Tensors.toFloats(b));
        assertFalse(w.hasDataLocation());
        assertEquals(0, w.getExternalDataCount());
        assertFalse(ExternalData.usedBy(loaded));
    }

    @Test
    void loadsExternalTensorsOfNodeAttributesInSubgraphs() throws IOException {
        Files.write(folder.resolve("c.bin"), floats(4f, 5f));
        TensorProto constant = external("c", 1, new long[] {2}, "location", "c.bin");
        GraphProto branch = GraphProto.newBuilder().setName("then")
                .addNode(NodeProto.newBuilder().setOpType("Constant").addOutput("c_out")
                        .addAttribute(AttributeProto.newBuilder().setName("value").setType(4).setT(constant)))
                .addOutput(ValueInfoProto.newBuilder().setName("c_out"))
                .build();
        ModelProto model = model().toBuilder().setGraph(model().getGraph().toBuilder()
                .addNode(NodeProto.newBuilder().setOpType("If").addInput("cond").addOutput("r")
                        .addAttribute(AttributeProto.newBuilder().setName("then_branch").setType(5).setG(branch))))
                .build();

        ModelProto loaded = ModelFile.read(save(model));

        TensorProto t = loaded.getGraph().getNode(0).getAttribute(0).getG().getNode(0).getAttribute(0).getT();
        assertArrayEquals(new float[] {4f, 5f}, Tensors.toFloats(t));
    }

    @Test
    void followsDotDotAndSymbolicLinksThatStayInsideTheFolder() throws IOException {
        Files.createDirectory(folder.resolve("sub"));
        Files.write(folder.resolve("sub").resolve("w.bin"), floats(2f));
        Files.createSymbolicLink(folder.resolve("alias.bin"), folder.resolve("sub").resolve("w.bin"));
        ModelProto model = model(
                external("a", 1, new long[] {1}, "location", "sub/../sub/w.bin"),
                external("b", 1, new long[] {1}, "location", "alias.bin"));

        ModelProto loaded = ModelFile.read(save(model));

        assertArrayEquals(new float[] {2f}, Tensors.toFloats(loaded.getGraph().getInitializer(0)));
        assertArrayEquals(new float[] {2f}, Tensors.toFloats(loaded.getGraph().getInitializer(1)));
    }

    @Test
    void writesLargeInitializersAsExternalDataThatReadsBack() throws IOException {
        ModelProto original = ModelFile.read(ConformanceModels.model("pytorch-converted", "test_Conv2d"));
        Path target = folder.resolve("conv.onnx");

        ModelFile.writeWithExternalData(original, target, "conv.weights", 100);

        // Weight "1" (4x3x3x2 floats = 288 bytes) moves out, bias "2" (16 bytes) stays in the model.
        ModelProto stored = ModelFile.parse(Files.readAllBytes(target), "stored");
        TensorProto weight = stored.getGraph().getInitializer(0);
        assertEquals(ExternalData.EXTERNAL, weight.getDataLocation());
        assertEquals(List.of(entry("location", "conv.weights"), entry("offset", "0"), entry("length", "288")),
                weight.getExternalDataList());
        assertFalse(weight.hasRawData());
        assertFalse(ExternalData.isExternal(stored.getGraph().getInitializer(1)));
        assertArrayEquals(original.getGraph().getInitializer(0).getRawData().toByteArray(),
                Files.readAllBytes(folder.resolve("conv.weights")));
        assertEquals(original, ModelFile.read(target));
        assertEquals(List.of(target, folder.resolve("conv.weights")), ModelFileTest.list(folder));
    }

    @Test
    void alignsLargeTensorsToTheMemoryMappingGranularity() throws IOException {
        byte[] big = new byte[3 << 19];    // 1.5 MiB
        Arrays.fill(big, (byte) 3);
        ModelProto original = model(raw("small", 2, new byte[] {1, 2, 3}), raw("big", 2, big));
        Path target = folder.resolve("m.onnx");

        ModelFile.writeWithExternalData(original, target, "m.data", 0);

        ModelProto stored = ModelFile.parse(Files.readAllBytes(target), "stored");
        assertEquals(entry("offset", "0"), stored.getGraph().getInitializer(0).getExternalData(1));
        assertEquals(entry("offset", "65536"), stored.getGraph().getInitializer(1).getExternalData(1));
        assertEquals(65536 + big.length, Files.size(folder.resolve("m.data")));
        assertTrue(original.equals(ModelFile.read(target)), "expected the model to read back equal");
    }

    @Test
    void refusesToWriteAModelWhoseDataIsStillExternal() {
        ModelProto model = model(external("w", 1, new long[] {1}, "location", "w.bin"));

        BadInputException e = assertThrows(BadInputException.class,
                () -> ModelFile.writeWithExternalData(model, folder.resolve("m.onnx"), "w.bin", 0));

        assertEquals("expected a model with its external data loaded, found tensor 'w' still stored in w.bin", e.getMessage());
        assertEquals(List.of(), ModelFileTest.list(folder));
    }

    @Test
    void rejectsAnAbsoluteLocation() {
        assertRejected("tensor 'w': expected an external_data location relative to the model's folder, found absolute '/etc/passwd'",
                external("w", 1, new long[] {1}, "location", "/etc/passwd"));
    }

    @Test
    void rejectsAWindowsAbsoluteLocation() {
        assertRejected("tensor 'w': expected an external_data location relative to the model's folder, found absolute 'C:\\w.bin'",
                external("w", 1, new long[] {1}, "location", "C:\\w.bin"));
    }

    @Test
    void rejectsDotDotEscapingTheFolder() throws IOException {
        Files.write(dir.resolve("outside.bin"), floats(1f));
        for (String location : List.of("../outside.bin", "sub/../../outside.bin", "..\\outside.bin")) {
            assertRejected("tensor 'w': expected an external_data location inside the model's folder, found '" + location
                    + "' which escapes it", external("w", 1, new long[] {1}, "location", location));
        }
    }

    @Test
    void rejectsASymbolicLinkLeadingOutOfTheFolder() throws IOException {
        Path outside = Files.write(dir.resolve("outside.bin"), floats(1f));
        Files.createSymbolicLink(folder.resolve("link.bin"), outside);

        assertRejected("tensor 'w': expected external data file 'link.bin' inside the model's folder, found a symbolic link to "
                + outside.toRealPath(), external("w", 1, new long[] {1}, "location", "link.bin"));
    }

    @Test
    void rejectsALinkedFolderLeadingOutOfTheFolder() throws IOException {
        Path elsewhere = Files.createDirectory(dir.resolve("elsewhere"));
        Files.write(elsewhere.resolve("w.bin"), floats(1f));
        Files.createSymbolicLink(folder.resolve("sub"), elsewhere);

        assertRejected("tensor 'w': expected external data file 'sub/w.bin' inside the model's folder, found a symbolic link to "
                + elsewhere.resolve("w.bin").toRealPath(), external("w", 1, new long[] {1}, "location", "sub/w.bin"));
    }

    @Test
    void rejectsAMissingDataFile() {
        assertRejected("tensor 'w': expected external data file 'w.bin' beside the model, found no such file in " + folder.toAbsolutePath(),
                external("w", 1, new long[] {1}, "location", "w.bin"));
    }

    @Test
    void rejectsAFolderAsDataFile() {
        assertRejected("tensor 'w': expected external data '.' to be a regular file, found a directory",
                external("w", 1, new long[] {1}, "location", "."));
    }

    @Test
    void rejectsAnOffsetPastTheEndOfTheFile() throws IOException {
        Files.write(folder.resolve("w.bin"), floats(1f, 2f));
        assertRejected("tensor 'w': expected an offset within 'w.bin' (8 bytes), found offset 12",
                external("w", 1, new long[] {1}, "location", "w.bin", "offset", "12"));
    }

    @Test
    void rejectsALengthPastTheEndOfTheFile() throws IOException {
        Files.write(folder.resolve("w.bin"), floats(1f, 2f));
        assertRejected("tensor 'w': expected offset + length within 'w.bin' (8 bytes), found offset 4 + length 8",
                external("w", 1, new long[] {2}, "location", "w.bin", "offset", "4", "length", "8"));
    }

    @Test
    void rejectsALengthThatDisagreesWithTheDims() throws IOException {
        Files.write(folder.resolve("w.bin"), floats(1f, 2f));
        assertRejected("tensor 'w': expected 12 bytes for dims [3] of data type 1, found external length 8",
                external("w", 1, new long[] {3}, "location", "w.bin"));
    }

    @Test
    void rejectsMalformedOffsetsAndKeys() throws IOException {
        Files.write(folder.resolve("w.bin"), floats(1f));
        assertRejected("tensor 'w': expected a non-negative integer external_data offset, found 'four'",
                external("w", 1, new long[] {1}, "location", "w.bin", "offset", "four"));
        assertRejected("tensor 'w': expected a non-negative integer external_data length, found '-4'",
                external("w", 1, new long[] {1}, "location", "w.bin", "length", "-4"));
        assertRejected("tensor 'w': expected external_data key 'location' once, found it twice",
                external("w", 1, new long[] {1}, "location", "w.bin", "location", "../w.bin"));
        assertRejected("tensor 'w': expected an external_data location, found none",
                external("w", 1, new long[] {1}, "offset", "0"));
    }

    @Test
    void rejectsATensorWithDataInsideAndOutside() throws IOException {
        Files.write(folder.resolve("w.bin"), floats(1f));
        TensorProto both = external("w", 1, new long[] {1}, "location", "w.bin").toBuilder()
                .setRawData(ByteString.copyFrom(floats(2f))).build();
        assertRejected("tensor 'w': expected external data only, found data stored in the model as well", both);
    }

    @Test
    void rejectsDataTooLargeForOneModelBeforeReadingIt() throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(folder.resolve("huge.bin").toFile(), "rw")) {
            f.setLength(3L << 30);    // sparse; reading it would need 3 GiB of heap
        }
        BadInputException e = assertThrows(BadInputException.class,
                () -> ModelFile.read(save(model(external("w", 1, new long[] {3L << 28}, "location", "huge.bin")))));

        assertTrue(e.getMessage().startsWith("expected a model that fits one protobuf message once its external data is loaded"
                + " (at most 2147483647 bytes), found 32212"), e.getMessage());
    }

    private void assertRejected(String message, TensorProto tensor) {
        Path file;
        try {
            file = save(model(tensor));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        BadInputException e = assertThrows(BadInputException.class, () -> ModelFile.read(file));
        assertEquals(message, e.getMessage());
    }

    private Path save(ModelProto model) throws IOException {
        return Files.write(folder.resolve("model.onnx"), model.toByteArray());
    }

    /** y = x + each initializer, opset 13. */
    static ModelProto model(TensorProto... initializers) {
        GraphProto.Builder g = GraphProto.newBuilder().setName("g")
                .addInput(ValueInfoProto.newBuilder().setName("x"))
                .addOutput(ValueInfoProto.newBuilder().setName("y"));
        String previous = "x";
        for (int i = 0; i < initializers.length; i++) {
            String out = i == initializers.length - 1 ? "y" : "s" + i;
            g.addInitializer(initializers[i]);
            g.addNode(NodeProto.newBuilder().setOpType("Add").addInput(previous).addInput(initializers[i].getName()).addOutput(out));
            previous = out;
        }
        return ModelProto.newBuilder().setIrVersion(8)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
                .setGraph(g).build();
    }

    /** A tensor stored externally, with external_data entries given as key, value, key, value, ... */
    static TensorProto external(String name, int dataType, long[] dims, String... entries) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(dataType).setDataLocation(ExternalData.EXTERNAL);
        for (long d : dims) {
            t.addDims(d);
        }
        for (int i = 0; i < entries.length; i += 2) {
            t.addExternalData(entry(entries[i], entries[i + 1]));
        }
        return t.build();
    }

    private static TensorProto raw(String name, int dataType, byte[] bytes) {
        return TensorProto.newBuilder().setName(name).setDataType(dataType).addDims(bytes.length)
                .setRawData(ByteString.copyFrom(bytes)).build();
    }

    private static StringStringEntryProto entry(String key, String value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }

    private static byte[] floats(float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return b.array();
    }

    private static byte[] concat(byte[]... parts) {
        return ModelFileTest.concat(parts);
    }
}
