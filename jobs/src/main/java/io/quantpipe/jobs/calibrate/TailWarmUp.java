package io.quantpipe.jobs.calibrate;

import io.quantpipe.quant.calibrate.CalibrationTables;
import io.quantpipe.quant.calibrate.Calibrator;
import io.quantpipe.quant.io.ScaleTable;
import io.quantpipe.quant.io.ScalesJson;
import io.quantpipe.quant.io.ScalesParquet;
import io.quantpipe.quant.observe.CalibrationState;
import io.quantpipe.quant.observe.ObserverConfig;
import io.quantpipe.quant.observe.TensorStats;
import io.quantpipe.quant.tensor.QuantSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs calibrate's last step once on a small synthetic state, on a daemon thread while Spark starts,
 * so that the real step after the pass finds its classes loaded and its searches compiled. Run cold,
 * that step (the methods' searches beside the Parquet and JSON writers) took 0.46-0.72 s for the
 * fixture, most of it loading Parquet and Avro; warmed, 0.37-0.51 s, and the whole command 0.2-0.3 s
 * less (4 alternating runs each, 60k rows, 2 cores: Spark's start-up leaves some of a core idle).
 * The state is one tensor of 200,000 generated values, which also loads the native observe kernels
 * early; its files go to a temporary folder that is removed. Nothing here can fail the command: a
 * failure is logged at DEBUG and the step simply runs cold.
 */
final class TailWarmUp {
    private static final Logger LOG = LoggerFactory.getLogger(TailWarmUp.class);

    private TailWarmUp() {
    }

    /** Starts the warm-up; the thread ends on its own (join it only in tests). */
    static Thread start(List<Calibrator> calibrators, QuantSpec spec, int binsPerSide) {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        Thread t = new Thread(() -> run(calibrators, spec, binsPerSide, tmp), "quantpipe-tail-warm-up");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** The warm-up itself, its files in a new folder under {@code parent}; true when it ran through. */
    static boolean run(List<Calibrator> calibrators, QuantSpec spec, int binsPerSide, Path parent) {
        long start = System.nanoTime();
        Path dir = null;
        try {
            CalibrationState state = new CalibrationState();
            TensorStats stats = state.tensor("warm-up", new ObserverConfig(binsPerSide, -1, false));
            Random rnd = new Random(1);
            float[] values = new float[200_000];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) Math.max(0, rnd.nextGaussian()); // activation-like: half zeros
            }
            stats.update(values, 0, values.length);
            ScaleTable table = CalibrationTables.compute(state, calibrators, spec);
            dir = Files.createTempDirectory(parent, "quantpipe-warm-up");
            HistogramsParquet.write(state, dir.resolve("histograms.parquet"));
            ScalesJson.write(table, dir.resolve("scales.json"));
            ScalesParquet.write(table, dir.resolve("scales.parquet"));
            LOG.debug("calibrate: last step warmed up in {} ms", (System.nanoTime() - start) / 1_000_000);
            return true;
        } catch (RuntimeException | IOException | LinkageError e) {
            LOG.debug("calibrate: warm-up of the last step failed; it runs cold", e);
            return false;
        } finally {
            delete(dir);
        }
    }

    private static void delete(Path dir) {
        if (dir == null) {
            return;
        }
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            LOG.debug("calibrate: could not remove the warm-up folder {}", dir, e);
        }
    }
}
