package io.quantpipe.quant.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quantpipe.quant.BadInputException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LayerErrorStateTest {
    private static final int ROWS = 240;
    private static final int SIZE = 96;

    /** FP32 activations and an int8 copy rounded to step {@code scale}: a coarser step, more damage. */
    private static float[][] activation(long seed, float scale) {
        Random rnd = new Random(seed);
        float[] x = new float[ROWS * SIZE];
        float[] y = new float[ROWS * SIZE];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.max(0, rnd.nextGaussian() * 2);
            y[i] = Math.round(x[i] / scale) * scale;
        }
        return new float[][] {x, y};
    }

    private static final String[] NAMES = {"conv1_out", "conv2_out", "fc_out", "add_out"};
    private static final float[] SCALES = {0.02f, 0.2f, 0.05f, 0.5f};

    private static LayerErrorState whole() {
        LayerErrorState s = new LayerErrorState();
        for (int t = 0; t < NAMES.length; t++) {
            float[][] a = activation(t, SCALES[t]);
            s.add(NAMES[t], a[0], a[1], ROWS);
        }
        return s;
    }

    @Test
    void sqnrCosineAndMseMatchAStraightforwardComputation() {
        LayerErrorState s = whole();
        for (int t = 0; t < NAMES.length; t++) {
            float[][] a = activation(t, SCALES[t]);
            double signal = 0, noise = 0, cosine = 0, maxDiff = 0;
            for (int r = 0; r < ROWS; r++) {
                double dot = 0, nx = 0, ny = 0;
                for (int j = r * SIZE; j < (r + 1) * SIZE; j++) {
                    signal += (double) a[0][j] * a[0][j];
                    noise += ((double) a[0][j] - a[1][j]) * ((double) a[0][j] - a[1][j]);
                    dot += (double) a[0][j] * a[1][j];
                    nx += (double) a[0][j] * a[0][j];
                    ny += (double) a[1][j] * a[1][j];
                    maxDiff = Math.max(maxDiff, Math.abs((double) a[0][j] - a[1][j]));
                }
                cosine += dot / Math.sqrt(nx * ny);
            }
            LayerError e = s.error(NAMES[t]);
            assertEquals(10 * Math.log10(signal / noise), e.sqnrDb(), 1e-12 * Math.abs(e.sqnrDb()));
            assertEquals(cosine / ROWS, e.cosine(), 1e-12);
            assertEquals(noise / (ROWS * SIZE), e.mse(), 1e-12 * e.mse());
            assertEquals(maxDiff, e.maxAbsDiff());
            assertEquals(ROWS, e.rows());
            assertEquals((long) ROWS * SIZE, e.elements());
        }
    }

    @Test
    void rankingPutsTheLowestSqnrFirst() {
        List<LayerError> ranked = whole().ranked();
        // Rounding step 0.5 hurts most, 0.02 least.
        assertEquals(List.of("add_out", "conv2_out", "fc_out", "conv1_out"), ranked.stream().map(LayerError::tensor).toList());
        for (int i = 0; i < ranked.size(); i++) {
            assertEquals(i + 1, ranked.get(i).rank());
            if (i > 0) {
                assertTrue(ranked.get(i - 1).sqnrDb() < ranked.get(i).sqnrDb());
            }
        }
        // Uniform rounding noise of step s has power s^2/12: SQNR grows 20 dB per decade of step.
        double gap = ranked.get(3).sqnrDb() - ranked.get(2).sqnrDb();
        assertEquals(20 * Math.log10(0.05 / 0.02), gap, 1.0);
    }

    @Test
    void partitionsMergedInAnyOrderEqualTheSingleState() {
        LayerErrorState single = whole();
        Random rnd = new Random(9);
        for (int trial = 0; trial < 4; trial++) {
            int count = 2 + rnd.nextInt(6);
            List<LayerErrorState> parts = new ArrayList<>();
            for (int p = 0; p < count; p++) {
                parts.add(new LayerErrorState());
            }
            for (int t = 0; t < NAMES.length; t++) {
                float[][] a = activation(t, SCALES[t]);
                for (int r = 0; r < ROWS; ) {
                    int n = Math.min(ROWS - r, 1 + rnd.nextInt(50));
                    parts.get(rnd.nextInt(count)).add(NAMES[t], Arrays.copyOfRange(a[0], r * SIZE, (r + n) * SIZE),
                            Arrays.copyOfRange(a[1], r * SIZE, (r + n) * SIZE), n);
                    r += n;
                }
            }
            while (parts.size() > 1) {
                LayerErrorState x = parts.remove(rnd.nextInt(parts.size()));
                LayerErrorState y = parts.remove(rnd.nextInt(parts.size()));
                parts.add(x.merge(y));
            }
            assertEquals(single, parts.get(0));
            assertArrayEquals(single.toBytes(), parts.get(0).toBytes());
            assertEquals(single.ranked(), parts.get(0).ranked());
        }
    }

    @Test
    void bytesRoundTripByteForByte() {
        LayerErrorState s = whole();
        byte[] b = s.toBytes();
        LayerErrorState back = LayerErrorState.fromBytes(b);
        assertEquals(s, back);
        assertArrayEquals(b, back.toBytes());
        assertArrayEquals(new LayerErrorState().toBytes(), LayerErrorState.fromBytes(new LayerErrorState().toBytes()).toBytes());
        assertThrows(BadInputException.class, () -> LayerErrorState.fromBytes(Arrays.copyOf(b, b.length - 3)));
    }

    @Test
    void rowsWithNonFiniteValuesAreCountedAndLeftOut() {
        LayerErrorState s = new LayerErrorState();
        s.add("t", new float[] {1, 2, 3, 4}, new float[] {1, 2, Float.NaN, 4}, 2);
        LayerError e = s.error("t");
        assertEquals(2, e.rows());
        assertEquals(1, e.nonFiniteRows());
        assertEquals(Double.POSITIVE_INFINITY, e.sqnrDb());
        assertEquals(1.0, e.cosine());
        assertNull(s.error("other"));
    }

    @Test
    void rejectsMismatchedActivationsAndSelfMerge() {
        LayerErrorState s = new LayerErrorState();
        assertThrows(BadInputException.class, () -> s.add("t", new float[4], new float[3], 1));
        assertThrows(BadInputException.class, () -> s.add("t", new float[5], new float[5], 2));
        assertThrows(BadInputException.class, () -> s.add("", new float[4], new float[4], 2));
        assertThrows(IllegalArgumentException.class, () -> s.merge(s));
        assertTrue(s.isEmpty());
    }

    @Test
    void metricRowsComeInRankOrder() {
        List<MetricRow> rows = whole().metrics();
        assertEquals(new MetricRow("layer", "add_out", "rank", 1), rows.get(0));
        assertEquals("sqnr_db", rows.get(1).name());
        assertEquals(NAMES.length * 7, rows.size());
    }
}
