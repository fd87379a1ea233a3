package io.quantpipe.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quantpipe.jobs.spark.RemoteFs;
import io.quantpipe.quant.onnx.ModelFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Models and run folders on a file system other than the driver's own go through Hadoop's
 * FileSystem API (here {@code qptest:}, which maps to the local disk so the test can look) and give
 * the same results as local ones: calibrate, quantize and evaluate each read and write there.
 */
class RemotePathsTest {
    static final Path MODEL = ProcessRun.ROOT.resolve("data/fixtures/fashion_cnn.onnx");
    static final String CALIBRATION = ProcessRun.ROOT.resolve("data/samples/fashion-mnist-train-2k").toString();
    static final String TEST = ProcessRun.ROOT.resolve("data/samples/fashion-mnist-test-1k").toString();
    static final List<String> METHODS = List.of("--methods", "minmax,mse");
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static Path local;
    static Path remote;

    @BeforeAll
    static void runLocallyAndRemotely() throws IOException {
        RemoteFs.register();
        local = dir.resolve("local");
        remote = dir.resolve("remote");
        Files.createDirectories(remote.resolve("models"));
        Files.copy(MODEL, remote.resolve("models/fashion_cnn.onnx"));
        ok(cli("calibrate", "--model", MODEL.toString(), "--data", CALIBRATION, "--out", local.resolve("run").toString()));
        ok(cli("quantize", "--model", MODEL.toString(), "--run", local.resolve("run").toString()));
        ok(cli("calibrate", "--model", uri("models/fashion_cnn.onnx"), "--data", CALIBRATION, "--out", uri("runs/r1")));
        ok(cli("quantize", "--model", uri("models/fashion_cnn.onnx"), "--run", uri("runs/r1")));
    }

    static String uri(String relative) {
        return RemoteFs.uri(remote.resolve(relative));
    }

    static Cli cli(String... args) {
        return Cli.run(Stream.concat(Stream.of(args), METHODS.stream().filter(a -> args[0].equals("calibrate")))
                .toArray(String[]::new));
    }

    static Cli ok(Cli r) {
        assertEquals(0, r.code(), r.toString());
        return r;
    }

    static List<String> names(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void calibrateWritesTheRunThroughTheFileSystem() throws IOException {
        assertEquals(List.of("calibration.cache", "calibration.json", "calibration.state", "histograms.parquet",
                "model.int8.onnx", "scales.json", "scales.parquet"), names(remote.resolve("runs/r1")));
        assertEquals(List.of("r1"), names(remote.resolve("runs")), "no hidden staging folder is left beside the run");
        for (String f : List.of("scales.json", "calibration.state")) {
            assertArrayEquals(Files.readAllBytes(local.resolve("run").resolve(f)),
                    Files.readAllBytes(remote.resolve("runs/r1").resolve(f)), f);
        }
        JsonNode summary = JSON.readTree(remote.resolve("runs/r1/calibration.json").toFile());
        assertEquals(uri("models/fashion_cnn.onnx"), summary.get("model").get("path").asText(), "the summary names the model as given");
    }

    @Test
    void quantizeReadsTheStateAndWritesItsFilesThere() throws IOException {
        for (String f : List.of("model.int8.onnx", "calibration.cache")) {
            assertArrayEquals(Files.readAllBytes(local.resolve("run").resolve(f)),
                    Files.readAllBytes(remote.resolve("runs/r1").resolve(f)), f);
        }
        Path other = remote.resolve("other/q.onnx");
        Cli r = ok(cli("quantize", "--model", uri("models/fashion_cnn.onnx"), "--run", uri("runs/r1"), "--method", "minmax",
                "--out", uri("other/q.onnx")));
        assertTrue(r.out().startsWith("int8 model: " + uri("other/q.onnx") + " ("), r.out());
        assertEquals(List.of("q.onnx"), names(other.getParent()));
        assertEquals(ModelFile.read(other).getGraph().getNodeCount(),
                ModelFile.read(local.resolve("run/model.int8.onnx")).getGraph().getNodeCount());
        // A model written over another: replaced, nothing hidden left beside it.
        for (String method : List.of("minmax", "mse")) {
            ok(cli("quantize", "--model", uri("models/fashion_cnn.onnx"), "--run", uri("runs/r1"), "--method", method,
                    "--out", uri("replaced/q.onnx")));
        }
        assertArrayEquals(Files.readAllBytes(local.resolve("run/model.int8.onnx")),
                Files.readAllBytes(remote.resolve("replaced/q.onnx")));
        assertEquals(List.of("q.onnx"), names(remote.resolve("replaced")));
    }

    @Test
    void evaluateReadsModelsAndAddsItsReportToTheRun() throws IOException {
        ok(cli("evaluate", "--fp32", MODEL.toString(), "--int8", local.resolve("run/model.int8.onnx").toString(), "--data", TEST,
                "--out", local.resolve("run").toString()));
        Cli r = ok(cli("evaluate", "--fp32", uri("models/fashion_cnn.onnx"), "--int8", uri("runs/r1/model.int8.onnx"), "--data", TEST,
                "--out", uri("runs/r1")));
        assertTrue(r.out().contains("wrote " + uri("runs/r1/report.json")), r.out());
        List<String> files = names(remote.resolve("runs/r1"));
        assertTrue(files.containsAll(List.of("report.json", "report.html", "metrics.parquet", "layers.parquet",
                "scales.json", "calibration.state")), files.toString());
        assertFalse(files.stream().anyMatch(f -> f.startsWith(".")), files.toString());
        JsonNode a = JSON.readTree(local.resolve("run/report.json").toFile()).get("summary");
        JsonNode b = JSON.readTree(remote.resolve("runs/r1/report.json").toFile()).get("summary");
        assertEquals(1000, b.get("rows").asLong());
        for (String model : List.of("fp32", "int8")) {
            assertEquals(a.get(model).get("top1").asDouble(), b.get(model).get("top1").asDouble(), model);
        }
        assertEquals(a.get("model_bytes"), b.get("model_bytes"));
        // The report found the remote calibrate run and drew its histograms, as it does for a local one.
        String html = Files.readString(remote.resolve("runs/r1/report.html"));
        assertEquals(Files.readString(local.resolve("run/report.html")).split("<svg", -1).length, html.split("<svg", -1).length);
    }

    @Test
    void quantizeWithAnAccuracyBudgetWritesItsReportThere() throws IOException {
        ok(cli("calibrate", "--model", uri("models/fashion_cnn.onnx"), "--data", CALIBRATION, "--out", uri("runs/budget")));
        Cli r = ok(cli("quantize", "--model", uri("models/fashion_cnn.onnx"), "--run", uri("runs/budget"),
                "--accuracy-budget", "50", "--data", TEST));
        assertTrue(r.out().contains("fallback met the budget"), r.out());
        JsonNode report = JSON.readTree(remote.resolve("runs/budget/report.json").toFile());
        assertEquals(1000, report.get("summary").get("rows").asLong());
        assertTrue(names(remote.resolve("runs/budget")).containsAll(List.of("model.int8.onnx", "calibration.cache",
                "report.html", "metrics.parquet", "layers.parquet")));
    }

    @Test
    void evaluateScoresTheMethodsOfARemoteCalibrationRun() throws IOException {
        ok(cli("evaluate", "--fp32", uri("models/fashion_cnn.onnx"), "--calibration", uri("runs/r1"), "--methods", "minmax,mse",
                "--data", TEST, "--out", uri("evals/e1")));
        JsonNode report = JSON.readTree(remote.resolve("evals/e1/report.json").toFile());
        assertEquals(1000, report.get("summary").get("rows").asLong());
    }

    @Test
    void aModelWithExternalDataIsFetchedWithItsDataFile() throws IOException {
        Path ext = remote.resolve("ext/model.onnx");
        Files.createDirectories(ext.getParent());
        ModelFile.writeWithExternalData(ModelFile.read(MODEL), ext, "weights 1.bin", 1024);
        assertEquals(List.of("model.onnx", "weights 1.bin"), names(ext.getParent()));
        ok(cli("calibrate", "--model", uri("ext/model.onnx"), "--data", CALIBRATION, "--out", uri("runs/ext")));
        assertArrayEquals(Files.readAllBytes(local.resolve("run/scales.json")),
                Files.readAllBytes(remote.resolve("runs/ext/scales.json")));
    }

    @Test
    void anExistingRemoteRunIsKeptWithoutOverwriteAndReplacedWithIt() throws IOException {
        Path run = remote.resolve("runs/kept");
        Files.createDirectories(run);
        Files.writeString(run.resolve("notes.txt"), "mine");
        Cli refused = cli("calibrate", "--model", uri("models/fashion_cnn.onnx"), "--data", CALIBRATION, "--out", uri("runs/kept"));
        assertEquals(ExitCodes.USAGE, refused.code(), refused.toString());
        assertEquals(List.of("quantpipe: error: --out " + uri("runs/kept") + ": expected a new or empty folder, found an "
                + "existing run (add --overwrite to replace it)"), refused.errLines());
        assertEquals(List.of("notes.txt"), names(run));
        ok(cli("calibrate", "--model", uri("models/fashion_cnn.onnx"), "--data", CALIBRATION, "--out", uri("runs/kept"), "--overwrite"));
        assertTrue(names(run).contains("scales.json"));
        assertFalse(names(run).contains("notes.txt"));
        assertFalse(names(remote.resolve("runs")).stream().anyMatch(f -> f.startsWith(".")));
    }

    @Test
    void aMissingRemoteModelIsBadInputBeforeAnyWork() {
        Cli r = cli("calibrate", "--model", uri("models/none.onnx"), "--data", CALIBRATION, "--out", uri("runs/none"));
        assertEquals(ExitCodes.BAD_INPUT, r.code(), r.toString());
        assertEquals(List.of("quantpipe: error: --model " + uri("models/none.onnx") + ": expected a file, found none"),
                r.errLines());
        assertFalse(Files.exists(remote.resolve("runs/none")));
    }

    @Test
    void aFileSystemWithoutItsConnectorIsAUsageError() {
        Cli r = cli("quantize", "--model", "s3a://bucket/m.onnx", "--run", local.resolve("run").toString());
        assertEquals(ExitCodes.USAGE, r.code(), r.toString());
        assertEquals(List.of("quantpipe: error: s3a://bucket/m.onnx: expected a file system Hadoop knows, found none for "
                + "scheme 's3a' (its connector, e.g. hadoop-aws for s3a:, is missing from the classpath)"), r.errLines());
    }

    @Test
    void theLocalWorkingCopyIsRemovedAfterEachCommand() throws IOException {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        long before = workingCopies(tmp);
        ok(cli("quantize", "--model", uri("models/fashion_cnn.onnx"), "--run", uri("runs/r1"), "--out", uri("other/w.onnx")));
        assertEquals(before, workingCopies(tmp));
    }

    private static long workingCopies(Path tmp) throws IOException {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.filter(p -> p.getFileName().toString().startsWith("quantpipe-driver-")).count();
        }
    }
}
