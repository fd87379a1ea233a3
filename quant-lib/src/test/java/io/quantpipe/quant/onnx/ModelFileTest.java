package io.quantpipe.quant.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.UnknownFieldSet;
import io.quantpipe.quant.BadInputException;
import io.quantpipe.quant.onnx.proto.OnnxIr.GraphProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.ModelProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.NodeProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.OperatorSetIdProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.StringStringEntryProto;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFileTest {
    @TempDir
    Path dir;

    @Test
    void roundTripsEveryNodeConformanceModelByteForByte() throws IOException {
        List<Path> models = ConformanceModels.all("node");
        assertTrue(models.size() >= 900, "expected about 1,000 node conformance models, found " + models.size());
        assertRoundTrips(models);
    }

    @Test
    void roundTripsEveryOtherConformanceModelByteForByte() throws IOException {
        List<Path> models = new ArrayList<>();
        for (String suite : ConformanceModels.suites()) {
            if (!suite.equals("node")) {
                models.addAll(ConformanceModels.all(suite));
            }
        }
        assertTrue(models.size() >= 100, "expected the pytorch-converted, pytorch-operator and simple models, found " + models.size());
        assertRoundTrips(models);
    }

    @Test
    void roundTripsTheFixtureModelsByteForByte() throws IOException {
        assertRoundTrips(List.of(io.quantpipe.quant.Fixtures.model(), io.quantpipe.quant.Fixtures.modelWithBatchNorm()));
    }

    /**
     * ONNX's writers emit fields in field-number order, as protobuf-java does, so every conformance
     * model comes back byte for byte (checked here for all of them); see
     * {@link #writesUnknownFieldsAfterKnownOnes} for when that cannot hold.
     */
    private static void assertRoundTrips(List<Path> models) throws IOException {
        for (Path p : models) {
            byte[] original = Files.readAllBytes(p);
            ModelProto model = ModelFile.read(p);
            byte[] written = model.toByteArray();
            assertEquals(model, ModelFile.parse(written, p + " (written)"), p.toString());
            assertArrayEquals(original, written, p + " is not byte-identical after a round trip");
        }
    }

    @Test
    void keepsModelFieldsOutsideTheSubsetByteForByte() throws IOException {
        byte[] original = Files.readAllBytes(ConformanceModels.model("pytorch-converted", "test_Conv2d"));
        // training_info (20), functions (25) and configuration (26) are not in quantpipe's proto.
        byte[] trainingInfo = concat(
                field(1, GraphProto.newBuilder().setName("init").build().toByteArray()),
                field(4, StringStringEntryProto.newBuilder().setKey("1").setValue("1_next").build().toByteArray()));
        byte[] function = concat(
                field(1, utf8("Square")),
                field(4, utf8("x")),
                field(5, utf8("y")),
                field(7, NodeProto.newBuilder().addInput("x").addInput("x").addOutput("y").setOpType("Mul").build().toByteArray()),
                field(9, OperatorSetIdProto.newBuilder().setDomain("").setVersion(13).build().toByteArray()),
                field(10, utf8("local")));
        byte[] configuration = concat(field(1, utf8("gpus")), varint(2, 2));
        byte[] extended = concat(original, field(20, trainingInfo), field(25, function), field(26, configuration));

        ModelProto model = ModelFile.parse(extended, "extended");

        assertArrayEquals(extended, model.toByteArray());
        assertEquals(ByteString.copyFrom(function), model.getUnknownFields().getField(25).getLengthDelimitedList().get(0));
        assertEquals(ByteString.copyFrom(trainingInfo), model.getUnknownFields().getField(20).getLengthDelimitedList().get(0));
        assertEquals(ModelFile.parse(original, "original"), model.toBuilder().setUnknownFields(UnknownFieldSet.getDefaultInstance()).build());
    }

    @Test
    void keepsGraphFieldsOutsideTheSubsetByteForByte() throws IOException {
        byte[] original = Files.readAllBytes(ConformanceModels.model("pytorch-converted", "test_Conv2d"));
        ModelProto plain = ModelFile.parse(original, "original");
        // sparse_initializer (15): SparseTensorProto {values = 1, indices = 2, dims = 3}.
        byte[] sparse = concat(
                field(1, Tensors.ofFloats("s", new float[] {5f, 7f}, 2).toByteArray()),
                field(2, Tensors.ofLongs("s_indices", new long[] {1, 3}, 2).toByteArray()),
                varint(3, 4));
        byte[] graph = concat(plain.getGraph().toByteArray(), field(15, sparse));
        byte[] extended = replaceField(original, 7, graph);

        ModelProto model = ModelFile.parse(extended, "extended");

        assertArrayEquals(extended, model.toByteArray());
        assertEquals(ByteString.copyFrom(sparse), model.getGraph().getUnknownFields().getField(15).getLengthDelimitedList().get(0));
        assertEquals(plain.getGraph().getNodeList(), model.getGraph().getNodeList());
    }

    /**
     * protobuf-java writes unknown fields after the known ones, so an unknown field that came
     * before a known one (sparse_initializer 15 before metadata_props 16) moves: the bytes differ,
     * the message and the unknown field's own bytes do not.
     */
    @Test
    void writesUnknownFieldsAfterKnownOnes() throws IOException {
        byte[] original = Files.readAllBytes(ConformanceModels.model("pytorch-converted", "test_Conv2d"));
        ModelProto plain = ModelFile.parse(original, "original");
        byte[] sparse = concat(field(1, Tensors.ofFloats("s", new float[] {5f}, 1).toByteArray()), varint(3, 4));
        byte[] graph = concat(plain.getGraph().toByteArray(), field(15, sparse),
                field(16, StringStringEntryProto.newBuilder().setKey("k").setValue("v").build().toByteArray()));
        byte[] extended = replaceField(original, 7, graph);

        ModelProto model = ModelFile.parse(extended, "extended");
        byte[] written = model.toByteArray();

        assertFalse(Arrays.equals(extended, written));
        assertEquals(extended.length, written.length);
        assertEquals(model, ModelFile.parse(written, "written"));
        assertEquals("v", model.getGraph().getMetadataProps(0).getValue());
        assertEquals(ByteString.copyFrom(sparse), model.getGraph().getUnknownFields().getField(15).getLengthDelimitedList().get(0));
    }

    @Test
    void rejectsATruncatedModel() throws IOException {
        Path source = ConformanceModels.model("pytorch-converted", "test_Conv2d");
        byte[] bytes = Files.readAllBytes(source);
        Path half = Files.write(dir.resolve("half.onnx"), Arrays.copyOf(bytes, bytes.length / 2));

        BadInputException e = assertThrows(BadInputException.class, () -> ModelFile.read(half));

        assertOneLine(e);
        assertTrue(e.getMessage().startsWith(half + ": expected an ONNX model, found bytes that do not parse as protobuf"), e.getMessage());
    }

    @Test
    void rejectsRandomBytes() {
        Random random = new Random(20240611L);
        for (int i = 0; i < 500; i++) {
            byte[] bytes = new byte[1 + random.nextInt(4096)];
            random.nextBytes(bytes);
            BadInputException e = assertThrows(BadInputException.class, () -> ModelFile.parse(bytes, "random"), "sample " + i);
            assertTrue(e.getMessage().startsWith("random: expected an ONNX model, found"), e.getMessage());
            assertOneLine(e);
        }
    }

    @Test
    void rejectsShortRandomBytesEvenWhenTheyParseAsProtobuf() {
        Random random = new Random(7L);
        int parsedButNoModel = 0;
        for (int i = 0; i < 2000; i++) {
            byte[] bytes = new byte[1 + random.nextInt(16)];
            random.nextBytes(bytes);
            BadInputException e = assertThrows(BadInputException.class, () -> ModelFile.parse(bytes, "random"), "sample " + i);
            if (e.getMessage().startsWith("random: expected an ONNX model, found protobuf without")) {
                parsedButNoModel++;
            }
        }
        // Short random inputs often are valid protobuf (unknown fields only); only the shape check stops those.
        assertTrue(parsedButNoModel > 0, "expected some random inputs to parse as protobuf, found none");
    }

    @Test
    void rejectsBytesThatParseAsProtobufButAreNoModel() {
        // Field 3 (producer_version) as a string: valid protobuf, no graph.
        byte[] bytes = concat(varint(1, 8), field(3, utf8("1.0")));

        BadInputException e = assertThrows(BadInputException.class, () -> ModelFile.parse(bytes, "m"));

        assertEquals("m: expected an ONNX model, found protobuf without graph (not a model file)", e.getMessage());
    }

    @Test
    void rejectsAModelInTextFormat() throws IOException {
        Path text = Files.writeString(dir.resolve("model.onnx"), """
                ir_version: 8
                opset_import { domain: "" version: 13 }
                graph {
                  node { input: "x" output: "y" op_type: "Relu" }
                  name: "g"
                  input { name: "x" }
                  output { name: "y" }
                }
                """);

        BadInputException e = assertThrows(BadInputException.class, () -> ModelFile.read(text));

        assertTrue(e.getMessage().startsWith(text + ": expected an ONNX model, found"), e.getMessage());
        assertOneLine(e);
    }

    @Test
    void rejectsBytesAfterAStrayEndGroupTag() throws IOException {
        byte[] model = Files.readAllBytes(ConformanceModels.model("pytorch-converted", "test_Conv2d"));
        // 0x0C ends a group of field 1 that never started; a parser that stopped there would return the model.
        byte[] bytes = concat(model, new byte[] {0x0C, 0x42, 0x42});

        BadInputException e = assertThrows(BadInputException.class, () -> ModelFile.parse(bytes, "m"));

        assertTrue(e.getMessage().startsWith("m: expected an ONNX model, found bytes that do not parse as protobuf"), e.getMessage());
    }

    @Test
    void rejectsAnEmptyFile() throws IOException {
        Path empty = Files.createFile(dir.resolve("empty.onnx"));

        BadInputException e = assertThrows(BadInputException.class, () -> ModelFile.read(empty));

        assertEquals(empty + ": expected an ONNX model, found an empty file", e.getMessage());
    }

    @Test
    void rejectsAMissingFile() {
        Path missing = dir.resolve("missing.onnx");

        BadInputException e = assertThrows(BadInputException.class, () -> ModelFile.read(missing));

        assertEquals("expected an ONNX model file at " + missing + ", found no such file", e.getMessage());
    }

    @Test
    void rejectsADirectory() {
        BadInputException e = assertThrows(BadInputException.class, () -> ModelFile.read(dir));

        assertEquals("expected an ONNX model file, found a directory: " + dir, e.getMessage());
    }

    @Test
    void rejectsAFileBeyondTheProtobufLimitBeforeReadingIt() throws IOException {
        Path huge = dir.resolve("huge.onnx");
        try (RandomAccessFile f = new RandomAccessFile(huge.toFile(), "rw")) {
            f.setLength(3L << 30);    // sparse: no disk blocks, and nothing may be read into memory
        }

        BadInputException e = assertThrows(BadInputException.class, () -> ModelFile.read(huge));

        assertEquals(huge + ": expected at most 2147483647 bytes (the protobuf limit; larger models keep weights as"
                + " external data), found 3221225472", e.getMessage());
    }

    @Test
    void writesAModelThatReadsBackEqual() {
        ModelProto model = ModelFile.read(ConformanceModels.model("pytorch-converted", "test_Conv2d"));
        Path target = dir.resolve("copy.onnx");

        ModelFile.write(model, target);

        assertEquals(model, ModelFile.read(target));
        assertEquals(List.of(target), list(dir));
    }

    @Test
    void replacesAnExistingFile() throws IOException {
        Path target = Files.writeString(dir.resolve("m.onnx"), "old");
        ModelProto model = ModelFile.read(ConformanceModels.model("pytorch-converted", "test_Conv2d"));

        ModelFile.write(model, target);

        assertEquals(model, ModelFile.read(target));
        assertEquals(List.of(target), list(dir));
    }

    private static void assertOneLine(Exception e) {
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    static List<Path> list(Path folder) {
        try (Stream<Path> files = Files.list(folder)) {
            return files.sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The message with every occurrence of one length-delimited field replaced, other fields copied as they are. */
    static byte[] replaceField(byte[] message, int number, byte[] payload) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(message);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            int start = in.getTotalBytesRead();
            int tag = in.readTag();
            if (tag == 0) {
                return out.toByteArray();
            }
            in.skipField(tag);
            if (tag >>> 3 == number) {
                out.write(field(number, payload));
            } else {
                out.write(message, start, in.getTotalBytesRead() - start);
            }
        }
    }

    static byte[] field(int number, byte[] payload) {
        return encode(out -> out.writeByteArray(number, payload));
    }

    static byte[] varint(int number, long value) {
        return encode(out -> out.writeInt64(number, value));
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private interface Encoding {
        void write(CodedOutputStream out) throws IOException;
    }

    private static byte[] encode(Encoding e) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            e.write(out);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
    }
}
