package io.quantpipe.quant.calibrate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quantpipe.quant.observe.MinMax;
import org.junit.jupiter.api.Test;

class ClipRangeTest {

    private static MinMax observed(float... values) {
        MinMax m = new MinMax();
        m.update(values);
        return m;
    }

    @Test
    void symmetricThresholdClipsTheObservedRange() {
        assertEquals(new ClipRange(-1, 3, 3), ClipRange.symmetric(3, observed(-1, 5)));
        assertEquals(new ClipRange(-0.5, 0.5, 0.5), ClipRange.symmetric(0.5, observed(-1, 5)));
        assertEquals(new ClipRange(-1, 5, 7), ClipRange.symmetric(7, observed(-1, 5)));
    }

    @Test
    void postReluRangeStartsAtZeroNotMinusThreshold() {
        ClipRange r = ClipRange.symmetric(3, observed(0, 1, 5));
        assertEquals(0.0, r.lo());
        assertEquals(3.0, r.hi());
        assertEquals(3.0, r.amax());
    }

    @Test
    void thresholdBelowAllValuesClipsEverythingToIt() {
        // Data in [15, 20], threshold 10: every value becomes 10.
        assertEquals(new ClipRange(10, 10, 10), ClipRange.symmetric(10, observed(15, 20)));
    }

    @Test
    void nothingObservedGivesZeroRange() {
        ClipRange r = ClipRange.symmetric(0, new MinMax());
        assertEquals(new ClipRange(0, 0, 0), r);
        assertEquals(0.0, ClipRange.zero().amax());
        assertFalse(ClipRange.zero().hasThreshold());
        assertTrue(r.hasThreshold());
    }

    @Test
    void negativeZeroIsStoredAsZero() {
        ClipRange r = ClipRange.of(-0.0, -0.0);
        assertEquals(Double.doubleToRawLongBits(0.0), Double.doubleToRawLongBits(r.lo()));
        assertEquals(Double.doubleToRawLongBits(0.0), Double.doubleToRawLongBits(r.hi()));
        assertEquals(r, ClipRange.of(0.0, 0.0));
        assertEquals(Double.doubleToRawLongBits(0.0), Double.doubleToRawLongBits(ClipRange.symmetric(0, observed(-0.0f)).hi()));
    }

    @Test
    void rejectsInvertedOrNonFiniteBounds() {
        assertThrows(IllegalArgumentException.class, () -> ClipRange.of(1, 0));
        assertThrows(IllegalArgumentException.class, () -> ClipRange.of(Double.NaN, 0));
        assertThrows(IllegalArgumentException.class, () -> ClipRange.of(0, Double.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> new ClipRange(0, 1, -1));
        assertThrows(IllegalArgumentException.class, () -> ClipRange.symmetric(Double.NaN, observed(1)));
    }
}
