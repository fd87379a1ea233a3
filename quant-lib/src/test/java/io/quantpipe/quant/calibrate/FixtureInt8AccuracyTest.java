package io.quantpipe.quant.calibrate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quantpipe.quant.Fixtures;
import io.quantpipe.quant.io.IdxArray;
import io.quantpipe.quant.observe.ObserverConfig;
import io.quantpipe.quant.onnx.ModelFile;
import io.quantpipe.quant.onnx.QdqOptions;
import io.quantpipe.quant.onnx.QdqPreset;
import io.quantpipe.quant.onnx.proto.OnnxIr.ModelProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.NodeProto;
import io.quantpipe.quant.runtime.GraphOptimization;
import io.quantpipe.quant.runtime.ModelRunner;
import io.quantpipe.quant.runtime.RunnerOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The acceptance figures of single-machine calibration on the real fixture: calibrated on 1,000
 * Fashion-MNIST training images, the cpu-preset int8 model is scored on the full 10k test set.
 */
class FixtureInt8AccuracyTest {
    private static final int CALIBRATION_ROWS = 1000;
    private static final int BATCH = 100;
    private static IdxArray testImages;
    private static IdxArray testLabels;
    private static IdxArray trainImages;

    @BeforeAll
    static void load() {
        testImages = Fixtures.fashion("t10k", "images-idx3", 10_000);
        testLabels = Fixtures.fashion("t10k", "labels-idx1", 10_000);
        trainImages = Fixtures.fashion("train", "images-idx3", CALIBRATION_ROWS);
    }

    static CalibrationSession calibrate(Path model) {
        CalibrationSession s = CalibrationSession.open(ModelFile.read(model), ObserverConfig.defaults(), RunnerOptions.defaults());
        for (int from = 0; from < CALIBRATION_ROWS; from += BATCH) {
            s.observe(Fixtures.batch(trainImages, from, BATCH), new long[] {BATCH, 1, 28, 28});
        }
        return s;
    }

    static int correct(ModelProto model) {
        try (ModelRunner r = ModelRunner.create(model, RunnerOptions.defaults())) {
            int correct = 0;
            int batch = 500;
            for (int from = 0; from < 10_000; from += batch) {
                float[] logits = r.run("input", Fixtures.batch(testImages, from, batch), new long[] {batch, 1, 28, 28}).values("logits");
                for (int i = 0; i < batch; i++) {
                    int best = 0;
                    for (int k = 1; k < 10; k++) {
                        if (logits[i * 10 + k] > logits[i * 10 + best]) {
                            best = k;
                        }
                    }
                    correct += best == testLabels.label(from + i) ? 1 : 0;
                }
            }
            return correct;
        }
    }

    @Test
    void someMethodLosesAtMostOnePointOfTop1() {
        int fp32 = Fixtures.record("fashion_cnn.json").get("test_correct").asInt();
        Map<String, Integer> int8 = new LinkedHashMap<>();
        try (CalibrationSession s = calibrate(Fixtures.model())) {
            assertEquals(CALIBRATION_ROWS, s.state().rows());
            for (Calibrator m : CalibrationMethod.defaults()) {
                int8.put(CalibrationMethod.spec(m), correct(s.int8Model(m, QdqOptions.of(QdqPreset.CPU))));
            }
        }
        StringBuilder report = new StringBuilder("fp32 top1 " + fp32 / 100.0 + "%;");
        int best = 0;
        for (Map.Entry<String, Integer> e : int8.entrySet()) {
            report.append(String.format(" %s %.2f%% (drop %.2f)", e.getKey(), e.getValue() / 100.0, (fp32 - e.getValue()) / 100.0));
            best = Math.max(best, e.getValue());
        }
        System.out.println("[fixture int8 accuracy] " + report);
        assertTrue(fp32 - best <= 100, report.toString());
    }

    @Test
    void onnxRuntimeRunsTheCpuModelOnInt8KernelsAtUnderAThirdOfTheSize(@TempDir Path dir) throws Exception {
        Path optimized = dir.resolve("optimized.onnx");
        ModelProto int8;
        try (CalibrationSession s = calibrate(Fixtures.model())) {
            int8 = s.int8Model(new EntropyCalibrator(), QdqOptions.of(QdqPreset.CPU));
        }
        Path file = dir.resolve("model.int8.onnx");
        ModelFile.write(int8, file);
        double ratio = (double) Files.size(file) / Files.size(Fixtures.model());
        System.out.printf("[fixture int8 size] %d / %d bytes = %.3f%n", Files.size(file), Files.size(Fixtures.model()), ratio);
        assertTrue(ratio <= 0.30, "int8/fp32 size ratio " + ratio);

        try (ModelRunner r = ModelRunner.create(int8, RunnerOptions.defaults()
                .withOptimization(GraphOptimization.ALL).withOptimizedModelPath(optimized))) {
            r.run("input", Fixtures.batch(testImages, 0, 1), new long[] {1, 1, 28, 28});
        }
        Map<String, Integer> ops = new LinkedHashMap<>();
        for (NodeProto n : ModelFile.read(optimized).getGraph().getNodeList()) {
            ops.merge(n.getOpType(), 1, Integer::sum);
        }
        System.out.println("[fixture int8 optimized ops] " + ops);
        assertEquals(5, ops.getOrDefault("QLinearConv", 0), ops.toString());
        assertEquals(0, ops.getOrDefault("Conv", 0), ops.toString());
    }

    @Test
    void batchNormKeptAndFoldedExportsGiveTheSameInt8Accuracy() {
        Calibrator method = new MseCalibrator();
        int folded;
        int kept;
        try (CalibrationSession s = calibrate(Fixtures.model())) {
            folded = correct(s.int8Model(method, QdqOptions.of(QdqPreset.CPU)));
        }
        try (CalibrationSession s = calibrate(Fixtures.modelWithBatchNorm())) {
            assertTrue(s.plan().model().getGraph().getNodeList().stream().noneMatch(n -> n.getOpType().equals("BatchNormalization")));
            kept = correct(s.int8Model(method, QdqOptions.of(QdqPreset.CPU)));
        }
        System.out.printf("[fixture bn] folded-by-exporter %d, folded-by-quantpipe %d correct of 10000%n", folded, kept);
        assertEquals(folded, kept, "int8 top-1 of the BN-folded export vs the BN-kept export folded here");
    }
}
