package io.quantpipe.jobs.calibrate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quantpipe.quant.calibrate.Calibrator;
import io.quantpipe.quant.onnx.QdqPreset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TailWarmUpTest {
    private static final List<Calibrator> METHODS = MethodList.parse(List.of("minmax", "percentile", "entropy", "mse"));

    @Test
    void runsEveryMethodAndWriterAndLeavesNothingBehind(@TempDir Path parent) throws IOException {
        assertTrue(TailWarmUp.run(METHODS, QdqPreset.CPU.activationSpec(), 4096, parent));
        try (Stream<Path> left = Files.list(parent)) {
            assertEquals(0, left.count());
        }
    }

    @Test
    void aFailureIsSwallowedAndTheCommandGoesOn(@TempDir Path parent) throws IOException {
        Path notAFolder = Files.writeString(parent.resolve("file"), "x");
        assertFalse(TailWarmUp.run(METHODS, QdqPreset.CPU.activationSpec(), 4096, notAFolder));
        try (Stream<Path> left = Files.list(parent)) {
            assertEquals(List.of(notAFolder), left.toList());
        }
    }
}
