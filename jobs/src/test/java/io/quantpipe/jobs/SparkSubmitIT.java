package io.quantpipe.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quantpipe.jobs.quantize.QuantizeCommand;
import io.quantpipe.jobs.spark.TestSpark;
import io.quantpipe.quant.calibrate.CalibrationSession;
import io.quantpipe.quant.io.IdxArray;
import io.quantpipe.quant.io.IdxReader;
import io.quantpipe.quant.observe.ObserverConfig;
import io.quantpipe.quant.onnx.ModelFile;
import io.quantpipe.quant.runtime.RunnerOptions;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * quantpipe as a cluster runs it: {@code scripts/submit} runs spark-submit with the job jar on a
 * {@code local-cluster} master, whose two workers start executor JVMs from a Spark distribution's
 * {@code jars/} (see {@link SparkHome}), so every class a task needs comes from the job jar.
 */
class SparkSubmitIT {
    static final Path FASHION = Path.of("/usr/share/datasets/fashion-mnist");
    static final String CLUSTER = "local-cluster[2,1,1024]";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    private static SparkHome spark;

    @BeforeAll
    static void distribution() throws IOException {
        JobJarIT.assumeVerifyPhase();
        spark = SparkHome.shared();
    }

    /** scripts/submit with the test distribution, the job jar mvn package built, {@code extraEnv}. */
    private static ProcessRun submit(Map<String, String> extraEnv, String... args) throws Exception {
        Map<String, String> env = new HashMap<>(spark.env());
        env.put("QUANTPIPE_JOB_JAR", JobJarIT.JOB_JAR.toAbsolutePath().toString());
        env.putAll(extraEnv);
        return ProcessRun.script(env, dir, "scripts/submit", args);
    }

    /** Spark options for the local cluster: both executors up before the first job, no web UIs. */
    private static List<String> onCluster(String... quantpipeArgs) {
        List<String> args = new ArrayList<>(List.of("--master", CLUSTER,
                "--conf", "spark.scheduler.minRegisteredResourcesRatio=1.0",
                "--conf", "spark.ui.enabled=false"));
        args.addAll(List.of(quantpipeArgs));
        return args;
    }

    private static byte[] idxPayload(Path gz, int headerBytes, int count) throws IOException {
        try (InputStream in = new DataInputStream(new GZIPInputStream(Files.newInputStream(gz)))) {
            in.readNBytes(headerBytes);
            return in.readNBytes(count);
        }
    }

    @Test
    void ingestsOnExecutorJvmsOfALocalCluster() throws Exception {
        Path images = FASHION.resolve("t10k-images-idx3-ubyte.gz");
        Path labels = FASHION.resolve("t10k-labels-idx1-ubyte.gz");
        ProcessRun r = submit(Map.of(), onCluster("ingest", "--format", "idx", "--images", images.toString(),
                "--labels", labels.toString(), "--out", "t10k", "--limit", "1000", "--partitions", "4").toArray(String[]::new));
        assertEquals(0, r.code(), r.toString());
        assertEquals("ingested 1000 rows into t10k: image uint8 [28, 28], label 0..9\n", r.out());

        // Both executors ran tasks, with the job jar fetched from the driver.
        List<Path> executors = spark.executorDirs().stream()
                .filter(d -> Files.exists(d.resolve("stderr"))).toList();
        assertTrue(executors.size() >= 2, executors.toString());
        int ran = 0;
        for (Path e : executors.subList(executors.size() - 2, executors.size())) {
            assertTrue(Files.exists(e.resolve(JobJarIT.JOB_JAR.getFileName())), e.toString());
            ran += Files.readString(e.resolve("stderr")).contains("Running task") ? 1 : 0;
        }
        assertEquals(2, ran);

        // Rows hold the IDX file's bytes, in order: the first 1,000 images and labels.
        byte[] pixels = idxPayload(images, 16, 1000 * 784);
        byte[] expectedLabels = idxPayload(labels, 8, 1000);
        List<Row> rows = TestSpark.session().read().parquet(dir.resolve("t10k").toString()).orderBy("index").collectAsList();
        assertEquals(1000, rows.size());
        try (var files = Files.list(dir.resolve("t10k"))) {
            assertEquals(4, files.filter(f -> f.getFileName().toString().endsWith(".parquet")).count());
        }
        for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            assertEquals(i, row.getLong(row.fieldIndex("index")));
            assertArrayEquals(java.util.Arrays.copyOfRange(pixels, i * 784, (i + 1) * 784),
                    (byte[]) row.get(row.fieldIndex("image")), "row " + i);
            assertEquals(expectedLabels[i], row.getInt(row.fieldIndex("label")), "row " + i);
        }
    }

    /**
     * Also runs with the example conf/spark-defaults.conf, its executor size overridden on the command
     * line to fit the local cluster's 1-core, 1 GB workers (as command-line options win over the file).
     */
    @Test
    void calibratesOnExecutorJvmsToTheSameScalesAsLocalMode() throws Exception {
        String model = JobJarIT.MODEL.toString();
        String data = ProcessRun.ROOT.resolve("data/samples/fashion-mnist-train-2k").toString();
        List<String> args = new ArrayList<>(List.of("--properties-file", ProcessRun.ROOT.resolve("conf/spark-defaults.conf").toString(),
                "--conf", "spark.executor.cores=1", "--conf", "spark.executor.memory=1g"));
        args.addAll(onCluster("calibrate", "--model", model, "--data", data, "--out", "cluster-run", "--partitions", "3"));
        ProcessRun cluster = submit(Map.of(), args.toArray(String[]::new));
        assertEquals(0, cluster.code(), cluster.toString());

        // The same calibration in this JVM's local[2] session, on the dataset's own two partitions.
        Cli local = Cli.run("calibrate", "--model", model, "--data", data, "--out", dir.resolve("local-run").toString());
        assertEquals(0, local.code(), local.toString());
        byte[] scales = Files.readAllBytes(dir.resolve("local-run/scales.json"));
        assertTrue(scales.length > 0);
        assertArrayEquals(scales, Files.readAllBytes(dir.resolve("cluster-run/scales.json")));
    }

    /**
     * A static int8 model (activation ranges fixed ahead): calibrated in this JVM by quant-lib from
     * 200 training images, written by quantize. (A dynamic one would not do: its activation ranges
     * come from each batch, so its predictions depend on how rows fall into batches.)
     */
    private static Path staticInt8Model() throws Exception {
        Path run = Files.createDirectories(dir.resolve("static-run"));
        IdxArray images = IdxReader.read(FASHION.resolve("train-images-idx3-ubyte.gz"), 200);
        try (CalibrationSession s = CalibrationSession.open(ModelFile.read(JobJarIT.MODEL), ObserverConfig.defaults(),
                RunnerOptions.defaults())) {
            float[] batch = new float[200 * 784];
            for (int i = 0; i < 200; i++) {
                System.arraycopy(images.normalised(i), 0, batch, i * 784, 784);
            }
            s.observe(batch, new long[] {200, 1, 28, 28});
            Files.write(run.resolve(QuantizeCommand.STATE_FILE), s.state().toBytes());
        }
        Cli q = Cli.run("quantize", "--model", JobJarIT.MODEL.toString(), "--run", run.toString());
        assertEquals(0, q.code(), q.toString());
        return run.resolve(QuantizeCommand.MODEL_FILE);
    }

    @Test
    void evaluatesOnExecutorJvmsToTheSameMetricsAsLocalMode() throws Exception {
        String model = JobJarIT.MODEL.toString();
        String int8 = staticInt8Model().toString();
        String data = ProcessRun.ROOT.resolve("data/samples/fashion-mnist-test-1k").toString();
        ProcessRun cluster = submit(Map.of(), onCluster("evaluate", "--fp32", model, "--int8", int8, "--data", data,
                "--out", "cluster-eval", "--partitions", "3").toArray(String[]::new));
        assertEquals(0, cluster.code(), cluster.toString());
        Cli local = Cli.run("evaluate", "--fp32", model, "--int8", int8, "--data", data,
                "--out", dir.resolve("local-eval").toString());
        assertEquals(0, local.code(), local.toString());

        // Counts and sums are exact whatever the partitioning; only the timings differ.
        JsonNode a = JSON.readTree(dir.resolve("local-eval/report.json").toFile()).get("summary");
        JsonNode b = JSON.readTree(dir.resolve("cluster-eval/report.json").toFile()).get("summary");
        assertEquals(1000, b.get("rows").asLong());
        for (String key : List.of("rows", "fp32", "int8", "top1_agreement", "sqnr_db", "cosine", "kl", "max_abs_diff",
                "model_bytes")) {
            assertEquals(a.get(key), b.get(key), key);
        }
    }

    @Test
    void driverReadsTheShippedConfigAndSparkQuantpipeProperties() throws Exception {
        // Not in the driver's working directory: found through spark.files, as in client mode on a cluster.
        Path conf = Files.writeString(Files.createDirectories(dir.resolve("confs")).resolve("ci.conf"),
                "quantpipe.data.label-column = y\n");
        ProcessRun r = submit(Map.of("QUANTPIPE_CONF", conf.toString()), "--master", CLUSTER,
                "--conf", "spark.quantpipe.calibrate.batch-size=32",
                "ingest", "--format", "idx", "--images", "x.gz", "--out", "y", "--dry-run");
        assertEquals(0, r.code(), r.toString());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.contains("  quantpipe.data.label-column = \"y\"   # " + conf), r.out());
        assertTrue(lines.contains("  quantpipe.calibrate.batch-size = 32   # Spark property"),
                r.out());
    }
}
