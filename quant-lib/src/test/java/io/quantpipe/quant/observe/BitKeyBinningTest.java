package io.quantpipe.quant.observe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class BitKeyBinningTest {

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String kind : Datasets.KINDS) {
            for (int seed = 0; seed < 40; seed++) {
                out.add(Arguments.of(kind, seed));
            }
        }
        return out.stream();
    }

    /** Finite data whose values are not all zero or subnormal: the fast path must take it. */
    private static boolean fastPathApplies(String kind) {
        return !kind.equals("nonFinite") && !kind.equals("subnormal");
    }

    @ParameterizedTest(name = "{0} seed {1}")
    @MethodSource("cases")
    void runsOfUpdatesGiveTheSameStateAsTheExactLoop(String kind, int seed) {
        Random rnd = new Random(seed * 1_000_003L + kind.hashCode());
        int bins = 1 << (1 + rnd.nextInt(12));
        Histogram exact = new Histogram(bins);
        MinMax exactMinMax = new MinMax();
        Histogram fast = new Histogram(bins);
        MinMax fastMinMax = new MinMax();
        for (int run = 0; run < 4; run++) {
            // Ranges move between runs: the clamp of one run must hold when a later run grows the grid.
            // Some runs span several chunks of direct memory.
            float[] x = Datasets.make(kind, rnd.nextInt(seed % 4 == 1 ? 3 * BitKeyBinning.CHUNK : 3000), rnd);
            float scale = (float) Math.scalb(1.0, rnd.nextInt(30) - 15);
            for (int i = 0; i < x.length; i++) {
                x[i] *= scale;
            }
            int off = x.length == 0 ? 0 : rnd.nextInt(Math.min(x.length, 50));
            exact.updateWithMinMaxExactLoop(x, off, x.length - off, exactMinMax);
            // Odd seeds read direct memory (ONNX Runtime's outputs), even ones heap arrays.
            FloatBuffer values = seed % 2 == 1 ? direct(x).position(off) : FloatBuffer.wrap(x, off, x.length - off);
            boolean took = BitKeyBinning.update(fast, values, fastMinMax);
            assertEquals(off, values.position(), "position unchanged");
            if (!took) {
                fast.updateWithMinMaxExactLoop(x, off, x.length - off, fastMinMax);
            }
            if (fastPathApplies(kind) && !kind.equals("allZero") && !kind.equals("signedZeros") && x.length - off > 0) {
                assertTrue(took, "fast path taken for " + kind);
            }
            assertArrayEquals(exact.counts(), fast.counts(), "run " + run);
            assertEquals(exact.exponent(), fast.exponent());
            assertEquals(exact.totalCount(), fast.totalCount());
            assertEquals(exactMinMax, fastMinMax);
        }
    }

    private static FloatBuffer direct(float[] x) {
        FloatBuffer b = ByteBuffer.allocateDirect(4 * x.length).order(ByteOrder.nativeOrder()).asFloatBuffer();
        return b.put(0, x);
    }

    @ParameterizedTest(name = "{0} seed {1}")
    @MethodSource("cases")
    void fastPathMatchesAnIndependentExactBinning(String kind, int seed) {
        Random rnd = new Random(seed + 77L * kind.hashCode());
        int bins = 1 << (1 + rnd.nextInt(12));
        float[] x = Datasets.make(kind, 1 + rnd.nextInt(4000), rnd);
        Histogram h = new Histogram(bins);
        MinMax m = new MinMax();
        if (!BitKeyBinning.update(h, FloatBuffer.wrap(x, 0, x.length), m)) {
            assertFalse(fastPathApplies(kind) && !kind.equals("allZero") && !kind.equals("signedZeros"), kind);
            return;
        }
        assertEquals(ReferenceBinning.exponent(x), h.exponent());
        assertArrayEquals(ReferenceBinning.counts(x, bins), h.counts());
    }

    @Test
    void negativeMultiplesOfTheBinWidthLandInTheirOwnBin() {
        // R = 4 with 4,096 bins: w = 2^-10. -w and -w/2 are bin -1, one float below -w is bin -2,
        // -3w and one float above it are bin -3, and -0.0 is bin 0 with +0.0.
        float w = 0x1p-10f;
        float[] x = {3.5f, -w, Math.nextDown(-w), -w / 2, -0.0f, 0.0f, -3 * w, Math.nextUp(-3 * w), -2.0f};
        Histogram h = new Histogram(4096);
        MinMax m = new MinMax();
        assertTrue(BitKeyBinning.update(h, FloatBuffer.wrap(x, 0, x.length), m));
        assertEquals(2, h.exponent());
        assertEquals(2, h.count(-1));
        assertEquals(1, h.count(-2));
        assertEquals(2, h.count(0));
        assertEquals(2, h.count(-3));
        assertEquals(0, h.count(-4));
        assertEquals(1, h.count(-2048));
        assertEquals(1, h.count(3584));
        assertEquals(-2.0f, m.min());
        assertEquals(3.5f, m.max());
        assertArrayEquals(ReferenceBinning.counts(x, 4096), h.counts());
    }

    @Test
    void leavesNonFiniteAndSubnormalOnlyRunsToTheExactLoopAndTheScratchClean() {
        Histogram h = new Histogram(4096);
        MinMax m = new MinMax();
        assertFalse(BitKeyBinning.update(h, FloatBuffer.wrap(new float[] {1f, Float.NaN, -3f}), m));
        assertFalse(BitKeyBinning.update(h, FloatBuffer.wrap(new float[] {Float.MIN_VALUE, -Float.MIN_VALUE * 7, 0f}), m));
        assertEquals(0, h.totalCount());
        assertEquals(0, m.count());
        // Nothing left behind in this thread's scratch: a clean run afterwards matches the reference.
        float[] x = {0.25f, -1e-30f, 7f, -7f, 0f};
        assertTrue(BitKeyBinning.update(h, FloatBuffer.wrap(x, 0, x.length), m));
        assertArrayEquals(ReferenceBinning.counts(x, 4096), h.counts());
        assertEquals(5, m.count());
    }

    @Test
    void longRunsThroughUpdateWithMinMaxGiveTheExactLoopsResult() {
        Random rnd = new Random(11);
        float[] x = Datasets.make("postRelu", BitKeyBinning.MIN_LENGTH * 3, rnd);
        Histogram viaUpdate = new Histogram();
        MinMax mm = new MinMax();
        viaUpdate.updateWithMinMax(x, 0, x.length, mm);
        Histogram exact = new Histogram();
        MinMax exactMm = new MinMax();
        exact.updateWithMinMaxExactLoop(x, 0, x.length, exactMm);
        assertEquals(exact, viaUpdate);
        assertEquals(exactMm, mm);
    }
}
