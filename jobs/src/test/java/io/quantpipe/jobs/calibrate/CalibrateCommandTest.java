package io.quantpipe.jobs.calibrate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quantpipe.jobs.Cli;
import io.quantpipe.jobs.config.QuantpipeConfig;
import io.quantpipe.jobs.spark.TestSpark;
import io.quantpipe.quant.calibrate.CalibrationMethod;
import io.quantpipe.quant.calibrate.CalibrationSession;
import io.quantpipe.quant.io.ScaleRow;
import io.quantpipe.quant.io.ScaleTable;
import io.quantpipe.quant.io.ScalesJson;
import io.quantpipe.quant.io.ScalesParquet;
import io.quantpipe.quant.observe.CalibrationState;
import io.quantpipe.quant.observe.Histogram;
import io.quantpipe.quant.observe.ObserverConfig;
import io.quantpipe.quant.onnx.ModelFile;
import io.quantpipe.quant.onnx.QdqPreset;
import io.quantpipe.quant.runtime.RunnerOptions;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.quantpipe.jobs.calibrate.Samples.TRAIN_2K;
import static io.quantpipe.jobs.calibrate.Samples.calibrate;
import static io.quantpipe.jobs.calibrate.Samples.read;
import static org.apache.spark.sql.functions.rand;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** End-to-end calibration of the fixture model over the committed 2,000-row sample, in local Spark. */
class CalibrateCommandTest {
    private static final List<String> OUTPUTS = List.of("calibration.json", "calibration.state",
            "histograms.parquet", "scales.json", "scales.parquet");

    private static SparkSession spark;
    private static Path reference;
    private static final List<String> descriptions = new CopyOnWriteArrayList<>();
    private static final SparkListener DESCRIPTIONS = new SparkListener() {
        @Override
        public void onJobStart(SparkListenerJobStart jobStart) {
            String d = jobStart.properties().getProperty("spark.job.description");
            if (d != null) {
                descriptions.add(d);
            }
        }
    };

    @TempDir
    static Path runs;

    @BeforeAll
    static void calibrateOnce() {
        spark = TestSpark.session();
        spark.sparkContext().addSparkListener(DESCRIPTIONS);
        reference = runs.resolve("reference");
        Cli r = calibrate(TRAIN_2K, reference);
        assertEquals(0, r.code(), r.toString());
    }

    @AfterAll
    static void removeListener() {
        spark.sparkContext().removeSparkListener(DESCRIPTIONS);
    }

    private static void assertSameTables(Path run, String what) {
        assertArrayEquals(read(reference.resolve("scales.json")), read(run.resolve("scales.json")), what + ": scales.json");
        assertArrayEquals(read(reference.resolve("calibration.state")), read(run.resolve("calibration.state")),
                what + ": calibration.state");
    }

    private static JsonNode summary(Path run) throws IOException {
        return new ObjectMapper().readTree(run.resolve("calibration.json").toFile());
    }

    @Test
    void scalesAreByteIdenticalForAnyPartitioningAndRowOrder() throws IOException {
        for (int partitions : new int[] {1, 2, 7, 16}) {
            Path run = runs.resolve("p" + partitions);
            Cli r = calibrate(TRAIN_2K, run, "--partitions", String.valueOf(partitions));
            assertEquals(0, r.code(), r.toString());
            assertSameTables(run, partitions + " partitions");
            assertEquals(partitions, summary(run).get("partitions").asInt());
        }

        String shuffled = runs.resolve("shuffled-data").toString();
        spark.read().parquet(TRAIN_2K).orderBy(rand(20240611L)).repartition(3).write().parquet(shuffled);
        List<Row> firstRows = spark.read().parquet(shuffled).limit(5).collectAsList();
        assertFalse(firstRows.stream().map(row -> row.getLong(row.fieldIndex("index"))).toList()
                .equals(List.of(0L, 1L, 2L, 3L, 4L)), "rows were shuffled");
        Path run = runs.resolve("shuffled");
        Cli r = calibrate(shuffled, run);
        assertEquals(0, r.code(), r.toString());
        assertSameTables(run, "shuffled rows");
    }

    @Test
    void equalsTheSingleMachineCalibrationBitForBit() {
        int rows = 2000;
        int batch = 100; // not the job's 64: batching does not change the state either
        float[] images = Samples.firstTrainImages(rows);
        QuantpipeConfig defaults = QuantpipeConfig.defaults();
        try (CalibrationSession s = CalibrationSession.open(ModelFile.read(Samples.MODEL),
                new ObserverConfig(defaults.binsPerSide(), -1, false), RunnerOptions.defaults())) {
            for (int from = 0; from < rows; from += batch) {
                s.observe(Arrays.copyOfRange(images, from * 784, (from + batch) * 784), new long[] {batch, 1, 28, 28});
            }
            assertEquals(rows, s.state().rows());
            assertArrayEquals(s.state().toBytes(), read(reference.resolve("calibration.state")));
            ScaleTable table = s.table(CalibrationMethod.parseAll(defaults.calibrateMethods()), QdqPreset.CPU.activationSpec());
            assertArrayEquals(ScalesJson.toBytes(table), read(reference.resolve("scales.json")));
        }
    }

    @Test
    void writesTheTablesHistogramsStateAndSummary() throws Exception {
        assertEquals(OUTPUTS, Samples.list(reference));
        assertEquals(List.of("reference"), Samples.list(runs).stream().filter(n -> n.startsWith(".")
                || n.equals("reference")).toList(), "no staging folder is left");

        CalibrationState state = CalibrationState.fromBytes(read(reference.resolve("calibration.state")));
        assertEquals(2000, state.rows());
        assertEquals(8, state.tensors().size());
        assertEquals(2000L * 784, state.tensors().get("input").minMax().count());

        ScaleTable json = ScalesJson.read(reference.resolve("scales.json"));
        assertEquals(8 * 4, json.size());
        assertEquals(json.rows(), ScalesParquet.read(reference.resolve("scales.parquet")).rows());
        for (ScaleRow row : json.rows()) {
            assertEquals(-1, row.channel());
            assertEquals("uint8", row.dtypeName());
        }
        assertEquals(List.of("entropy", "minmax", "mse", "percentile"),
                json.rows().stream().map(ScaleRow::method).distinct().sorted().toList());

        // histograms.parquet: exactly the non-empty bins of the merged state, with exact edges
        Map<String, Long> binCounts = new HashMap<>();
        int binRows = 0;
        for (Row r : spark.read().parquet(reference.resolve("histograms.parquet").toString()).collectAsList()) {
            String tensor = r.getString(r.fieldIndex("tensor"));
            Histogram h = state.tensors().get(tensor).histogram();
            int bin = r.getInt(r.fieldIndex("bin"));
            long count = r.getLong(r.fieldIndex("count"));
            assertEquals(-1, r.getInt(r.fieldIndex("channel")));
            assertEquals(h.exponent(), r.getInt(r.fieldIndex("exponent")));
            assertEquals(h.binsPerSide(), r.getInt(r.fieldIndex("bins_per_side")));
            assertEquals(h.count(bin), count, tensor + " bin " + bin);
            assertEquals(bin * h.binWidth(), r.getDouble(r.fieldIndex("lo")));
            assertEquals((bin + 1) * h.binWidth(), r.getDouble(r.fieldIndex("hi")));
            binCounts.merge(tensor, count, Long::sum);
            binRows++;
        }
        long nonEmpty = 0;
        for (var e : state.tensors().entrySet()) {
            assertEquals(e.getValue().histogram().totalCount(), binCounts.get(e.getKey()), e.getKey());
            nonEmpty += Arrays.stream(e.getValue().histogram().counts()).filter(c -> c != 0).count();
        }
        assertEquals(nonEmpty, binRows);

        JsonNode s = summary(reference);
        assertEquals(2000, s.get("rows").asLong());
        assertEquals(2, s.get("partitions").asInt());
        assertEquals(0, s.get("failed_task_attempts").asInt());
        assertEquals(4, s.get("methods").size());
        assertEquals("cpu", s.get("preset").asText());
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(read(Samples.MODEL))),
                s.at("/model/sha256").asText());
        assertEquals("[-1,1,28,28]", s.at("/model/input_shape").toString());
        assertEquals(TRAIN_2K, s.at("/dataset/path").asText());
        assertEquals("uint8", s.at("/dataset/encoding").asText());
        assertEquals(0, s.at("/nonfinite/input_rows").asLong());
        assertEquals(8, s.get("tensors").size());
        for (JsonNode t : s.get("tensors")) {
            var minMax = state.tensors().get(t.get("tensor").asText()).minMax();
            assertEquals(minMax.count(), t.get("count").asLong());
            assertEquals(0, t.get("nan_count").asLong() + t.get("posinf_count").asLong() + t.get("neginf_count").asLong());
            assertEquals(minMax.max(), (float) t.get("max").asDouble());
        }
        assertTrue(s.at("/time_s/pass").asDouble() > 0);
        assertEquals(OUTPUTS.size(), s.get("outputs").size());
    }

    @Test
    void methodsOptionChoosesTheTablesAndAnExistingRunNeedsOverwrite() throws IOException {
        Path run = runs.resolve("methods");
        Files.createDirectories(run);
        Files.writeString(run.resolve("old.txt"), "an earlier run");

        Cli refused = calibrate(TRAIN_2K, run, "--methods", "minmax,percentile:99.9,sides=2");
        assertEquals(2, refused.code(), refused.toString());
        assertEquals(1, refused.errLines().size(), refused.toString());
        assertTrue(refused.err().contains("add --overwrite"), refused.err());
        assertEquals(List.of("old.txt"), Samples.list(run));

        Cli r = calibrate(TRAIN_2K, run, "--methods", "minmax,percentile:99.9,sides=2", "--overwrite");
        assertEquals(0, r.code(), r.toString());
        assertEquals(OUTPUTS, Samples.list(run));
        ScaleTable table = ScalesJson.read(run.resolve("scales.json"));
        assertEquals(16, table.size());
        List<ScaleRow> percentile = table.method("percentile");
        assertEquals(8, percentile.size());
        List<String> methods = new java.util.ArrayList<>();
        summary(run).get("methods").forEach(m -> methods.add(m.asText()));
        assertEquals(List.of("minmax", "percentile:percentile=99.9,sides=2"), methods);
        // The minmax rows do not depend on which other methods ran.
        assertEquals(ScalesJson.read(reference.resolve("scales.json")).method("minmax"), table.method("minmax"));
    }

    @Test
    void sparkJobsAreDescribedForTheUi() throws InterruptedException {
        String pass = "calibrate: observe 8 tensors of fashion_cnn.onnx over " + TRAIN_2K + " (2 partitions)";
        String check = "calibrate: check dataset " + TRAIN_2K;
        for (int i = 0; i < 100 && !(descriptions.contains(pass) && descriptions.contains(check)); i++) {
            Thread.sleep(100); // listener events arrive asynchronously
        }
        assertTrue(descriptions.contains(pass), descriptions.toString());
        assertTrue(descriptions.contains(check), descriptions.toString());
    }

    @Test
    void plainInferenceModeRunsTheSamePassAndWritesNothing() {
        Cli r = Cli.run("calibrate", "--model", Samples.MODEL.toString(), "--data", TRAIN_2K, "--observe", "none");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().startsWith("plain inference: 2000 rows in 2 partitions, pass "), r.out());
    }

    @Test
    void dryRunPrintsThePlanAndWritesNothing() {
        Path run = runs.resolve("dry");
        Cli r = calibrate(TRAIN_2K, run, "--dry-run", "--partitions", "7");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("quantpipe.calibrate.partitions = 7   # --partitions"), r.out());
        assertTrue(r.out().contains("treeAggregate"), r.out());
        assertFalse(Files.exists(run));
    }
}
