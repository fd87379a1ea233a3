package io.quantpipe.quant.onnx;

import io.quantpipe.quant.ConfigException;
import java.util.Arrays;

/**
 * The range a weight tensor is quantized over, per channel: its exact min / max by default
 * ({@link #minMax()}); a clipping search (MSE, say) can be plugged in instead. The writer turns the
 * range into symmetric int8 parameters, so only {@code max(-min, max)} matters for weights.
 */
@FunctionalInterface
public interface WeightRangeFunction {

    /** One {@code [min[c], max[c]]} per channel; a single channel when the weight is quantized per tensor. */
    record Range(float[] min, float[] max) {
        public Range {
            if (min.length != max.length || min.length == 0) {
                throw new ConfigException("weight range: expected equally many non-zero minima and maxima, found "
                        + min.length + " and " + max.length);
            }
            min = min.clone();
            max = max.clone();
        }

        public int channels() {
            return min.length;
        }

        @Override
        public float[] min() {
            return min.clone();
        }

        @Override
        public float[] max() {
            return max.clone();
        }
    }

    /**
     * The range of a weight.
     *
     * @param values row-major weight values
     * @param shape  the weight's dims
     * @param axis   channel axis, or -1 for one range over the whole tensor
     */
    Range range(float[] values, long[] shape, int axis);

    /** A short name for provenance ({@code minmax}, {@code mse}, ...). */
    default String name() {
        return "custom";
    }

    /** Exact minimum and maximum of each channel. */
    static WeightRangeFunction minMax() {
        return new WeightRangeFunction() {
            @Override
            public Range range(float[] values, long[] shape, int axis) {
                int channels = axis < 0 ? 1 : (int) shape[axis];
                long inner = 1;
                for (int d = axis + 1; axis >= 0 && d < shape.length; d++) {
                    inner *= shape[d];
                }
                float[] min = new float[channels];
                float[] max = new float[channels];
                Arrays.fill(min, Float.POSITIVE_INFINITY);
                Arrays.fill(max, Float.NEGATIVE_INFINITY);
                for (int i = 0; i < values.length; i++) {
                    int c = axis < 0 ? 0 : (int) ((i / inner) % channels);
                    min[c] = Math.min(min[c], values[i]);
                    max[c] = Math.max(max[c], values[i]);
                }
                if (values.length == 0) {
                    Arrays.fill(min, 0f);
                    Arrays.fill(max, 0f);
                }
                return new Range(min, max);
            }

            @Override
            public String name() {
                return "minmax";
            }
        };
    }
}
