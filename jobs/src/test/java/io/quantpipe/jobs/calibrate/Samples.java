package io.quantpipe.jobs.calibrate;

import io.quantpipe.jobs.Cli;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** The committed fixture model and sample data, and a way to run {@code calibrate} on them. */
final class Samples {
    static final Path MODEL = Path.of("..", "data", "fixtures", "fashion_cnn.onnx");
    /** The first 2,000 Fashion-MNIST training images, uint8 [28, 28], in 2 Parquet files. */
    static final String TRAIN_2K = Path.of("..", "data", "samples", "fashion-mnist-train-2k").toString();
    static final Path FASHION_TRAIN_IMAGES = Path.of("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz");

    private Samples() {
    }

    /** {@code calibrate --model MODEL --data data --out out} plus {@code extra}, run in this JVM. */
    static Cli calibrate(String data, Path out, String... extra) {
        return calibrate(MODEL, data, out, extra);
    }

    static Cli calibrate(Path model, String data, Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("calibrate", "--model", model.toString(), "--data", data,
                "--out", out.toString()));
        args.addAll(List.of(extra));
        return Cli.run(args.toArray(new String[0]));
    }

    /** The first {@code n} training images as model input, x / 255 in float, read straight from the IDX file. */
    static float[] firstTrainImages(int n) {
        try (InputStream in = new DataInputStream(new GZIPInputStream(Files.newInputStream(FASHION_TRAIN_IMAGES)))) {
            in.readNBytes(16); // magic, count, rows, columns
            byte[] pixels = in.readNBytes(n * 784);
            float[] out = new float[pixels.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = (pixels[i] & 0xFF) / 255f;
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Names in {@code dir}, sorted; empty when it does not exist. */
    static List<String> list(Path dir) {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
