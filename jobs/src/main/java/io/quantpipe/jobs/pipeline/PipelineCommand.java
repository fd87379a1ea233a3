package io.quantpipe.jobs.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quantpipe.jobs.Job;
import io.quantpipe.jobs.JobContext;
import io.quantpipe.jobs.calibrate.CalibrateCommand;
import io.quantpipe.jobs.config.QuantpipeConfig;
import io.quantpipe.jobs.evaluate.EvaluateCommand;
import io.quantpipe.jobs.ingest.IngestCommand;
import io.quantpipe.jobs.quantize.QuantizeCommand;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code quantpipe pipeline}: ingest, calibrate, quantize and evaluate in one run on the bundled
 * defaults (the Fashion-MNIST fixture CNN, its 2,000-image calibration sample and the full 10k
 * Fashion-MNIST test set when Debian's dataset-fashion-mnist is installed, else the bundled
 * 1,000-image test sample). Every step is the command of the same name, run with this run's
 * configuration on one Spark session.
 */
@Command(name = "pipeline", mixinStandardHelpOptions = true,
        description = "Runs ingest -> calibrate -> quantize -> evaluate (defaults: the bundled fixture model and data).")
public final class PipelineCommand implements Job {
    /** Debian's dataset-fashion-mnist. */
    static final Path FASHION = Path.of("/usr/share/datasets/fashion-mnist");

    @Option(names = "--model", paramLabel = "M.onnx", description = "FP32 model (default: data/fixtures/fashion_cnn.onnx).")
    Path model;

    @Option(names = "--calibration-data", paramLabel = "DATASET", description = "Calibration set (default: data/samples/fashion-mnist-train-2k).")
    Path calibrationData;

    @Option(names = "--test-images", paramLabel = "IDX", description = "Test images to ingest (default: Debian's Fashion-MNIST t10k when installed).")
    Path testImages;

    @Option(names = "--test-labels", paramLabel = "IDX", description = "Labels of --test-images.")
    Path testLabels;

    @Option(names = "--test-limit", paramLabel = "N", description = "Ingest only the first N test images.")
    Long testLimit;

    @Option(names = "--out", paramLabel = "DIR", description = "Where the run goes (default: runs/pipeline).")
    Path out;

    @Override
    public List<String> plan(QuantpipeConfig config) {
        Inputs in = inputs();
        List<String> plan = new ArrayList<>();
        plan.add(in.testIdx() != null ? "ingest " + in.testIdx() + " into " + in.testData()
                : "use the bundled test sample " + in.testData() + " (no IDX test set found)");
        plan.add("calibrate " + in.model() + " on " + in.calibrationData() + " into " + in.run()
                + " with " + String.join(", ", config.calibrateMethods()));
        plan.add("quantize with " + config.quantizeMethod() + " for preset " + config.quantizePreset());
        plan.add("evaluate every method against FP32 on " + in.testData() + " with per-layer error; report in " + in.run());
        return plan;
    }

    @Override
    public void run(JobContext context) throws Exception {
        Inputs in = inputs();
        PrintStream out = context.out();
        long t0 = System.nanoTime();
        Files.createDirectories(in.out());
        if (in.testIdx() != null) {
            out.println("[1/4] ingest " + in.testIdx());
            List<String> ingest = new ArrayList<>(List.of("--format", "idx", "--images", in.testIdx().toString(),
                    "--labels", in.testLabels().toString(), "--out", in.testData().toString(), "--overwrite"));
            if (testLimit != null) {
                ingest.addAll(List.of("--limit", testLimit.toString()));
            }
            context.runStep(new IngestCommand(), ingest.toArray(String[]::new));
        } else {
            out.println("[1/4] ingest: skipped, using the bundled test sample " + in.testData());
        }
        out.println("[2/4] calibrate " + in.model() + " on " + in.calibrationData());
        context.runStep(new CalibrateCommand(), "--model", in.model().toString(), "--data", in.calibrationData().toString(),
                "--out", in.run().toString(), "--overwrite");
        out.println("[3/4] quantize");
        context.runStep(new QuantizeCommand(), "--model", in.model().toString(), "--run", in.run().toString());
        out.println("[4/4] evaluate");
        List<String> methods = context.config().calibrateMethods();
        String primary = context.config().quantizeMethod();
        List<String> args = new ArrayList<>(List.of("--fp32", in.model().toString(), "--calibration", in.run().toString(),
                "--data", in.testData().toString(), "--out", in.run().toString(), "--per-layer"));
        if (methods.stream().anyMatch(m -> m.equals(primary) || m.startsWith(primary + ":"))) {
            args.addAll(List.of("--primary", primary));
        }
        context.runStep(new EvaluateCommand(), args.toArray(String[]::new));
        headline(out, in.run(), (System.nanoTime() - t0) / 1e9);
    }

    /** Where report.html is and the figures a person looks for first. */
    private static void headline(PrintStream out, Path run, double seconds) throws Exception {
        JsonNode s = new ObjectMapper().readTree(run.resolve("report.json").toFile()).get("summary");
        out.println();
        out.printf(Locale.ROOT, "pipeline done in %.0f s: %s%n", seconds, run.resolve("report.html").toAbsolutePath());
        out.printf(Locale.ROOT, "  rows %d | FP32 top-1 %s | int8 top-1 %s | agreement %s | SQNR %s dB | int8 model %s of FP32%n",
                s.path("rows").asLong(), percent(s.path("fp32").path("top1")), percent(s.path("int8").path("top1")),
                percent(s.path("top1_agreement")), number(s.path("sqnr_db")),
                s.path("model_bytes").path("fp32").asDouble() > 0
                        ? String.format(Locale.ROOT, "%.1f%%", 100 * s.path("model_bytes").path("int8").asDouble()
                                / s.path("model_bytes").path("fp32").asDouble()) : "?");
        out.println("  int8 model: " + run.resolve(QuantizeCommand.MODEL_FILE).toAbsolutePath());
    }

    private static String percent(JsonNode n) {
        return n.isNumber() ? String.format(Locale.ROOT, "%.2f%%", 100 * n.asDouble()) : "n/a";
    }

    private static String number(JsonNode n) {
        return n.isNumber() ? String.format(Locale.ROOT, "%.1f", n.asDouble()) : n.asText();
    }

    private record Inputs(Path model, Path calibrationData, Path testIdx, Path testLabels, Path testData, Path out, Path run) {
    }

    private Inputs inputs() {
        Path home = home();
        Path m = model != null ? model : home.resolve("data/fixtures/fashion_cnn.onnx");
        Path cal = calibrationData != null ? calibrationData : home.resolve("data/samples/fashion-mnist-train-2k");
        Path o = out != null ? out : Path.of("runs/pipeline");
        Path images = testImages;
        Path labels = testLabels;
        if (images == null && Files.isRegularFile(FASHION.resolve("t10k-images-idx3-ubyte.gz"))) {
            images = FASHION.resolve("t10k-images-idx3-ubyte.gz");
            labels = FASHION.resolve("t10k-labels-idx1-ubyte.gz");
        }
        Path testData = images != null ? o.resolve("test-data") : home.resolve("data/samples/fashion-mnist-test-1k");
        return new Inputs(m, cal, images, labels, testData, o, o.resolve("run"));
    }

    /** The checkout the bundled data lives in: the launcher passes it, else the working directory. */
    private static Path home() {
        String h = System.getProperty("quantpipe.home");
        return h != null ? Path.of(h) : Path.of("");
    }
}
