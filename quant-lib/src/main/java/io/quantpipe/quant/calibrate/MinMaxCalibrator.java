package io.quantpipe.quant.calibrate;

import io.quantpipe.quant.observe.Histogram;
import io.quantpipe.quant.observe.MinMax;
import io.quantpipe.quant.tensor.QuantSpec;
import java.util.Map;

/**
 * The exact observed range {@code [min, max]} (PyTorch's MinMaxObserver, TensorRT's
 * MinMaxCalibration, ONNX Runtime's MinMax). No threshold; [0, 0] when nothing finite was seen.
 * Needs no histogram, so it also serves per-channel min/max states.
 */
public record MinMaxCalibrator() implements Calibrator {

    @Override
    public ClipRange calibrate(MinMax minMax, Histogram histogram, QuantSpec target) {
        if (minMax == null) {
            throw new IllegalArgumentException("calibration method minmax: expected a min/max state, found null");
        }
        return minMax.isEmpty() ? ClipRange.zero() : ClipRange.of(minMax.min(), minMax.max());
    }

    @Override
    public String name() {
        return "minmax";
    }

    @Override
    public Map<String, Object> parameters() {
        return Map.of();
    }

    @Override
    public boolean needsHistogram() {
        return false;
    }
}
