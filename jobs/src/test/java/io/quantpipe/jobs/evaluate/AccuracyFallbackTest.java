package io.quantpipe.jobs.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quantpipe.jobs.Cli;
import io.quantpipe.jobs.spark.TestSpark;
import io.quantpipe.quant.onnx.ModelFile;
import io.quantpipe.quant.onnx.proto.OnnxIr.ModelProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.NodeProto;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccuracyFallbackTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static Path state;

    @BeforeAll
    static void calibrate() throws Exception {
        TestSpark.session();
        state = Fixture.calibrationRun(dir.resolve("calibration"), 200).resolve(CalibrationRun.STATE_FILE);
    }

    private static Path run(String name) throws Exception {
        Path run = dir.resolve(name);
        Files.createDirectories(run);
        Files.copy(state, run.resolve(CalibrationRun.STATE_FILE));
        return run;
    }

    @Test
    void entropyLosesTenPointsAndOneStepOfFallbackWinsThemBack() throws Exception {
        Path run = run("entropy");
        Cli r = Cli.run("quantize", "--model", Fixture.MODEL.toString(), "--run", run.toString(), "--method", "entropy",
                "--accuracy-budget", "1.0", "--data", Fixture.TEST_1K);
        assertEquals(0, r.code(), r.toString());
        JsonNode report = JSON.readTree(run.resolve("report.json").toFile());
        JsonNode steps = report.get("fallback");
        assertTrue(steps.size() >= 2, steps.toString());
        assertTrue(steps.get(0).get("top1_drop").asDouble() > 0.05, "entropy clips the stem on the fixture: " + steps);
        assertEquals(List.of(), names(steps.get(0).get("fp32_layers")));
        JsonNode last = steps.get(steps.size() - 1);
        assertTrue(last.get("top1_drop").asDouble() <= 0.01, steps.toString());
        // The stem's output carries the damage: its conv and its readers are FP32 from step 1 on.
        List<String> kept = names(last.get("fp32_layers"));
        assertTrue(kept.contains("/stem/stem.0/Conv"), kept.toString());
        assertTrue(r.out().contains("fallback step 1: '/stem/stem.2/Relu_output_0' adds the most noise"), r.out());
        assertTrue(r.out().contains("fallback met the budget"), r.out());
        assertEquals("entropy", report.get("summary").get("method").asText());
        assertEquals(last.get("int8_top1").asDouble(), report.get("summary").get("int8").get("top1").asDouble());

        // The model written is the one the last step scored: the same accuracy, computed here.
        ModelProto written = ModelFile.read(run.resolve("model.int8.onnx"));
        Independent ref = Independent.run(ModelFile.read(Fixture.MODEL), written, 1000, 64);
        assertEquals(ref.correct(ref.int8) / 1000.0, last.get("int8_top1").asDouble());
        // ... and the stem conv reads the FP32 input and float weights: no DequantizeLinear in front of it.
        NodeProto stem = written.getGraph().getNodeList().stream().filter(n -> n.getName().equals("/stem/stem.0/Conv"))
                .findFirst().orElseThrow();
        assertEquals("input", stem.getInput(0));
        assertEquals(1, written.getGraph().getInitializerList().stream().filter(t -> t.getName().equals(stem.getInput(1)))
                .findFirst().orElseThrow().getDataType(), "float weights");
    }

    @Test
    void aBudgetOutOfReachWithinTheStepLimitIsReportedWithTheReason() throws Exception {
        Path run = run("limit");
        Cli r = Cli.run("quantize", "--model", Fixture.MODEL.toString(), "--run", run.toString(), "--method", "entropy",
                "--accuracy-budget", "1.0", "--data", Fixture.TEST_1K, "--set", "quantpipe.quantize.fallback.max-steps=0");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("did not meet the budget"), r.out());
        assertTrue(r.out().contains("quantpipe.quantize.fallback.max-steps"), r.out());
        JsonNode steps = JSON.readTree(run.resolve("report.json").toFile()).get("fallback");
        assertEquals(1, steps.size());
        assertTrue(Files.isRegularFile(run.resolve("model.int8.onnx")));
    }

    @Test
    void aBudgetNeedsATestSet() throws Exception {
        Cli r = Cli.run("quantize", "--model", Fixture.MODEL.toString(), "--run", run("nodata").toString(),
                "--accuracy-budget", "1.0");
        assertEquals(2, r.code(), r.toString());
        assertEquals(1, r.errLines().size(), r.toString());
        assertTrue(r.err().contains("--data DATASET"), r.err());
    }

    private static List<String> names(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
