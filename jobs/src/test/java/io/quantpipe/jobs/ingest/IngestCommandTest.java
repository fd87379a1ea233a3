package io.quantpipe.jobs.ingest;

import io.quantpipe.jobs.Cli;
import io.quantpipe.jobs.config.QuantpipeConfig;
import io.quantpipe.jobs.data.Batch;
import io.quantpipe.jobs.data.DatasetMetadata;
import io.quantpipe.jobs.data.TensorDataset;
import io.quantpipe.jobs.data.TensorEncoding;
import io.quantpipe.jobs.spark.TestSpark;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.Metadata;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IngestCommandTest {
    static final Path FASHION = Path.of("/usr/share/datasets/fashion-mnist");

    private static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void spark() {
        spark = TestSpark.session();
    }

    private static List<Row> rowsByIndex(String path) {
        return spark.read().parquet(path).orderBy("index").collectAsList();
    }

    private static Metadata metadata(String path, String column) {
        return spark.read().parquet(path).schema().apply(column).metadata();
    }

    /** The IDX file's payload after its header, read independently of the code under test. */
    private static byte[] idxPayload(Path gz, int headerBytes, int count) throws IOException {
        try (InputStream in = new DataInputStream(new GZIPInputStream(Files.newInputStream(gz)))) {
            in.readNBytes(headerBytes);
            return in.readNBytes(count);
        }
    }

    @Test
    void fashionMnistTestImagesRoundTripByteForByte() throws IOException {
        Path images = FASHION.resolve("t10k-images-idx3-ubyte.gz");
        Path labels = FASHION.resolve("t10k-labels-idx1-ubyte.gz");
        String out = dir.resolve("fmnist").toString();
        Cli r = Cli.run("ingest", "--format", "idx", "--images", images.toString(), "--labels", labels.toString(),
                "--out", out, "--limit", "500", "--partitions", "2");
        assertEquals(0, r.code(), r.toString());
        assertEquals("ingested 500 rows into " + out + ": image uint8 [28, 28], label 0..9\n", r.out());

        byte[] pixels = idxPayload(images, 16, 500 * 784);
        byte[] expectedLabels = idxPayload(labels, 8, 500);
        List<Row> rows = rowsByIndex(out);
        assertEquals(500, rows.size());
        for (int i = 0; i < 500; i++) {
            assertEquals(i, rows.get(i).getLong(0));
            byte[] row = (byte[]) rows.get(i).get(1);
            assertArrayEquals(java.util.Arrays.copyOfRange(pixels, i * 784, (i + 1) * 784), row, "row " + i);
            assertEquals(expectedLabels[i], rows.get(i).getInt(2), "label " + i);
        }
        Metadata m = metadata(out, "image");
        assertEquals("uint8", m.getString(DatasetMetadata.ENCODING));
        assertArrayEquals(new long[] {28, 28}, m.getLongArray(DatasetMetadata.SHAPE));
        long parquetFiles;
        try (var files = Files.list(Path.of(out))) {
            parquetFiles = files.filter(p -> p.getFileName().toString().endsWith(".parquet")).count();
        }
        assertEquals(2, parquetFiles);

        // Read back through the dataset reader: default normalisation x / 255.
        TensorDataset ds = TensorDataset.open(spark, out, QuantpipeConfig.defaults(), 784);
        assertEquals(TensorEncoding.UINT8, ds.layout().encoding());
        assertArrayEquals(new long[] {28, 28}, ds.layout().rowShape());
        assertEquals(500, ds.count());
        Row first = ds.frame().orderBy(ds.frame().col("image")).limit(1).collectAsList().get(0);
        Batch b = ds.layout().batches(List.of(first).iterator(), 1).next();
        byte[] raw = (byte[]) first.get(0);
        for (int j = 0; j < 784; j++) {
            assertEquals((raw[j] & 0xFF) / 255f, b.data()[j]);
        }
    }

    /** A version 1.0 .npy file as NumPy writes it: header padded with spaces to a multiple of 64 bytes. */
    static byte[] npy(String descr, long[] shape, byte[] data) {
        StringBuilder dims = new StringBuilder();
        for (long d : shape) {
            dims.append(d).append(", ");
        }
        String shapeText = shape.length == 1 ? "(" + shape[0] + ",)"
                : "(" + dims.substring(0, dims.length() - 2) + ")";
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shapeText + ", }";
        int unpadded = 10 + dict.length() + 1;
        String header = dict + " ".repeat((64 - unpadded % 64) % 64) + "\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        out.write(header.length() & 0xFF);
        out.write(header.length() >> 8);
        out.writeBytes(header.getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(data);
        return out.toByteArray();
    }

    @Test
    void npyFloat32SamplesAndInt64LabelsRoundTrip() throws IOException {
        int n = 7;
        float[] values = new float[n * 2 * 3];
        ByteBuffer data = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) Math.sin(i) * 10 - 0.5f;
            data.putFloat(values[i]);
        }
        ByteBuffer labels = ByteBuffer.allocate(n * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            labels.putLong(100 + i);
        }
        Path x = dir.resolve("x.npy");
        Path y = dir.resolve("y.npy");
        Files.write(x, npy("<f4", new long[] {n, 2, 3}, data.array()));
        Files.write(y, npy("<i8", new long[] {n}, labels.array()));
        String out = dir.resolve("ds").toString();
        Cli r = Cli.run("ingest", "--format", "npy", "--images", x.toString(), "--labels", y.toString(), "--out", out);
        assertEquals(0, r.code(), r.toString());

        List<Row> rows = rowsByIndex(out);
        assertEquals(n, rows.size());
        for (int i = 0; i < n; i++) {
            List<Float> row = rows.get(i).getList(1);
            for (int j = 0; j < 6; j++) {
                assertEquals(values[i * 6 + j], row.get(j), "row " + i + " element " + j);
            }
            assertEquals(100 + i, rows.get(i).getInt(2));
        }
        assertEquals("float32", metadata(out, "image").getString(DatasetMetadata.ENCODING));
        assertArrayEquals(new long[] {2, 3}, metadata(out, "image").getLongArray(DatasetMetadata.SHAPE));
        TensorDataset ds = TensorDataset.open(spark, out, QuantpipeConfig.defaults(), 6);
        assertEquals(TensorEncoding.FLOAT_ARRAY, ds.layout().encoding());
    }

    @Test
    void npyUint8SamplesWithInt32LabelsStayUint8() throws IOException {
        int n = 4;
        byte[] pixels = new byte[n * 3 * 5 * 5];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 7);
        }
        ByteBuffer labels = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            labels.putInt(3 - i);
        }
        Path x = dir.resolve("x.npy");
        Path y = dir.resolve("y.npy");
        Files.write(x, npy("|u1", new long[] {n, 3, 5, 5}, pixels));
        Files.write(y, npy("<i4", new long[] {n}, labels.array()));
        String out = dir.resolve("ds").toString();
        Cli r = Cli.run("ingest", "--format", "npy", "--images", x.toString(), "--labels", y.toString(),
                "--out", out, "--limit", "3");
        assertEquals(0, r.code(), r.toString());
        List<Row> rows = rowsByIndex(out);
        assertEquals(3, rows.size());
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(java.util.Arrays.copyOfRange(pixels, i * 75, (i + 1) * 75), (byte[]) rows.get(i).get(1));
            assertEquals(3 - i, rows.get(i).getInt(2));
        }
        assertArrayEquals(new long[] {3, 5, 5}, metadata(out, "image").getLongArray(DatasetMetadata.SHAPE));
    }

    private static byte grayValue(int cls, int img, int y, int x) {
        return (byte) (cls * 60 + img * 20 + y * 4 + x);
    }

    private static void grayPng(Path file, int cls, int img) throws IOException {
        BufferedImage image = new BufferedImage(4, 3, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 4; x++) {
                image.getRaster().setSample(x, y, 0, grayValue(cls, img, y, x) & 0xFF);
            }
        }
        Files.createDirectories(file.getParent());
        ImageIO.write(image, "png", file.toFile());
    }

    @Test
    void imageFolderClassesAreSortedFolderNames() throws IOException {
        Path root = dir.resolve("images");
        String[] classes = {"dog", "bird", "cat"}; // sorted: bird=0, cat=1, dog=2
        for (String c : classes) {
            int cls = List.of("bird", "cat", "dog").indexOf(c);
            grayPng(root.resolve(c).resolve("b.png"), cls, 1);
            grayPng(root.resolve(c).resolve("a.png"), cls, 0);
        }
        Files.writeString(root.resolve("README.txt"), "not an image, not a class");
        String out = dir.resolve("ds").toString();
        Cli r = Cli.run("ingest", "--format", "images", "--images", root.toString(), "--out", out, "--partitions", "2");
        assertEquals(0, r.code(), r.toString());
        assertEquals("ingested 6 rows into " + out + ": image uint8 [1, 3, 4], label 3 classes [bird, cat, dog]\n", r.out());

        List<Row> rows = rowsByIndex(out);
        assertEquals(6, rows.size());
        for (int i = 0; i < 6; i++) {
            int cls = i / 2;
            int img = i % 2; // a.png before b.png
            byte[] expected = new byte[12];
            for (int y = 0; y < 3; y++) {
                for (int x = 0; x < 4; x++) {
                    expected[y * 4 + x] = grayValue(cls, img, y, x);
                }
            }
            assertArrayEquals(expected, (byte[]) rows.get(i).get(1), "row " + i);
            assertEquals(cls, rows.get(i).getInt(2));
        }
        assertArrayEquals(new String[] {"bird", "cat", "dog"}, metadata(out, "label").getStringArray(DatasetMetadata.LABELS));
        assertArrayEquals(new long[] {1, 3, 4}, metadata(out, "image").getLongArray(DatasetMetadata.SHAPE));
        assertEquals(List.of("bird", "cat", "dog"), TensorDataset.open(spark, out, QuantpipeConfig.defaults(), 12).labelNames());
    }

    @Test
    void colourImagesBecomeChannelMajorRgb() throws IOException {
        Path root = dir.resolve("rgb");
        BufferedImage image = new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB);
        int[][] rgb = {{10, 20, 30}, {40, 50, 60}, {70, 80, 90}, {200, 210, 220}};
        for (int p = 0; p < 4; p++) {
            image.setRGB(p % 2, p / 2, (rgb[p][0] << 16) | (rgb[p][1] << 8) | rgb[p][2]);
        }
        Files.createDirectories(root.resolve("only"));
        ImageIO.write(image, "png", root.resolve("only").resolve("x.png").toFile());
        String out = dir.resolve("ds").toString();
        Cli r = Cli.run("ingest", "--format", "images", "--images", root.toString(), "--out", out);
        assertEquals(0, r.code(), r.toString());
        byte[] chw = (byte[]) rowsByIndex(out).get(0).get(1);
        for (int c = 0; c < 3; c++) {
            for (int p = 0; p < 4; p++) {
                assertEquals(rgb[p][c], chw[c * 4 + p] & 0xFF, "channel " + c + " pixel " + p);
            }
        }
        assertArrayEquals(new long[] {3, 2, 2}, metadata(out, "image").getLongArray(DatasetMetadata.SHAPE));
    }

    @Test
    void existingDatasetIsKeptUnlessOverwriteIsGiven() throws IOException {
        Path x = dir.resolve("x.npy");
        Files.write(x, npy("|u1", new long[] {5, 2}, new byte[10]));
        String out = dir.resolve("ds").toString();
        assertEquals(0, Cli.run("ingest", "--format", "npy", "--images", x.toString(), "--out", out).code());

        Cli again = Cli.run("ingest", "--format", "npy", "--images", x.toString(), "--out", out, "--limit", "2");
        assertEquals(2, again.code(), again.toString());
        assertEquals(List.of("quantpipe: error: --out " + out + ": expected a new or empty directory, found an existing "
                + "dataset (add --overwrite to replace it)"), again.errLines());
        assertEquals(5, rowsByIndex(out).size());

        Cli overwrite = Cli.run("ingest", "--format", "npy", "--images", x.toString(), "--out", out, "--limit", "2",
                "--overwrite");
        assertEquals(0, overwrite.code(), overwrite.toString());
        assertEquals(2, rowsByIndex(out).size());
        assertEquals(List.of("ds", "x.npy"), listing(dir)); // no temporary or old copies left
    }

    @Test
    void failedIngestLeavesNoDatasetBehind() throws IOException {
        Path root = dir.resolve("images");
        grayPng(root.resolve("a").resolve("ok.png"), 0, 0);
        Files.createDirectories(root.resolve("b"));
        Files.write(root.resolve("b").resolve("broken.png"), new byte[] {1, 2, 3, 4});
        Path out = dir.resolve("out").resolve("ds");
        Cli r = Cli.run("ingest", "--format", "images", "--images", root.toString(), "--out", out.toString());
        assertEquals(3, r.code(), r.toString());
        assertEquals(1, r.errLines().size(), r.toString());
        assertTrue(r.err().startsWith("quantpipe: error: file:" + root.resolve("b").resolve("broken.png")
                + ": expected an image ImageIO can read"), r.err());
        assertFalse(Files.exists(out));
        assertEquals(List.of(), listing(out.getParent()));
    }

    @Test
    void labelCountMustMatchTheSamples() throws IOException {
        Path x = dir.resolve("x.npy");
        Path y = dir.resolve("y.npy");
        Files.write(x, npy("|u1", new long[] {3, 2}, new byte[6]));
        Files.write(y, npy("|u1", new long[] {2}, new byte[2]));
        Cli r = Cli.run("ingest", "--format", "npy", "--images", x.toString(), "--labels", y.toString(),
                "--out", dir.resolve("ds").toString());
        assertEquals(3, r.code());
        assertEquals(List.of("quantpipe: error: --labels " + y + ": expected 3 labels (one per sample), found 2"), r.errLines());
    }

    private static List<String> listing(Path p) throws IOException {
        try (var s = Files.list(p)) {
            List<String> names = new ArrayList<>(s.map(f -> f.getFileName().toString()).toList());
            names.sort(null);
            return names;
        }
    }
}
