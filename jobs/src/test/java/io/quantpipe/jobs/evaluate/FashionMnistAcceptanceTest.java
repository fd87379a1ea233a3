package io.quantpipe.jobs.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quantpipe.jobs.Cli;
import io.quantpipe.jobs.spark.TestSpark;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The acceptance run on real data: the full 10,000-image Fashion-MNIST test set ingested from
 * Debian's IDX files, a calibration state from 1,000 training images, all four calibration methods
 * scored in one pass with per-layer error, and the accuracy-aware fallback of the entropy model
 * for a 0.2-point budget. The figures are printed and kept, with the reports and a headless
 * Chromium screenshot of report.html, in {@code target/acceptance/}.
 */
class FashionMnistAcceptanceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** test_correct of data/fixtures/fashion_cnn.json: the training script's FP32 figure. */
    private static final long TRAINING_SCRIPT_CORRECT = 9208;
    /** The classes of data/fixtures/fashion_cnn.json, for the report's tables. */
    private static final String CLASS_NAMES = "quantpipe.evaluate.class-names=[\"T-shirt/top\", Trouser, Pullover, Dress,"
            + " Coat, Sandal, Shirt, Sneaker, Bag, \"Ankle boot\"]";

    @TempDir
    Path dir;

    @Test
    void fullTestSetFiguresOfEveryMethodAndTheEntropyFallback() throws Exception {
        TestSpark.session();
        Path keep = Path.of("target", "acceptance");
        Files.createDirectories(keep);
        List<String> figures = new ArrayList<>();

        String t10k = dir.resolve("t10k").toString();
        Cli ingest = Cli.run("ingest", "--format", "idx", "--images", Fixture.TEST_IMAGES.toString(), "--labels",
                Fixture.TEST_LABELS.toString(), "--out", t10k);
        assertEquals(0, ingest.code(), ingest.toString());

        Path run = Fixture.calibrationRun(dir.resolve("run"), 1000);
        long start = System.nanoTime();
        Cli evaluate = Cli.run("evaluate", "--fp32", Fixture.MODEL.toString(), "--calibration", run.toString(),
                "--methods", "minmax,percentile,entropy,mse", "--primary", "mse", "--data", t10k, "--out", run.toString(),
                "--per-layer", "--set", CLASS_NAMES);
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(0, evaluate.code(), evaluate.toString());
        JsonNode report = JSON.readTree(run.resolve("report.json").toFile());
        JsonNode s = report.get("summary");
        assertEquals(10000, s.get("rows").asLong());
        assertEquals(10000, s.get("labeled_rows").asLong());
        assertEquals((double) TRAINING_SCRIPT_CORRECT / 10000, s.get("fp32").get("top1").asDouble());

        figures.add(String.format(Locale.ROOT, "evaluate: 10000 rows, 4 methods + per-layer, %.1f s (command)", seconds));
        figures.add(String.format(Locale.ROOT, "FP32 top-1 %.4f top-5 %.4f", s.get("fp32").get("top1").asDouble(),
                s.get("fp32").get("top5").asDouble()));
        figures.add(String.format(Locale.ROOT, "%-11s %7s %7s %9s %8s %9s %9s %8s %8s", "method", "top-1", "drop",
                "agreement", "SQNR dB", "cosine", "KL", "max|d|", "speed-up"));
        for (JsonNode m : report.get("methods")) {
            figures.add(String.format(Locale.ROOT, "%-11s %7.4f %7.2f %9.4f %8.2f %9.6f %9.2e %8.3f %7.2fx",
                    m.get("method").asText(), m.get("int8").get("top1").asDouble(), 100 * m.get("top1_drop").asDouble(),
                    m.get("top1_agreement").asDouble(), m.get("sqnr_db").asDouble(), m.get("cosine").asDouble(),
                    m.get("kl").asDouble(), m.get("max_abs_diff").asDouble(), m.get("speedup").asDouble()));
        }
        JsonNode lat = s.get("latency_ms");
        figures.add(String.format(Locale.ROOT, "latency per batch of 64 (ms), %s: FP32 median %.3f p95 %.3f, int8 median %.3f"
                        + " p95 %.3f, speed-up %.2fx", s.get("method").asText(), lat.get("fp32").get("median").asDouble(),
                lat.get("fp32").get("p95").asDouble(), lat.get("int8").get("median").asDouble(),
                lat.get("int8").get("p95").asDouble(), s.get("speedup").asDouble()));
        figures.add("model bytes: FP32 " + s.get("model_bytes").get("fp32").asLong() + ", int8 ("
                + s.get("method").asText() + ") " + s.get("model_bytes").get("int8").asLong());
        figures.add("per-layer ranking (" + s.get("method").asText() + "), most damaged first:");
        for (JsonNode l : report.get("per_layer")) {
            figures.add(String.format(Locale.ROOT, "  %2d. %-40s SQNR %6.2f dB  cosine %.6f", l.get("rank").asInt(),
                    l.get("tensor").asText(), l.get("sqnr_db").asDouble(), l.get("cosine").asDouble()));
        }
        assertEquals(11, report.get("per_layer").size());

        Path fallbackRun = dir.resolve("fallback");
        Files.createDirectories(fallbackRun);
        Files.copy(run.resolve(CalibrationRun.STATE_FILE), fallbackRun.resolve(CalibrationRun.STATE_FILE));
        start = System.nanoTime();
        Cli quantize = Cli.run("quantize", "--model", Fixture.MODEL.toString(), "--run", fallbackRun.toString(),
                "--method", "entropy", "--accuracy-budget", "0.2", "--data", t10k, "--set", CLASS_NAMES);
        seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(0, quantize.code(), quantize.toString());
        figures.add(String.format(Locale.ROOT, "quantize --method entropy --accuracy-budget 0.2 (%.1f s):", seconds));
        quantize.out().lines().filter(l -> l.startsWith("fallback") || l.startsWith("kept")).forEach(l -> figures.add("  " + l));
        JsonNode fallback = JSON.readTree(fallbackRun.resolve("report.json").toFile()).get("fallback");
        JsonNode last = fallback.get(fallback.size() - 1);
        assertTrue(last.get("top1_drop").asDouble() <= 0.002 || quantize.out().contains("did not meet the budget: "),
                quantize.out());

        Files.writeString(keep.resolve("figures.txt"), String.join("\n", figures) + "\n");
        figures.forEach(System.out::println);
        for (String f : List.of("report.json", "report.html")) {
            Files.copy(run.resolve(f), keep.resolve("evaluate-" + f), StandardCopyOption.REPLACE_EXISTING);
            Files.copy(fallbackRun.resolve(f), keep.resolve("fallback-" + f), StandardCopyOption.REPLACE_EXISTING);
        }
        screenshot(run.resolve("report.html"), keep.resolve("evaluate-report.png"));
        screenshot(fallbackRun.resolve("report.html"), keep.resolve("fallback-report.png"));
    }

    /** A full-page screenshot in headless Chromium, when it is installed (scripts/setup-test-deps). */
    private void screenshot(Path html, Path png) throws IOException, InterruptedException {
        Path chromium = null;
        for (String folder : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            for (String name : List.of("chromium", "chromium-browser")) {
                if (Files.isExecutable(Path.of(folder, name))) {
                    chromium = Path.of(folder, name);
                }
            }
        }
        if (chromium == null) {
            System.out.println("no chromium on PATH: no screenshot of " + html);
            return;
        }
        List<String> cmd = List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                "--user-data-dir=" + Files.createTempDirectory(dir, "profile"), "--screenshot=" + png.toAbsolutePath(),
                "--window-size=1280,4000", html.toUri().toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("chromium.log").toFile()).start();
        // A guard against a hung browser, not a measurement.
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        assertTrue(Files.size(png) > 10_000, "screenshot " + png);
    }
}
