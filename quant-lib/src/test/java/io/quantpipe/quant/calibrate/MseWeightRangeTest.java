package io.quantpipe.quant.calibrate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quantpipe.quant.observe.Histogram;
import io.quantpipe.quant.observe.MinMax;
import io.quantpipe.quant.onnx.WeightRangeFunction;
import io.quantpipe.quant.tensor.QuantSpec;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MseWeightRangeTest {

    @Test
    void eachChannelGetsTheMseRangeOfItsOwnWeights() {
        // Conv-like weight [4, 3, 5, 5], channels on axis 0; channel 2 has one huge weight.
        Random rnd = new Random(4);
        long[] shape = {4, 3, 5, 5};
        int per = 3 * 5 * 5;
        float[] w = new float[4 * per];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (rnd.nextGaussian() * 0.1);
        }
        w[2 * per + 7] = 40f;

        WeightRangeFunction.Range r = new MseWeightRange().range(w, shape, 0);

        assertEquals(4, r.channels());
        for (int c = 0; c < 4; c++) {
            float[] channel = java.util.Arrays.copyOfRange(w, c * per, (c + 1) * per);
            MinMax mm = new MinMax();
            mm.update(channel);
            Histogram h = new Histogram(1024);
            h.update(channel);
            ClipRange expected = new MseCalibrator().calibrate(mm, h, QuantSpec.int8Symmetric());
            assertEquals((float) expected.lo(), r.min()[c], "channel " + c);
            assertEquals((float) expected.hi(), r.max()[c], "channel " + c);
            assertTrue(r.max()[c] <= mm.max() && r.min()[c] >= mm.min(), "within the observed range");
        }
    }

    @Test
    void gathersChannelsOfAnInnerAxis() {
        // Gemm weight [in=3, out=2] quantized along axis 1: channel c is column c.
        float[] w = {1f, -8f, -2f, 4f, 0.5f, 6f};
        WeightRangeFunction.Range r = new MseWeightRange().range(w, new long[] {3, 2}, 1);
        float[][] columns = {{1f, -2f, 0.5f}, {-8f, 4f, 6f}};
        for (int c = 0; c < 2; c++) {
            MinMax mm = new MinMax();
            mm.update(columns[c]);
            Histogram h = new Histogram(1024);
            h.update(columns[c]);
            ClipRange expected = new MseCalibrator().calibrate(mm, h, QuantSpec.int8Symmetric());
            assertEquals((float) expected.lo(), r.min()[c], "column " + c);
            assertEquals((float) expected.hi(), r.max()[c], "column " + c);
        }
        assertTrue(r.min()[1] < -7.9f && r.min()[0] > -2.01f, "column 1 holds -8, column 0 does not");
    }
}
