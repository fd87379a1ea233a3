package io.quantpipe.quant.calibrate;

import io.quantpipe.quant.observe.Histogram;
import io.quantpipe.quant.observe.MinMax;
import io.quantpipe.quant.onnx.WeightRangeFunction;
import io.quantpipe.quant.tensor.QuantSpec;

/**
 * Weight ranges chosen per channel by {@link MseCalibrator}: the clip that minimises the expected
 * squared error of int8 symmetric quantization of that channel's weights. Clipping rare large weights
 * can pay off for wide channels; for small ones it usually returns the exact range.
 */
public final class MseWeightRange implements WeightRangeFunction {
    private final MseCalibrator mse;
    private final QuantSpec spec;
    private final int binsPerSide;

    public MseWeightRange() {
        this(new MseCalibrator(), QuantSpec.int8Symmetric(), 1024);
    }

    public MseWeightRange(MseCalibrator mse, QuantSpec spec, int binsPerSide) {
        this.mse = mse;
        this.spec = spec;
        this.binsPerSide = binsPerSide;
    }

    @Override
    public Range range(float[] values, long[] shape, int axis) {
        int channels = axis < 0 ? 1 : (int) shape[axis];
        long inner = 1;
        for (int d = axis + 1; d < shape.length && axis >= 0; d++) {
            inner *= shape[d];
        }
        long outer = axis < 0 ? 1 : values.length / (channels * inner);
        int perChannel = (int) (values.length / channels);
        float[] min = new float[channels];
        float[] max = new float[channels];
        float[] gathered = new float[perChannel];
        for (int c = 0; c < channels; c++) {
            if (axis < 0) {
                System.arraycopy(values, 0, gathered, 0, values.length);
            } else {
                for (long o = 0; o < outer; o++) {
                    System.arraycopy(values, (int) ((o * channels + c) * inner), gathered, (int) (o * inner), (int) inner);
                }
            }
            MinMax mm = new MinMax();
            mm.update(gathered);
            Histogram h = new Histogram(binsPerSide);
            h.update(gathered);
            ClipRange r = mse.calibrate(mm, h, spec);
            min[c] = (float) r.lo();
            max[c] = (float) r.hi();
        }
        return new Range(min, max);
    }

    @Override
    public String name() {
        return "mse";
    }
}
