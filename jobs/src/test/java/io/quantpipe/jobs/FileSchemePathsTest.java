package io.quantpipe.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quantpipe.jobs.spark.TestSpark;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every path option a job reads or writes takes a plain path and a {@code file:} URI alike (the
 * forms a DAG or notebook may hand over), with the same result.
 */
class FileSchemePathsTest {
    static final Path FASHION = Path.of("/usr/share/datasets/fashion-mnist");
    static final Path MODEL = ProcessRun.ROOT.resolve("data/fixtures/fashion_cnn.onnx");
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    @BeforeAll
    static void spark() {
        TestSpark.session();
    }

    private static List<Row> rows(Path dataset) {
        return TestSpark.session().read().parquet(dataset.toString()).orderBy("index").collectAsList();
    }

    @Test
    void ingestReadsAndWritesFileUris() {
        String images = FASHION.resolve("t10k-images-idx3-ubyte.gz").toString();
        String labels = FASHION.resolve("t10k-labels-idx1-ubyte.gz").toString();
        Cli plain = Cli.run("ingest", "--format", "idx", "--images", images, "--labels", labels,
                "--out", dir.resolve("plain").toString(), "--limit", "64");
        assertEquals(0, plain.code(), plain.toString());
        Cli uris = Cli.run("ingest", "--format", "idx", "--images", "file:" + images, "--labels", "file://" + labels,
                "--out", "file:" + dir.resolve("uris"), "--limit", "64");
        assertEquals(0, uris.code(), uris.toString());
        List<Row> a = rows(dir.resolve("plain"));
        List<Row> b = rows(dir.resolve("uris"));
        assertEquals(64, b.size());
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals((byte[]) a.get(i).getAs("image"), (byte[]) b.get(i).getAs("image"));
            assertEquals((Integer) a.get(i).getAs("label"), (Integer) b.get(i).getAs("label"));
        }
    }

    @Test
    void quantizeReadsAndWritesFileUris() throws Exception {
        Path plain = dir.resolve("plain.int8.onnx");
        Path uri = dir.resolve("uri.int8.onnx");
        Cli a = Cli.run("quantize", "--dynamic", "--model", MODEL.toString(), "--run", dir.toString(), "--out", plain.toString());
        assertEquals(0, a.code(), a.toString());
        Cli b = Cli.run("quantize", "--dynamic", "--model", "file:" + MODEL, "--run", "file:" + dir, "--out", "file://" + uri);
        assertEquals(0, b.code(), b.toString());
        assertArrayEquals(Files.readAllBytes(plain), Files.readAllBytes(uri));
    }

    @Test
    void calibrateReadsAndWritesFileUris() throws Exception {
        String data = ProcessRun.ROOT.resolve("data/samples/fashion-mnist-train-2k").toString();
        Cli plain = Cli.run("calibrate", "--model", MODEL.toString(), "--data", data, "--out", dir.resolve("cal-plain").toString(),
                "--methods", "minmax,percentile:99.99");
        assertEquals(0, plain.code(), plain.toString());
        Cli uris = Cli.run("calibrate", "--model", "file:" + MODEL, "--data", "file://" + data, "--out", "file:" + dir.resolve("cal-uris"),
                "--methods", "minmax,percentile:99.99");
        assertEquals(0, uris.code(), uris.toString());
        assertArrayEquals(Files.readAllBytes(dir.resolve("cal-plain/scales.json")), Files.readAllBytes(dir.resolve("cal-uris/scales.json")));
    }

    @Test
    void evaluateReadsModelsAndWritesTheRunAtFileUris() throws Exception {
        Path int8 = dir.resolve("eval.int8.onnx");
        Cli q = Cli.run("quantize", "--dynamic", "--model", MODEL.toString(), "--run", dir.toString(), "--out", int8.toString());
        assertEquals(0, q.code(), q.toString());
        String data = ProcessRun.ROOT.resolve("data/samples/fashion-mnist-test-1k").toString();
        Cli plain = Cli.run("evaluate", "--fp32", MODEL.toString(), "--int8", int8.toString(), "--data", data,
                "--out", dir.resolve("eval-plain").toString());
        assertEquals(0, plain.code(), plain.toString());
        Cli uris = Cli.run("evaluate", "--fp32", "file:" + MODEL, "--int8", "file://" + int8, "--data", "file:" + data,
                "--out", "file:" + dir.resolve("eval-uris"));
        assertEquals(0, uris.code(), uris.toString());
        JsonNode a = JSON.readTree(dir.resolve("eval-plain/report.json").toFile()).get("summary");
        JsonNode b = JSON.readTree(dir.resolve("eval-uris/report.json").toFile()).get("summary");
        assertEquals(1000, b.get("rows").asLong());
        for (String model : List.of("fp32", "int8")) {
            assertEquals(a.get(model).get("top1").asDouble(), b.get(model).get("top1").asDouble(), model);
        }
    }
}
