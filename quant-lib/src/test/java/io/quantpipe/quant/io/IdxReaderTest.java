package io.quantpipe.quant.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quantpipe.quant.BadInputException;
import io.quantpipe.quant.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
    private static final Path FASHION = Path.of("/usr/share/datasets/fashion-mnist");
    private static final Path TEST_IMAGES = FASHION.resolve("t10k-images-idx3-ubyte.gz");
    private static final Path TEST_LABELS = FASHION.resolve("t10k-labels-idx1-ubyte.gz");

    @TempDir
    Path dir;

    private static int[] histogram(int[] labels) {
        int[] h = new int[10];
        for (int l : labels) {
            h[l]++;
        }
        return h;
    }

    private static byte[] gunzip(Path file) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            return in.readAllBytes();
        }
    }

    @Test
    void readsTheFashionMnistTestSet() {
        IdxArray images = IdxReader.read(TEST_IMAGES);
        IdxArray labels = IdxReader.read(TEST_LABELS);
        assertArrayEquals(new int[] {10000, 28, 28}, images.dims());
        assertEquals(784, images.itemSize());
        assertArrayEquals(new int[] {10000}, labels.dims());
        // Fashion-MNIST's test set has exactly 1,000 images of each of its 10 classes.
        int[] expected = new int[10];
        Arrays.fill(expected, 1000);
        assertArrayEquals(expected, histogram(labels.labels()));
        // First test items: ankle boot, pullover, trouser, trouser.
        assertArrayEquals(new int[] {9, 2, 1, 1}, Arrays.copyOf(labels.labels(), 4));
    }

    @Test
    void readsTheFashionMnistTrainingSet() {
        IdxArray images = IdxReader.read(FASHION.resolve("train-images-idx3-ubyte.gz"));
        IdxArray labels = IdxReader.read(FASHION.resolve("train-labels-idx1-ubyte.gz"));
        assertArrayEquals(new int[] {60000, 28, 28}, images.dims());
        assertArrayEquals(new int[] {60000}, labels.dims());
        int[] expected = new int[10];
        Arrays.fill(expected, 6000);
        assertArrayEquals(expected, histogram(labels.labels()));
    }

    @Test
    void imagesMatchTheRawBytesAndNormaliseByOver255() throws IOException {
        byte[] raw = gunzip(TEST_IMAGES);
        IdxArray images = IdxReader.read(TEST_IMAGES, 3);
        for (int i = 0; i < 3; i++) {
            float[] pixels = images.normalised(i);
            assertEquals(784, pixels.length);
            for (int k = 0; k < 784; k++) {
                int byteValue = raw[16 + i * 784 + k] & 0xff;
                assertEquals(byteValue / 255f, pixels[k]);
                assertTrue(pixels[k] >= 0f && pixels[k] <= 1f);
            }
        }
        int sum = 0;
        for (byte b : images.item(0)) {
            sum += b & 0xff;
        }
        assertEquals(sumOfRange(raw, 16, 16 + 784), sum);
        assertEquals(33456, sum); // computed separately with Python's gzip module
    }

    private static int sumOfRange(byte[] raw, int from, int to) {
        int s = 0;
        for (int i = from; i < to; i++) {
            s += raw[i] & 0xff;
        }
        return s;
    }

    @Test
    void limitReadsTheFirstItems() {
        IdxArray all = IdxReader.read(TEST_LABELS);
        IdxArray five = IdxReader.read(TEST_LABELS, 5);
        assertArrayEquals(new int[] {5}, five.dims());
        assertArrayEquals(Arrays.copyOf(all.labels(), 5), five.labels());
        assertArrayEquals(new int[] {10000}, IdxReader.read(TEST_LABELS, 20000).dims());
        assertEquals(0, IdxReader.read(TEST_LABELS, 0).count());
        assertThrows(ConfigException.class, () -> IdxReader.read(TEST_LABELS, -1));
    }

    @Test
    void readsPlainFilesLikeGzippedOnes() throws IOException {
        Path plain = Files.write(dir.resolve("t10k-labels-idx1-ubyte"), gunzip(TEST_LABELS));
        assertArrayEquals(IdxReader.read(TEST_LABELS).data(), IdxReader.read(plain).data());
        // gzip is recognised by its magic bytes, whatever the name
        Path renamed = Files.copy(TEST_LABELS, dir.resolve("labels.idx"));
        assertArrayEquals(IdxReader.read(TEST_LABELS).data(), IdxReader.read(renamed).data());
    }

    @Test
    void truncatedGzipCopyIsBadInput() throws IOException {
        byte[] gz = Files.readAllBytes(TEST_IMAGES);
        Path cut = Files.write(dir.resolve("t10k-images-idx3-ubyte.gz"), Arrays.copyOf(gz, gz.length / 2));
        BadInputException e = assertThrows(BadInputException.class, () -> IdxReader.read(cut));
        assertTrue(e.getMessage().startsWith(cut + ": expected 7840016 uncompressed bytes for IDX dims [10000, 28, 28]"),
                e.getMessage());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void truncatedPlainCopyIsBadInputEvenWithALimit() throws IOException {
        byte[] raw = gunzip(TEST_IMAGES);
        Path cut = Files.write(dir.resolve("images"), Arrays.copyOf(raw, 16 + 784 * 10 + 5));
        BadInputException e = assertThrows(BadInputException.class, () -> IdxReader.read(cut, 2));
        assertEquals(cut + ": expected 7840016 bytes for IDX dims [10000, 28, 28], found 7861 (truncated)",
                e.getMessage());
        Path header = Files.write(dir.resolve("header"), Arrays.copyOf(raw, 10));
        assertThrows(BadInputException.class, () -> IdxReader.read(header));
    }

    @Test
    void hugeHeaderFailsBeforeAllocating() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(16).putInt(0x00000803).putInt(Integer.MAX_VALUE).putInt(Integer.MAX_VALUE)
                .putInt(Integer.MAX_VALUE);
        Path file = Files.write(dir.resolve("huge"), b.array());
        BadInputException e = assertThrows(BadInputException.class, () -> IdxReader.read(file));
        assertEquals(file + ": expected more than 2^63 bytes for IDX dims [2147483647, 2147483647, 2147483647], found 16 (truncated)",
                e.getMessage());
    }

    @Test
    void otherElementTypesAreRejectedByName() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(12).putInt(0x00000D01).putInt(1).putFloat(1.5f);
        Path file = Files.write(dir.resolve("floats"), b.array());
        BadInputException e = assertThrows(BadInputException.class, () -> IdxReader.read(file));
        assertEquals(file + ": expected IDX element type 0x08 (unsigned byte), found 0x0d (float)", e.getMessage());
        Path notIdx = Files.writeString(dir.resolve("text"), "hello world!");
        assertThrows(BadInputException.class, () -> IdxReader.read(notIdx));
    }

    @Test
    void gzNameWithoutGzipDataIsBadInput() throws IOException {
        Path file = Files.write(dir.resolve("labels.gz"), ByteBuffer.allocate(9).putInt(0x00000801).putInt(1).array());
        BadInputException e = assertThrows(BadInputException.class, () -> IdxReader.read(file));
        assertTrue(e.getMessage().contains("no gzip magic bytes 1f 8b"), e.getMessage());
    }

    @Test
    void missingFileIsBadInput() {
        assertThrows(BadInputException.class, () -> IdxReader.read(dir.resolve("none")));
    }
}
