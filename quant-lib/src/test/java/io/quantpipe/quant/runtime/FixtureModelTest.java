package io.quantpipe.quant.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.quantpipe.quant.Fixtures;
import io.quantpipe.quant.io.IdxArray;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** The fixture CNN run by ONNX Runtime in Java agrees with what torch recorded when it was trained. */
class FixtureModelTest {

    @Test
    void logitsOfTheFirstTestImagesMatchTorch() throws Exception {
        JsonNode head = Fixtures.record("fashion_cnn_t10k_logits_head.json");
        IdxArray images = Fixtures.fashion("t10k", "images-idx3", 16);
        for (String model : new String[] {"fashion_cnn.onnx", "fashion_cnn_bn.onnx"}) {
            try (ModelRunner runner = ModelRunner.create(Files.readAllBytes(Fixtures.dir().resolve(model)), RunnerOptions.defaults())) {
                float[] logits = runner.run("input", Fixtures.batch(images, 0, 16), new long[] {16, 1, 28, 28}).values("logits");
                for (int i = 0; i < 16; i++) {
                    for (int k = 0; k < 10; k++) {
                        double expected = head.get("logits").get(i).get(k).asDouble();
                        assertEquals(expected, logits[i * 10 + k], 1e-4 * Math.max(1, Math.abs(expected)), model + " image " + i);
                    }
                }
            }
        }
    }

    @Test
    void fp32AccuracyOnTheFullTestSetEqualsTheTrainingRecord() throws Exception {
        int expected = Fixtures.record("fashion_cnn.json").get("test_correct").asInt();
        IdxArray images = Fixtures.fashion("t10k", "images-idx3", 10_000);
        IdxArray labels = Fixtures.fashion("t10k", "labels-idx1", 10_000);
        try (ModelRunner runner = ModelRunner.create(Files.readAllBytes(Fixtures.model()), RunnerOptions.defaults())) {
            int correct = 0;
            int batch = 500;
            for (int from = 0; from < 10_000; from += batch) {
                float[] logits = runner.run("input", Fixtures.batch(images, from, batch), new long[] {batch, 1, 28, 28}).values("logits");
                for (int i = 0; i < batch; i++) {
                    int best = 0;
                    for (int k = 1; k < 10; k++) {
                        if (logits[i * 10 + k] > logits[i * 10 + best]) {
                            best = k;
                        }
                    }
                    correct += best == labels.label(from + i) ? 1 : 0;
                }
            }
            assertEquals(expected, correct);
        }
    }
}
