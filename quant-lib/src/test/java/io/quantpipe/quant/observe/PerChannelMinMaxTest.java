package io.quantpipe.quant.observe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.quantpipe.quant.BadInputException;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PerChannelMinMaxTest {

    @Test
    void tracksEachSliceOfAnyAxis() {
        Random rnd = new Random(3);
        long[] shape = {2, 3, 4, 5};
        float[] x = new float[2 * 3 * 4 * 5];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        for (int axis = 0; axis < 4; axis++) {
            PerChannelMinMax p = new PerChannelMinMax(axis);
            p.update(x, shape);
            int channels = (int) shape[axis];
            float[] mins = new float[channels];
            float[] maxs = new float[channels];
            java.util.Arrays.fill(mins, Float.POSITIVE_INFINITY);
            java.util.Arrays.fill(maxs, Float.NEGATIVE_INFINITY);
            // Independent walk over 4-D indices.
            for (int a = 0; a < 2; a++) {
                for (int b = 0; b < 3; b++) {
                    for (int c = 0; c < 4; c++) {
                        for (int d = 0; d < 5; d++) {
                            int[] idx = {a, b, c, d};
                            float v = x[((a * 3 + b) * 4 + c) * 5 + d];
                            int ch = idx[axis];
                            mins[ch] = Math.min(mins[ch], v);
                            maxs[ch] = Math.max(maxs[ch], v);
                        }
                    }
                }
            }
            assertArrayEquals(mins, p.mins(), "axis " + axis);
            assertArrayEquals(maxs, p.maxs(), "axis " + axis);
        }
    }

    @Test
    void rejectsAChangedChannelCountAndAWrongShape() {
        PerChannelMinMax p = new PerChannelMinMax(1);
        p.update(new float[6], new long[] {1, 3, 2});
        BadInputException e = assertThrows(BadInputException.class, () -> p.update(new float[8], new long[] {1, 4, 2}));
        assertEquals("per-channel state on axis 1: expected 3 channels, found 4", e.getMessage());
        assertThrows(BadInputException.class, () -> p.update(new float[5], new long[] {1, 3, 2}));
    }

    @Test
    void perChannelHistogramsEqualHistogramsOfTheGatheredChannels() {
        Random rnd = new Random(9);
        long[] shape = {3, 2, 10};
        float[] x = new float[60];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rnd.nextGaussian() * (i % 20 < 10 ? 1 : 100));
        }
        PerChannelHistogram p = new PerChannelHistogram(1, 32);
        p.update(x, shape);
        for (int c = 0; c < 2; c++) {
            float[] gathered = new float[30];
            for (int o = 0; o < 3; o++) {
                System.arraycopy(x, (o * 2 + c) * 10, gathered, o * 10, 10);
            }
            Histogram h = new Histogram(32);
            h.update(gathered);
            assertEquals(h, p.channel(c));
        }
        assertArrayEquals(p.toBytes(), PerChannelHistogram.fromBytes(p.toBytes()).toBytes());
    }
}
