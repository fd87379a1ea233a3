package io.quantpipe.quant.observe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MinMaxTest {

    @Test
    void countsNonFiniteValuesWithoutFoldingThemIntoTheRange() {
        MinMax m = new MinMax();
        m.update(new float[] {1f, Float.NaN, -2f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 0.5f});
        assertEquals(-2f, m.min());
        assertEquals(1f, m.max());
        assertEquals(3, m.count());
        assertEquals(2, m.nanCount());
        assertEquals(1, m.posInfCount());
        assertEquals(1, m.negInfCount());
        assertEquals(4, m.nonFiniteCount());
    }

    @Test
    void negativeZeroIsBelowZeroWhateverTheOrder() {
        MinMax a = new MinMax();
        a.update(new float[] {0.0f, -0.0f});
        MinMax b = new MinMax();
        b.update(new float[] {-0.0f, 0.0f});
        assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits(a.min()));
        assertArrayEquals(a.toBytes(), b.toBytes());
    }

    @Test
    void emptyStateHasNoRange() {
        MinMax m = new MinMax();
        m.update(new float[] {Float.NaN});
        assertTrue(m.isEmpty());
        assertEquals(0f, m.absMax());
        assertEquals(Float.POSITIVE_INFINITY, m.min());
    }

    @Test
    void absMaxIsTheLargerMagnitude() {
        MinMax m = new MinMax();
        m.update(new float[] {-5f, 3f});
        assertEquals(5f, m.absMax());
    }

    @Test
    void bytesRoundTripExactly() {
        MinMax m = new MinMax();
        m.update(new float[] {-1.5f, Float.NaN, 7f});
        byte[] b = m.toBytes();
        assertEquals(m, MinMax.fromBytes(b));
        assertArrayEquals(b, MinMax.fromBytes(b).toBytes());
    }
}
