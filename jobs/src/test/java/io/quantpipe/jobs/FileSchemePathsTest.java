package io.quantpipe.jobs;

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
    void quantizeOnAnotherFileSystemIsAUsageError() {
        Cli r = Cli.run("quantize", "--model", "hdfs://nn/m.onnx", "--run", dir.toString());
        assertEquals(ExitCodes.USAGE, r.code(), r.toString());
        assertEquals(List.of("quantpipe: error: --model hdfs://nn/m.onnx: expected a local path or file: URI, found a hdfs: "
                + "URI (this command works on the driver's file system)"), r.errLines());
    }
}
