package io.quantpipe.quant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quantpipe.quant.io.IdxArray;
import io.quantpipe.quant.io.IdxReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The committed fixture model and the Debian Fashion-MNIST files, for tests. */
public final class Fixtures {
    public static final Path FASHION = Path.of("/usr/share/datasets/fashion-mnist");

    private Fixtures() {
    }

    /** data/fixtures at the repository root, found from the module's working directory. */
    public static Path dir() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path f = p.resolve("data/fixtures");
            if (Files.isDirectory(f)) {
                return f;
            }
        }
        throw new IllegalStateException("data/fixtures not found above " + Path.of("").toAbsolutePath());
    }

    /** BatchNormalization folded by the exporter. */
    public static Path model() {
        return dir().resolve("fashion_cnn.onnx");
    }

    /** BatchNormalization nodes kept. */
    public static Path modelWithBatchNorm() {
        return dir().resolve("fashion_cnn_bn.onnx");
    }

    /** What the training script recorded (test_correct, test_top1, ...). */
    public static JsonNode record(String name) {
        try {
            return new ObjectMapper().readTree(dir().resolve(name).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static IdxArray fashion(String split, String kind, int limit) {
        Path p = FASHION.resolve(split + "-" + kind + "-ubyte.gz");
        if (!Files.exists(p)) {
            throw new IllegalStateException(p + " is missing: run scripts/setup-test-deps (Debian dataset-fashion-mnist)");
        }
        return IdxReader.read(p, limit);
    }

    /** Images [from, from+n) as one float batch [n, 1, 28, 28], scaled x/255 like the training script. */
    public static float[] batch(IdxArray images, int from, int n) {
        int size = images.itemSize();
        float[] out = new float[n * size];
        for (int i = 0; i < n; i++) {
            System.arraycopy(images.normalised(from + i), 0, out, i * size, size);
        }
        return out;
    }
}
