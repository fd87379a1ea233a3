package io.quantpipe.jobs.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quantpipe.jobs.Cli;
import io.quantpipe.jobs.config.QuantpipeConfig;
import io.quantpipe.jobs.spark.TestSpark;
import io.quantpipe.quant.calibrate.CalibrationSession;
import io.quantpipe.quant.eval.EvaluationState;
import io.quantpipe.quant.onnx.ModelFile;
import io.quantpipe.quant.onnx.proto.OnnxIr.ModelProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.NodeProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.TensorShapeProto;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvaluateCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String STEM = "/stem/stem.2/Relu_output_0";

    @TempDir
    static Path dir;
    static SparkSession spark;
    static Path calibration;
    static Path int8File;

    /** A calibration state of 200 training images and quantpipe's int8 model (percentile) from it. */
    @BeforeAll
    static void calibrate() throws Exception {
        spark = TestSpark.session();
        calibration = Fixture.calibrationRun(dir.resolve("calibration"), 200);
        int8File = dir.resolve("percentile.int8.onnx");
        Cli q = Cli.run("quantize", "--model", Fixture.MODEL.toString(), "--run", calibration.toString(),
                "--method", "percentile:99.99", "--out", int8File.toString());
        assertEquals(0, q.code(), q.toString());
    }

    private static Cli evaluate(Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("evaluate", "--fp32", Fixture.MODEL.toString(), "--data", Fixture.TEST_1K,
                "--out", out.toString()));
        args.addAll(List.of(extra));
        return Cli.run(args.toArray(String[]::new));
    }

    private static JsonNode report(Path run) throws Exception {
        return JSON.readTree(run.resolve("report.json").toFile());
    }

    private static double metric(JsonNode report, String entity, String instance, String name) {
        for (JsonNode m : report.get("metrics")) {
            if (m.get("entity").asText().equals(entity) && m.get("instance").asText().equals(instance)
                    && m.get("name").asText().equals(name)) {
                return m.get("value").asDouble();
            }
        }
        throw new AssertionError("no metric " + entity + "/" + instance + "/" + name);
    }

    private static void assertRelative(double expected, double found, String what) {
        assertEquals(expected, found, 1e-9 * Math.abs(expected), what);
    }

    @Test
    void metricsMatchAnIndependentComputationOverTheSameRows() throws Exception {
        Path out = dir.resolve("independent");
        Cli r = evaluate(out, "--int8", int8File.toString());
        assertEquals(0, r.code(), r.toString());
        JsonNode s = report(out).get("summary");
        Independent ref = Independent.run(ModelFile.read(Fixture.MODEL), ModelFile.read(int8File), 1000, 64);

        assertEquals(1000, s.get("rows").asLong());
        assertEquals(ref.correct(ref.fp32) / 1000.0, s.get("fp32").get("top1").asDouble());
        assertEquals(ref.correct(ref.int8) / 1000.0, s.get("int8").get("top1").asDouble());
        assertEquals(ref.top5Correct(ref.fp32) / 1000.0, s.get("fp32").get("top5").asDouble());
        assertEquals(ref.top5Correct(ref.int8) / 1000.0, s.get("int8").get("top5").asDouble());
        assertEquals(ref.agreeing() / 1000.0, s.get("top1_agreement").asDouble());
        assertRelative(ref.sqnrDb(), s.get("sqnr_db").asDouble(), "SQNR");
        assertRelative(ref.meanCosine(), s.get("cosine").asDouble(), "cosine");
        assertRelative(ref.meanKl(), s.get("kl").asDouble(), "KL");
        assertRelative(ref.mse(), s.get("mse").asDouble(), "MSE");
        assertEquals(ref.maxAbsDiff(), s.get("max_abs_diff").asDouble(), "max |diff|");
        assertEquals(Files.size(Fixture.MODEL), s.get("model_bytes").get("fp32").asLong());
        assertEquals(Files.size(int8File), s.get("model_bytes").get("int8").asLong());
        // Every batch of both models was timed.
        JsonNode latency = s.get("latency_ms");
        assertTrue(latency.get("fp32").get("batches").asInt() >= 16, latency.toString());
        assertEquals(latency.get("fp32").get("batches").asInt(), latency.get("int8").get("batches").asInt());
        assertTrue(latency.get("int8").get("median").asDouble() > 0, latency.toString());
        assertTrue(latency.get("int8").get("p95").asDouble() >= latency.get("int8").get("median").asDouble());

        // Per class and confusion cells, by class index.
        JsonNode json = report(out);
        long[][] confusion = ref.confusion(ref.int8);
        for (int t = 0; t < 10; t++) {
            for (int p = 0; p < 10; p++) {
                double found = confusion[t][p] == 0 ? 0 : metric(json, "confusion", "int8/" + t + "/" + p, "count");
                assertEquals(confusion[t][p], (long) found, "confusion " + t + "/" + p);
            }
        }
        String[] classes = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};
        long[][] fp32Confusion = ref.confusion(ref.fp32);
        for (int c = 0; c < 10; c++) {
            long count = 0;
            for (int p = 0; p < 10; p++) {
                count += fp32Confusion[c][p];
            }
            String instance = hasClass(json, classes[c]) ? classes[c] : Integer.toString(c);
            assertEquals(count, (long) metric(json, "class", instance, "count"));
            assertEquals((double) fp32Confusion[c][c] / count, metric(json, "class", instance, "fp32_top1"), instance);
            assertEquals((double) confusion[c][c] / count, metric(json, "class", instance, "int8_top1"), instance);
        }
        assertTrue(r.out().contains("FP32 top-1 " + String.format(java.util.Locale.ROOT, "%.4f", ref.correct(ref.fp32) / 1000.0)),
                r.out());
        for (String f : List.of("report.html", "metrics.parquet", "layers.parquet")) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
    }

    private static boolean hasClass(JsonNode report, String name) {
        for (JsonNode m : report.get("metrics")) {
            if (m.get("entity").asText().equals("class") && m.get("instance").asText().equals(name)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void mergedStatesAreBitIdenticalForOneThreeAndSevenPartitions() throws Exception {
        ModelProto fp32 = ModelFile.read(Fixture.MODEL);
        ModelProto int8 = ModelFile.read(int8File);
        byte[] states = null;
        byte[] layers = null;
        for (int partitions : new int[] {1, 3, 7}) {
            QuantpipeConfig config = QuantpipeConfig.of("quantpipe.evaluate.partitions=" + partitions,
                    "quantpipe.evaluate.latency=false");
            EvaluationPass pass = EvaluationPass.of(fp32, "fp32", config);
            EvaluationPass.Data data = pass.data(spark, Fixture.TEST_1K, true);
            EvaluationPass.Result r = pass.run(spark, data, List.of(EvaluationPass.Candidate.of("int8", int8, "int8")),
                    "int8", "test");
            assertEquals(partitions, r.partitions());
            assertEquals(1000, r.state("int8").rows());
            byte[] s = r.state("int8").toBytes();
            byte[] l = r.layers().toBytes();
            if (states == null) {
                states = s;
                layers = l;
            } else {
                assertTrue(java.util.Arrays.equals(states, s), "evaluation state with " + partitions + " partitions");
                assertTrue(java.util.Arrays.equals(layers, l), "layer error state with " + partitions + " partitions");
            }
        }
    }

    @Test
    void reportJsonIsTheSameForOneThreeAndSevenPartitionsButForTiming() throws Exception {
        String first = null;
        for (String partitions : List.of("1", "3", "7")) {
            Path out = dir.resolve("partitions-" + partitions);
            Cli r = evaluate(out, "--int8", int8File.toString(), "--partitions", partitions, "--per-layer");
            assertEquals(0, r.code(), r.toString());
            assertTrue(r.out().contains("in " + partitions + " partitions"), r.out());
            String json = withoutTiming(report(out)).toString();
            if (first == null) {
                first = json;
            } else {
                assertEquals(first, json, partitions + " partitions");
            }
        }
    }

    /** The report without latency and speed-up, which are measured, not computed. */
    private static JsonNode withoutTiming(JsonNode report) {
        ObjectNode r = report.deepCopy();
        ObjectNode s = (ObjectNode) r.get("summary");
        s.remove(List.of("latency_ms", "speedup"));
        r.get("methods").forEach(m -> ((ObjectNode) m).remove("speedup"));
        ArrayNode kept = JSON.createArrayNode();
        for (JsonNode m : r.get("metrics")) {
            if (!m.get("entity").asText().equals("latency")) {
                kept.add(m);
            }
        }
        r.set("metrics", kept);
        return r;
    }

    @Test
    void perLayerErrorRanksEveryQuantizedTensorAndMatchesAnIndependentComparison() throws Exception {
        Path out = dir.resolve("layers");
        Cli r = evaluate(out, "--int8", int8File.toString(), "--per-layer");
        assertEquals(0, r.code(), r.toString());
        JsonNode layers = report(out).get("per_layer");
        List<String> quantized = CalibrationSession.plan(ModelFile.read(Fixture.MODEL)).quantizedTensors();
        Set<String> found = new HashSet<>();
        double previous = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < layers.size(); i++) {
            JsonNode l = layers.get(i);
            assertEquals(i + 1, l.get("rank").asInt());
            assertEquals(1000, l.get("rows").asLong());
            double sqnr = l.get("sqnr_db").asDouble();
            assertTrue(sqnr >= previous, "ranked by SQNR, lowest first: " + layers);
            previous = sqnr;
            found.add(l.get("tensor").asText());
        }
        // The graph input is compared as the FP32 model names it, not as the int8 model's "input_dq".
        assertEquals(new HashSet<>(quantized), found);

        // layers.parquet holds the same ranking.
        List<Row> rows = spark.read().parquet(out.resolve("layers.parquet").toString()).collectAsList();
        assertEquals(quantized.size(), rows.size());

        // The stem's SQNR, computed here from both models' activations.
        Map<String, float[]> a = Independent.activations(ModelFile.read(Fixture.MODEL), List.of(STEM, "input"), 1000);
        Map<String, float[]> b = Independent.activations(ModelFile.read(int8File), List.of(STEM, "input_dq"), 1000);
        for (JsonNode l : layers) {
            if (l.get("tensor").asText().equals(STEM)) {
                assertRelative(Independent.sqnr(a.get(STEM), b.get(STEM)), l.get("sqnr_db").asDouble(), STEM);
            }
            if (l.get("tensor").asText().equals("input")) {
                assertRelative(Independent.sqnr(a.get("input"), b.get("input_dq")), l.get("sqnr_db").asDouble(), "input");
            }
        }
        assertTrue(r.out().contains("most damaged layers of int8"), r.out());
    }

    @Test
    void scoresEveryMethodOfACalibrationRunInOnePassWithTheHistogramsInTheReport() throws Exception {
        Path out = dir.resolve("methods");
        Files.createDirectories(out);
        Files.copy(calibration.resolve(CalibrationRun.STATE_FILE), out.resolve(CalibrationRun.STATE_FILE));
        Cli r = evaluate(out, "--calibration", out.toString(), "--methods", "minmax,entropy,mse", "--primary", "mse",
                "--per-layer");
        assertEquals(0, r.code(), r.toString());
        JsonNode report = report(out);
        assertEquals("mse", report.get("summary").get("method").asText());
        List<String> methods = new ArrayList<>();
        report.get("methods").forEach(m -> methods.add(m.get("method").asText()));
        assertEquals(List.of("minmax", "entropy", "mse"), methods);
        double entropyDrop = report.get("methods").get(1).get("top1_drop").asDouble();
        double mseDrop = report.get("methods").get(2).get("top1_drop").asDouble();
        assertTrue(entropyDrop > 0.05, "entropy clips the stem's activations on the fixture: " + entropyDrop);
        assertTrue(mseDrop < 0.01, "mse: " + mseDrop);
        // The same FP32 accuracy in every entry: one FP32 run serves every method.
        double fp32 = report.get("summary").get("fp32").get("top1").asDouble();
        assertEquals(fp32 - mseDrop, report.get("methods").get(2).get("int8").get("top1").asDouble(), 1e-12);
        String html = Files.readString(out.resolve("report.html"));
        int charts = html.split("data-chart=\"histogram\"", -1).length - 1;
        assertEquals(CalibrationRun.require(out, "x").histograms().size(), charts);
        assertTrue(html.contains("data-method=\"entropy\""), "entropy's thresholds are drawn");
    }

    @Test
    void oneFp32RunPerBatchServesEveryMethod() throws Exception {
        QuantpipeConfig config = QuantpipeConfig.of("quantpipe.evaluate.partitions=2");
        ModelProto fp32 = ModelFile.read(Fixture.MODEL);
        CalibrationRun run = CalibrationRun.require(calibration, "x");
        var plan = CalibrationSession.plan(fp32);
        var options = CalibrationRun.qdqOptions(config, Set.of());
        List<EvaluationPass.Candidate> candidates = new ArrayList<>();
        for (String m : List.of("minmax", "entropy", "mse")) {
            candidates.add(EvaluationPass.Candidate.of(m, run.int8Model(plan, io.quantpipe.quant.calibrate.CalibrationMethod.parse(m),
                    options), m));
        }
        EvaluationPass pass = EvaluationPass.of(fp32, "fp32", config);
        EvaluationPass.Result r = pass.run(spark, pass.data(spark, Fixture.TEST_1K, true), candidates, null, "test");
        Iterator<EvaluationState> states = r.states().values().iterator();
        EvaluationState first = states.next();
        while (states.hasNext()) {
            EvaluationState s = states.next();
            // The very same per-batch FP32 timings: each batch ran through the FP32 model once.
            assertTrue(java.util.Arrays.equals(first.fp32Latency().sortedNanos(), s.fp32Latency().sortedNanos()));
            assertEquals(first.fp32(), s.fp32());
        }
        assertTrue(r.layers().isEmpty());
    }

    @Test
    void scoresAFloatCandidateWithoutQdqAtEveryTensorBothGraphsHave() throws Exception {
        Path out = dir.resolve("float");
        Cli r = evaluate(out, "--int8", Fixture.MODEL.toString(), "--per-layer");
        assertEquals(0, r.code(), r.toString());
        JsonNode report = report(out);
        JsonNode s = report.get("summary");
        assertEquals(1.0, s.get("top1_agreement").asDouble());
        assertEquals("Infinity", s.get("sqnr_db").asText());
        assertEquals(0.0, s.get("max_abs_diff").asDouble());
        assertTrue(report.get("per_layer").size() >= 10, report.get("per_layer").toString());
        report.get("per_layer").forEach(l -> assertEquals("Infinity", l.get("sqnr_db").asText(), l.toString()));
    }

    @Test
    void scoresATestSetWithoutLabelsWithoutAccuracy() throws Exception {
        String data = unlabelled();
        Path out = dir.resolve("unlabelled");
        Cli r = Cli.run("evaluate", "--fp32", Fixture.MODEL.toString(), "--int8", int8File.toString(), "--data", data,
                "--out", out.toString());
        assertEquals(0, r.code(), r.toString());
        JsonNode s = report(out).get("summary");
        assertTrue(s.get("fp32").get("top1").isNull());
        assertEquals(8, s.get("rows").asLong());
        assertTrue(s.get("top1_agreement").asDouble() > 0);
    }

    private static String unlabelled() {
        Path p = dir.resolve("unlabelled-data");
        if (!Files.exists(p)) {
            List<Row> rows = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                rows.add(RowFactory.create((Object) image(i)));
            }
            spark.createDataFrame(rows, new StructType().add("image", DataTypes.BinaryType)).coalesce(1).write()
                    .parquet(p.toString());
        }
        return p.toString();
    }

    private static byte[] image(int seed) {
        byte[] b = new byte[784];
        for (int j = 0; j < b.length; j++) {
            b[j] = (byte) ((j * 31 + seed * 17) % 256);
        }
        return b;
    }

    private static String labelled(String name, int... labels) {
        Path p = dir.resolve(name);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < labels.length; i++) {
            rows.add(RowFactory.create(image(i), labels[i]));
        }
        spark.createDataFrame(rows, new StructType().add("image", DataTypes.BinaryType).add("label", DataTypes.IntegerType))
                .coalesce(1).write().parquet(p.toString());
        return p.toString();
    }

    private static void assertBadInput(Cli r, String... mentions) {
        assertEquals(3, r.code(), r.toString());
        assertEquals(1, r.errLines().size(), r.toString());
        for (String m : mentions) {
            assertTrue(r.err().contains(m), "expected '" + m + "' in: " + r.err());
        }
    }

    @Test
    void labelsOutOfRangeAreBadInput() {
        String data = labelled("labels-12", 3, 12, 0, 9);
        Cli r = Cli.run("evaluate", "--fp32", Fixture.MODEL.toString(), "--int8", int8File.toString(), "--data", data,
                "--out", dir.resolve("labels-12-run").toString());
        assertBadInput(r, "label column 'label'", "[0, 10)", "from 0 to 12");
        assertFalse(Files.exists(dir.resolve("labels-12-run").resolve("report.json")));
    }

    @Test
    void aMissingLabelColumnIsBadInputWhenLabelsAreRequired() {
        Cli r = Cli.run("evaluate", "--fp32", Fixture.MODEL.toString(), "--int8", int8File.toString(), "--data", unlabelled(),
                "--out", dir.resolve("required").toString(), "--require-labels");
        assertBadInput(r, "expected a label column 'label'", "--require-labels");
    }

    @Test
    void aModelWithAnotherInputShapeIsBadInput() {
        ModelProto m = ModelFile.read(Fixture.MODEL);
        ModelProto.Builder b = m.toBuilder();
        TensorShapeProto.Builder shape = b.getGraphBuilder().getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder()
                .getShapeBuilder();
        shape.setDim(2, TensorShapeProto.Dimension.newBuilder().setDimValue(32));
        shape.setDim(3, TensorShapeProto.Dimension.newBuilder().setDimValue(32));
        Path other = dir.resolve("input32.onnx");
        ModelFile.write(b.build(), other);
        Cli r = Cli.run("evaluate", "--fp32", Fixture.MODEL.toString(), "--int8", other.toString(), "--data", Fixture.TEST_1K,
                "--out", dir.resolve("input32").toString());
        assertBadInput(r, "--int8 " + other, "input 'input' of shape [-1, 1, 28, 28]", "found shape [-1, 1, 32, 32]");
    }

    @Test
    void aModelWithAnotherOutputIsBadInput() {
        ModelProto m = ModelFile.read(Fixture.MODEL);
        ModelProto.Builder b = m.toBuilder();
        var g = b.getGraphBuilder();
        for (NodeProto.Builder n : g.getNodeBuilderList()) {
            for (int i = 0; i < n.getOutputCount(); i++) {
                if (n.getOutput(i).equals("logits")) {
                    n.setOutput(i, "scores");
                }
            }
        }
        g.getOutputBuilder(0).setName("scores");
        Path other = dir.resolve("scores.onnx");
        ModelFile.write(b.build(), other);
        Cli r = Cli.run("evaluate", "--fp32", Fixture.MODEL.toString(), "--int8", other.toString(), "--data", Fixture.TEST_1K,
                "--out", dir.resolve("scores").toString());
        assertBadInput(r, "outputs [logits]", "found outputs [scores]");
    }

    @Test
    void aFailedRunLeavesNoReportOfAnEarlierOne() throws Exception {
        Path out = dir.resolve("rerun");
        assertEquals(0, evaluate(out, "--int8", int8File.toString()).code());
        assertTrue(Files.exists(out.resolve("report.json")));
        Cli r = Cli.run("evaluate", "--fp32", Fixture.MODEL.toString(), "--int8", int8File.toString(),
                "--data", labelled("labels-minus", 1, -1), "--out", out.toString());
        assertBadInput(r, "found labels from -1 to 1");
        assertFalse(Files.exists(out.resolve("report.json")));
    }

    @Test
    void dryRunPrintsThePlanAndReadsNothing() {
        Path out = dir.resolve("dry");
        Cli r = Cli.run("evaluate", "--fp32", "missing.onnx", "--calibration", "no-run", "--methods", "minmax,entropy",
                "--data", "no-data", "--out", out.toString(), "--per-layer", "--partitions", "3", "--dry-run");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("quantpipe.evaluate.partitions = 3   # --partitions"), r.out());
        assertTrue(r.out().contains("write the int8 model of each of minmax, entropy"), r.out());
        assertTrue(r.out().contains("one pass in 3 partitions"), r.out());
        assertFalse(Files.exists(out));
    }

    @Test
    void neitherInt8NorCalibrationIsAUsageError() {
        Cli r = evaluate(dir.resolve("usage"));
        assertEquals(2, r.code(), r.toString());
        assertEquals(1, r.errLines().size(), r.toString());
        assertTrue(r.err().contains("--int8 Q.onnx or --calibration RUN"), r.err());
    }
}
