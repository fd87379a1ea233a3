/**
 * Calibration methods: turn a tensor's merged observer state ({@link io.quantpipe.quant.observe.MinMax}
 * and {@link io.quantpipe.quant.observe.Histogram}) into a clipping range.
 *
 * <p>Methods and their parameters are data ({@link io.quantpipe.quant.calibrate.CalibrationMethod}
 * parses {@code "minmax"}, {@code "percentile:99.99"}, {@code "entropy:js"}, {@code "mse"}), so one
 * state feeds every method and a run reports them side by side. A {@link
 * io.quantpipe.quant.calibrate.ClipRange} is the raw range values are clipped to; making it contain
 * zero and deriving scale and zero point happens in {@code io.quantpipe.quant.tensor}.
 */
package io.quantpipe.quant.calibrate;
