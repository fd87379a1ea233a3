package io.quantpipe.jobs.data;

import io.quantpipe.jobs.config.Scale;
import io.quantpipe.quant.ConfigException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class Uint8NormalizationTest {

    @Test
    void defaultDividesBy255LikeToTensor() {
        Uint8Normalization n = Uint8Normalization.of(Scale.parse("1/255"), new float[] {0}, new float[] {1}, 4);
        float[] out = new float[4];
        n.applyRow(new byte[] {0, 1, (byte) 128, (byte) 255}, out, 0);
        assertEquals(0f, out[0]);
        assertEquals(1f / 255f, out[1]);
        assertEquals(128f / 255f, out[2]);
        assertEquals(1f, out[3]);
    }

    @Test
    void perChannelMeanAndStdFollowChannelMajorOrder() {
        float[] mean = {0.485f, 0.456f, 0.406f};
        float[] std = {0.229f, 0.224f, 0.225f};
        Uint8Normalization n = Uint8Normalization.of(Scale.parse("1/255"), mean, std, 3 * 2);
        byte[] row = {10, 20, 30, 40, (byte) 200, (byte) 250}; // C=3 planes of 2 pixels
        float[] out = new float[8];
        n.applyRow(row, out, 2);
        for (int i = 0; i < 6; i++) {
            int c = i / 2;
            float expected = ((row[i] & 0xFF) / 255f - mean[c]) / std[c]; // torchvision: ToTensor then Normalize
            assertEquals(expected, out[2 + i], "element " + i);
        }
    }

    @Test
    void channelsMustSplitTheRow() {
        assertThrows(ConfigException.class,
                () -> Uint8Normalization.of(Scale.parse("1/255"), new float[] {0, 0, 0}, new float[] {1}, 10));
        assertThrows(ConfigException.class,
                () -> Uint8Normalization.of(Scale.parse("1/255"), new float[] {0, 0}, new float[] {1, 1, 1}, 6));
    }
}
