package io.quantpipe.quant.observe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class MovingAverageMinMaxTest {

    @Test
    void firstBatchSetsTheRangeAndLaterBatchesMoveItByTheConstant() {
        MovingAverageMinMax m = new MovingAverageMinMax();
        m.update(new float[] {-1f, 2f});
        m.update(new float[] {-11f, 12f});
        // torch: min = -1 + 0.01 * (-11 - -1) = -1.1 ; max = 2 + 0.01 * (12 - 2) = 2.1 (float32)
        assertEquals(-1f + 0.01f * (-11f + 1f), m.min());
        assertEquals(2f + 0.01f * (12f - 2f), m.max());
        assertEquals(-1.1f, m.min(), 1e-6f);
        assertEquals(2.1f, m.max(), 1e-6f);
    }

    @Test
    void resultDependsOnBatchOrder() {
        MovingAverageMinMax a = new MovingAverageMinMax();
        a.update(new float[] {0f, 1f});
        a.update(new float[] {0f, 10f});
        MovingAverageMinMax b = new MovingAverageMinMax();
        b.update(new float[] {0f, 10f});
        b.update(new float[] {0f, 1f});
        assertEquals(1.09f, a.max(), 1e-6f);
        assertEquals(9.91f, b.max(), 1e-5f);
    }

    @Test
    void bytesRoundTripExactly() {
        MovingAverageMinMax m = new MovingAverageMinMax(0.5f);
        m.update(new float[] {-3f, 4f});
        m.update(new float[] {-1f, 8f});
        byte[] b = m.toBytes();
        MovingAverageMinMax back = MovingAverageMinMax.fromBytes(b);
        assertEquals(6f, back.max());
        assertArrayEquals(b, back.toBytes());
    }
}
