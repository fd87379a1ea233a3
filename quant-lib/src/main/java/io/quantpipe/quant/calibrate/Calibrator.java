package io.quantpipe.quant.calibrate;

import io.quantpipe.quant.observe.Histogram;
import io.quantpipe.quant.observe.MinMax;
import io.quantpipe.quant.tensor.QuantSpec;
import java.util.Map;

/**
 * A calibration method: turns the merged observer state of one tensor into a clipping range.
 *
 * <p>Implementations are immutable values (equal when their parameters are equal) and read the
 * state without changing it, so one state feeds every configured method. {@link #name()} and
 * {@link #parameters()} are what a report lists next to the range; {@link CalibrationMethod#spec}
 * turns them back into a string {@link CalibrationMethod#parse} accepts.
 */
public interface Calibrator {

    /**
     * The clipping range for a tensor.
     *
     * @param minMax    exact min/max of the tensor's finite values
     * @param histogram histogram of the same values; may be null when {@link #needsHistogram()} is false
     * @param target    how the tensor will be quantized (methods that measure quantization error use it)
     * @throws io.quantpipe.quant.ConfigException   when the method needs a histogram and none is given
     * @throws io.quantpipe.quant.BadInputException when min/max and histogram disagree on the value count
     */
    ClipRange calibrate(MinMax minMax, Histogram histogram, QuantSpec target);

    /** Method name as {@link CalibrationMethod#parse} accepts it: minmax, percentile, entropy, mse. */
    String name();

    /** Parameter names and values (Double, Integer or String), in a stable order. */
    Map<String, Object> parameters();

    /** Whether {@link #calibrate} reads the histogram. */
    default boolean needsHistogram() {
        return true;
    }
}
