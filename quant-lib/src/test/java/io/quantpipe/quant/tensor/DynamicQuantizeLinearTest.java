package io.quantpipe.quant.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.quantpipe.quant.BadInputException;
import org.junit.jupiter.api.Test;

class DynamicQuantizeLinearTest {

    @Test
    void allZeroTensorGetsScaleOneAndZeroPointZero() {
        DynamicQuantizeLinear d = DynamicQuantizeLinear.apply(new float[] {0f, -0f, 0f});
        assertEquals(1f, d.scale());
        assertEquals(0, d.zeroPoint());
        assertArrayEquals(new int[] {0, 0, 0}, d.y());
    }

    @Test
    void zeroPointPlacesZeroAtTheRoundedOffset() {
        // [-1, 3]: scale 4/255, zero point rint(63.75) = 64; the ends land on 0 and 255.
        DynamicQuantizeLinear d = DynamicQuantizeLinear.apply(new float[] {-1f, 0f, 3f});
        assertEquals(4f / 255f, d.scale());
        assertEquals(64, d.zeroPoint());
        assertArrayEquals(new int[] {0, 64, 255}, d.y());
        assertArrayEquals(new float[] {-64 * d.scale(), 0f, 191 * d.scale()}, Quantizer.of(d.params()).dequantize(d.y()));
    }

    @Test
    void rejectsNonFiniteValues() {
        assertThrows(BadInputException.class, () -> DynamicQuantizeLinear.apply(new float[] {1f, Float.NaN}));
        assertThrows(BadInputException.class, () -> DynamicQuantizeLinear.apply(new float[] {Float.NEGATIVE_INFINITY}));
    }
}
