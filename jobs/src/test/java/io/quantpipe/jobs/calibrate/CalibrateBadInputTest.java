package io.quantpipe.jobs.calibrate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quantpipe.jobs.Cli;
import io.quantpipe.jobs.spark.TestSpark;
import io.quantpipe.quant.io.ScaleRow;
import io.quantpipe.quant.io.ScalesJson;
import io.quantpipe.quant.onnx.ModelFile;
import io.quantpipe.quant.onnx.proto.OnnxIr.GraphProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.ModelProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.NodeProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.OperatorSetIdProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.TensorShapeProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.TypeProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.ValueInfoProto;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static io.quantpipe.jobs.calibrate.Samples.TRAIN_2K;
import static io.quantpipe.jobs.calibrate.Samples.calibrate;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad models and bad data: exit code 3, one line on stderr naming what was expected and found, and
 * no run folder (nor a staging folder) left behind. NaN/Inf input rows are counted, or fatal.
 */
class CalibrateBadInputTest {
    private static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void spark() {
        spark = TestSpark.session();
    }

    private Path runs() {
        return dir.resolve("runs");
    }

    private Path run() {
        return runs().resolve("run");
    }

    private void assertBadInput(Cli r, String... fragments) {
        assertEquals(3, r.code(), r.toString());
        assertEquals(1, r.errLines().size(), r.toString());
        String line = r.errLines().get(0);
        assertTrue(line.startsWith("quantpipe: error: "), line);
        for (String f : fragments) {
            assertTrue(line.contains(f), "expected '" + f + "' in: " + line);
        }
        assertEquals(List.of(), Samples.list(runs()), "nothing may be left in the runs folder");
    }

    private String write(String name, StructType schema, List<Row> rows) {
        String path = dir.resolve(name).toString();
        spark.createDataFrame(rows, schema).coalesce(1).write().parquet(path);
        return path;
    }

    /** Rows of float arrays: the first training images, with the given cells replaced. */
    private String floatImages(String name, int rows, int elements, float[][] patches) {
        float[] images = Samples.firstTrainImages(rows);
        StructType schema = new StructType().add("image", DataTypes.createArrayType(DataTypes.FloatType, false), false);
        List<Row> out = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            float[] v = Arrays.copyOfRange(images, i * 784, i * 784 + elements);
            for (float[] p : patches) {
                if ((int) p[0] == i) {
                    v[(int) p[1]] = p[2];
                }
            }
            out.add(RowFactory.create((Object) v));
        }
        return write(name, schema, out);
    }

    private static ValueInfoProto floatInput(String name, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            if (d instanceof String s) {
                shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(s));
            } else {
                shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(((Number) d).longValue()));
            }
        }
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1).setShape(shape)))
                .build();
    }

    /** input -Relu-> output, with the input's dims as given, at the given default-domain opset. */
    private Path reluModel(String name, long opset, Object... inputDims) {
        GraphProto g = GraphProto.newBuilder().setName("relu")
                .addNode(NodeProto.newBuilder().setOpType("Relu").setName("relu").addInput("input").addOutput("output"))
                .addInput(floatInput("input", inputDims))
                .addOutput(ValueInfoProto.newBuilder().setName("output"))
                .build();
        ModelProto m = ModelProto.newBuilder().setIrVersion(8)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
                .setGraph(g).build();
        Path file = dir.resolve(name);
        ModelFile.write(m, file);
        return file;
    }

    @Test
    void anOutThatCannotBeWrittenFailsBeforeTheModelOrTheDataAreRead() throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        Cli r = calibrate(dir.resolve("no-model.onnx"), dir.resolve("no-data").toString(), file.resolve("run"));
        assertEquals(1, r.code(), r.toString());
        assertEquals(List.of("quantpipe: error: I/O error: cannot create a staging folder beside " + file.resolve("run")
                + ": " + file + " (already exists) (--verbose prints the stack trace)"), r.errLines());
    }

    @Test
    void missingTensorColumn() {
        assertBadInput(calibrate(TRAIN_2K, run(), "--set", "quantpipe.data.tensor-column=pixels"),
                "expected a tensor column 'pixels'", "found columns [index, image, label]");
    }

    @Test
    void wrongElementCountForTheModelInput() {
        String data = floatImages("short-rows", 10, 100, new float[0][]);
        assertBadInput(calibrate(data, run()), "expected 784 elements per row (the model input), found 100");
    }

    @Test
    void wrongTensorColumnType() {
        StructType schema = new StructType().add("image", DataTypes.StringType, false);
        String data = write("strings", schema, List.of(RowFactory.create("not a tensor")));
        assertBadInput(calibrate(data, run()), "expected array<float> or binary, found string");
    }

    @Test
    void emptyDataset() {
        String data = dir.resolve("empty").toString();
        spark.read().parquet(TRAIN_2K).limit(0).coalesce(1).write().parquet(data);
        assertBadInput(calibrate(data, run()), "expected at least one row", "found 0 rows");
    }

    @Test
    void corruptParquetFileAmongGoodOnes() throws IOException {
        Path data = dir.resolve("corrupt");
        Files.createDirectories(data);
        try (var files = Files.list(Path.of(TRAIN_2K))) {
            for (Path f : files.toList()) {
                Files.copy(f, data.resolve(f.getFileName()));
            }
        }
        byte[] garbage = new byte[4096];
        new Random(7).nextBytes(garbage);
        Files.write(data.resolve("part-00002-garbage.snappy.parquet"), garbage);
        assertBadInput(calibrate(data.toString(), run()), "dataset " + data, "part-00002-garbage.snappy.parquet");
    }

    @Test
    void aFailedRunLeavesAnExistingRunAsItWas() throws IOException {
        Files.createDirectories(run());
        Files.writeString(run().resolve("scales.json"), "{\"tensors\": []}\n");
        Path data = dir.resolve("corrupt-overwrite");
        Files.createDirectories(data);
        Files.copy(Path.of(TRAIN_2K).resolve(Samples.list(Path.of(TRAIN_2K)).get(2)), data.resolve("part-00000.parquet"));
        Files.write(data.resolve("part-00001.parquet"), "PAR1 not really".getBytes());
        Cli r = calibrate(data.toString(), run(), "--overwrite");
        assertEquals(3, r.code(), r.toString());
        assertEquals(List.of("run"), Samples.list(runs()));
        assertEquals(List.of("scales.json"), Samples.list(run()));
        assertEquals("{\"tensors\": []}\n", Files.readString(run().resolve("scales.json")));
    }

    @Test
    void missingModelFile() {
        assertBadInput(calibrate(dir.resolve("nothing.onnx"), TRAIN_2K, run()), "nothing.onnx", "no such file");
    }

    @Test
    void modelThatIsNotOnnx() throws IOException {
        Path model = dir.resolve("notes.onnx");
        Files.writeString(model, "these are not the weights you are looking for\n");
        assertBadInput(calibrate(model, TRAIN_2K, run()), "expected an ONNX model");
    }

    @Test
    void modelFolderInsteadOfFile() {
        assertBadInput(calibrate(dir, TRAIN_2K, run()), "expected an ONNX model file, found a directory");
    }

    @Test
    void modelOpsetBelow13() {
        Path model = reluModel("old-opset.onnx", 11, "N", 1, 28, 28);
        assertBadInput(calibrate(model, TRAIN_2K, run()), "opset >= 13, found 11");
    }

    @Test
    void modelInputShapeThatDoesNotFitTheData() {
        Path model = reluModel("rgb.onnx", 13, "N", 3, 28, 28);
        assertBadInput(calibrate(model, TRAIN_2K, run()), "expected 2352 elements per row (the model input), found 784");
    }

    @Test
    void modelWithAFixedBatchLargerThanOne() {
        Path model = reluModel("batch8.onnx", 13, 8, 1, 28, 28);
        assertBadInput(calibrate(model, TRAIN_2K, run()), "dynamic (or 1) batch dimension", "[8, 1, 28, 28]");
    }

    @Test
    void nonFiniteInputRowsAreCountedAndReported() throws IOException {
        float[][] patches = {{5, 10, Float.NaN}, {9, 300, Float.POSITIVE_INFINITY}, {30, 0, Float.NEGATIVE_INFINITY},
            {30, 783, Float.NaN}};
        String data = floatImages("nonfinite", 64, 784, patches);
        Cli r = calibrate(data, run(), "--methods", "minmax");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("non-finite input: 3 rows (4 values)"), r.out());
        JsonNode s = new ObjectMapper().readTree(run().resolve("calibration.json").toFile());
        assertEquals(3, s.at("/nonfinite/input_rows").asLong());
        assertEquals(4, s.at("/nonfinite/input_values").asLong());
        ScaleRow input = ScalesJson.read(run().resolve("scales.json")).tensor("input").get(0);
        assertEquals(2, input.nanCount());
        assertEquals(1, input.posInfCount());
        assertEquals(1, input.negInfCount());
        assertEquals(64 * 784 - 4, input.count());
    }

    @Test
    void nonFiniteInputIsFatalWhenConfigured() {
        String data = floatImages("nonfinite-fatal", 16, 784, new float[][] {{7, 42, Float.NaN}});
        assertBadInput(calibrate(data, run(), "--set", "quantpipe.data.nonfinite=fail"),
                "expected finite values (quantpipe.data.nonfinite = fail)");
    }
}
