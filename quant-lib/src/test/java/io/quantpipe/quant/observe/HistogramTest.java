package io.quantpipe.quant.observe;

import io.quantpipe.quant.io.StateCodec;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quantpipe.quant.BadInputException;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HistogramTest {

    @Test
    void rangeIsTheSmallestPowerOfTwoAboveMaxAbs() {
        Histogram h = new Histogram(8);
        h.update(new float[] {0.3f, -0.9f});
        assertEquals(0, h.exponent()); // 0.9 < 2^0
        h.update(new float[] {1.0f});
        assertEquals(1, h.exponent()); // 1.0 is not < 1, so R = 2
        h.update(new float[] {-7.99f});
        assertEquals(3, h.exponent());
        assertEquals(8.0, h.range());
        assertEquals(1.0, h.binWidth());
    }

    @Test
    void valuesLandInFloorBinsOnBothSides() {
        Histogram h = new Histogram(4); // R = 4 once 3.5 is seen: width 1
        h.update(new float[] {3.5f, 0f, -0.25f, -1f, -4f + 1e-6f, 0.999f});
        assertEquals(2, h.exponent()); // R = 4
        assertEquals(1, h.count(3));  // 3.5
        assertEquals(2, h.count(0));  // 0 and 0.999
        assertEquals(2, h.count(-1)); // -0.25, -1
        assertEquals(1, h.count(-4)); // -3.999999
        assertEquals(6, h.totalCount());
    }

    @Test
    void growingTheRangeSumsAdjacentBinPairs() {
        Histogram h = new Histogram(4);
        h.update(new float[] {0.1f, 0.3f, 0.6f, 0.9f, -0.1f, -0.6f}); // R = 1, width 0.25
        long[] before = h.counts();
        assertEquals(Arrays.toString(new long[] {0, 1, 0, 1, 1, 1, 1, 1}), Arrays.toString(before));
        h.update(new float[] {1.5f}); // R = 2, width 0.5
        // old bins (-4..3) -> floor(s/2): new -2 <- {-4,-3}, -1 <- {-2,-1}, 0 <- {0,1}, 1 <- {2,3}; plus 1.5 in bin 3
        assertEquals(Arrays.toString(new long[] {0, 0, 1, 1, 2, 2, 0, 1}), Arrays.toString(h.counts()));
    }

    @Test
    void nanAndInfinitiesAreSkipped() {
        Histogram h = new Histogram(16);
        h.update(new float[] {Float.NaN, 1f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -2f});
        assertEquals(2, h.totalCount());
        assertEquals(2, h.exponent());
    }

    @Test
    void absCountsFoldNegativeBinsOntoPositive() {
        Histogram h = new Histogram(4);
        h.update(new float[] {0.1f, -0.1f, -0.9f, 0.6f}); // R = 1, width 0.25
        // |x| bins: [0,.25): 0.1 and -0.1 ; [.5,.75): 0.6 ; [.75,1): -0.9
        assertArrayEquals(new long[] {2, 0, 1, 1}, h.absCounts());
    }

    @Test
    void allZeroDataStaysAtTheSmallestRange() {
        Histogram h = new Histogram();
        h.update(new float[1000]);
        assertEquals(Histogram.MIN_EXPONENT, h.exponent());
        assertEquals(1000, h.count(0));
    }

    @Test
    void defaultResolutionPutsAtLeast2048BinsUnderAmax() {
        Random rnd = new Random(1);
        for (int i = 0; i < 100; i++) {
            float amax = (float) Math.exp(rnd.nextGaussian() * 10);
            Histogram h = new Histogram();
            h.update(new float[] {amax, -amax / 3});
            double binsUnderAmax = amax / h.binWidth();
            assertTrue(binsUnderAmax >= 2048, "amax " + amax + " covers " + binsUnderAmax + " bins");
        }
    }

    @Test
    void bytesRoundTripExactly() {
        Random rnd = new Random(5);
        for (String kind : Datasets.KINDS) {
            Histogram h = new Histogram();
            h.update(Datasets.make(kind, 10_000, rnd));
            byte[] b = h.toBytes();
            Histogram back = Histogram.fromBytes(b);
            assertEquals(h, back);
            assertArrayEquals(b, back.toBytes(), kind);
        }
    }

    @Test
    void mergingAnEmptyHistogramChangesNothing() {
        Histogram h = new Histogram(64);
        h.update(new float[] {0.5f, -3f});
        byte[] before = h.toBytes();
        h.merge(new Histogram(64));
        assertArrayEquals(before, h.toBytes());
    }

    @Test
    void mergeRejectsItselfAndOtherResolutions() {
        Histogram h = new Histogram(64);
        assertThrows(IllegalArgumentException.class, () -> h.merge(h));
        assertThrows(IllegalArgumentException.class, () -> h.merge(new Histogram(128)));
        assertThrows(IllegalArgumentException.class, () -> new Histogram(100));
    }

    @Test
    void corruptBytesGiveAClearError() {
        Histogram h = new Histogram(64);
        h.update(new float[] {1f, 2f, 3f});
        byte[] b = h.toBytes();
        BadInputException truncated = assertThrows(BadInputException.class,
                () -> Histogram.fromBytes(Arrays.copyOf(b, b.length - 1)));
        assertTrue(truncated.getMessage().contains("truncated"), truncated.getMessage());
        byte[] wrongKind = b.clone();
        wrongKind[2] = StateCodec.KIND_MIN_MAX;
        assertThrows(BadInputException.class, () -> Histogram.fromBytes(wrongKind));
        byte[] newer = b.clone();
        newer[3] = 99;
        BadInputException version = assertThrows(BadInputException.class, () -> Histogram.fromBytes(newer));
        assertTrue(version.getMessage().contains("version"), version.getMessage());
    }
}
