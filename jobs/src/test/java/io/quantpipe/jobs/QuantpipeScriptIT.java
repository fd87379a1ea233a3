package io.quantpipe.jobs;

import io.quantpipe.quant.onnx.ModelFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * scripts/quantpipe as users run it, from another directory, on the build mvn package just made
 * ({@code QUANTPIPE_NO_BUILD=1}: Maven must not rebuild under the running Maven).
 */
class QuantpipeScriptIT {
    static final Map<String, String> ENV = Map.of("QUANTPIPE_NO_BUILD", "1");

    @TempDir
    Path dir;

    @BeforeAll
    static void built() {
        JobJarIT.assumeVerifyPhase();
    }

    @Test
    void printsTheVersionOfTheBuild() throws Exception {
        ProcessRun r = ProcessRun.script(ENV, dir, "scripts/quantpipe", "--version");
        assertEquals(0, r.code(), r.toString());
        assertEquals("quantpipe " + System.getProperty("quantpipe.version") + "\n", r.out());
    }

    @Test
    void passesTheExitCodeAndTheOneErrorLineThrough() throws Exception {
        ProcessRun r = ProcessRun.script(ENV, dir, "scripts/quantpipe", "quantize", "--model", "missing.onnx", "--run", "r");
        assertEquals(ExitCodes.BAD_INPUT, r.code(), r.toString());
        assertEquals(1, r.errLines().size(), r.toString());
        assertTrue(r.errLines().get(0).startsWith("quantpipe: error: "), r.toString());
    }

    @Test
    void runsAJobWithPathsRelativeToTheCurrentDirectory() throws Exception {
        Files.copy(ProcessRun.ROOT.resolve("data/fixtures/fashion_cnn.onnx"), dir.resolve("m.onnx"));
        ProcessRun r = ProcessRun.script(ENV, dir, "scripts/quantpipe",
                "quantize", "--dynamic", "--model", "m.onnx", "--run", ".", "--out", "m.int8.onnx");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().startsWith("int8 model: m.int8.onnx ("), r.out());
        assertTrue(ModelFile.read(dir.resolve("m.int8.onnx")).getGraph().getNodeCount() > 0);
        assertEquals(List.of(), r.errLines().stream().filter(l -> l.contains("WARN") || l.contains("ERROR")).toList());
    }
}
