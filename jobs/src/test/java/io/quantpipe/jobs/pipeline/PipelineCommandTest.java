package io.quantpipe.jobs.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quantpipe.jobs.Cli;
import io.quantpipe.jobs.spark.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineCommandTest {

    @Test
    void runsEveryStepAndPointsAtTheReport(@TempDir Path dir) throws Exception {
        TestSpark.session();
        Path out = dir.resolve("p");
        Cli r = Cli.run("pipeline", "--model", "../data/fixtures/fashion_cnn.onnx",
                "--calibration-data", "../data/samples/fashion-mnist-train-2k", "--test-limit", "400", "--out", out.toString(),
                "--set", "quantpipe.calibrate.methods=minmax,mse");
        assertEquals(0, r.code(), r.toString());
        Path run = out.resolve("run");
        for (String f : new String[] {"scales.json", "calibration.state", "model.int8.onnx", "calibration.cache",
                "report.json", "report.html", "metrics.parquet", "layers.parquet"}) {
            assertTrue(Files.exists(run.resolve(f)), f + " in " + run);
        }
        JsonNode summary = new ObjectMapper().readTree(run.resolve("report.json").toFile()).get("summary");
        assertEquals(400, summary.get("rows").asLong());
        assertTrue(summary.get("int8").get("top1").asDouble() > 0.8, summary.toString());
        assertTrue(r.out().contains("pipeline done in"), r.out());
        assertTrue(r.out().contains(run.resolve("report.html").toAbsolutePath().toString()), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.contains("FP32 top-1") && l.contains("int8 top-1")), r.out());
    }

    @Test
    void dryRunListsTheFourSteps() {
        Cli r = Cli.run("--dry-run", "pipeline", "--out", "x");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("calibrate ") && r.out().contains("quantize with mse") && r.out().contains("evaluate every method"), r.out());
    }
}
