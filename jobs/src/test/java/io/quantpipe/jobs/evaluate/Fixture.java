package io.quantpipe.jobs.evaluate;

import io.quantpipe.quant.calibrate.CalibrationSession;
import io.quantpipe.quant.io.IdxArray;
import io.quantpipe.quant.io.IdxReader;
import io.quantpipe.quant.observe.ObserverConfig;
import io.quantpipe.quant.onnx.ModelFile;
import io.quantpipe.quant.runtime.RunnerOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The fixture model, the 1k test sample and calibration runs made on one machine from training images. */
final class Fixture {
    static final Path MODEL = Path.of("../data/fixtures/fashion_cnn.onnx");
    static final String TEST_1K = "../data/samples/fashion-mnist-test-1k";
    static final Path TRAIN_IMAGES = Path.of("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz");
    static final Path TEST_IMAGES = Path.of("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz");
    static final Path TEST_LABELS = Path.of("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz");

    private Fixture() {
    }

    /** Writes {@code calibration.state} of the first {@code n} training images into {@code run}. */
    static Path calibrationRun(Path run, int n) throws IOException {
        IdxArray images = IdxReader.read(TRAIN_IMAGES, n);
        try (CalibrationSession s = CalibrationSession.open(ModelFile.read(MODEL), ObserverConfig.defaults(),
                RunnerOptions.defaults())) {
            float[] batch = new float[n * 784];
            for (int i = 0; i < n; i++) {
                System.arraycopy(images.normalised(i), 0, batch, i * 784, 784);
            }
            s.observe(batch, new long[] {n, 1, 28, 28});
            Files.createDirectories(run);
            Files.write(run.resolve(CalibrationRun.STATE_FILE), s.state().toBytes());
        }
        return run;
    }
}
