package io.quantpipe.quant.calibrate;

import io.quantpipe.quant.ConfigException;
import io.quantpipe.quant.observe.Histogram;
import io.quantpipe.quant.observe.MinMax;
import io.quantpipe.quant.tensor.QuantSpec;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Percentile calibration, as in NVIDIA's Model Optimizer and ONNX Runtime.
 *
 * <p>One-sided (default): on the |x| histogram, {@code idx} is the first bin whose cumulative count
 * reaches {@code p/100} of the total, and the threshold is the right edge of that bin, capped at the
 * exact absMax; the range is the observed {@code [min, max]} clipped to {@code [-t, t]}. Taking the
 * right edge guarantees at least {@code p}% of the values lie within the range; Model Optimizer and
 * ONNX Runtime take {@code bin_edges[idx]}, the left edge, which can keep slightly less. The default
 * {@code p = 99.99} is Model Optimizer's; ONNX Runtime's is 99.999 ({@link #ONNX_RUNTIME_PERCENTILE}).
 *
 * <p>Two-sided (for affine targets, ONNX Runtime's non-symmetric mode): on the signed histogram,
 * {@code (100 - p) / 2} percent is cut from each tail; the lower bound is the left edge of the first
 * bin whose cumulative count reaches that share, the upper bound the right edge of the first bin
 * reaching {@code 1 - share}, both intersected with the observed {@code [min, max]}. No threshold.
 *
 * <p>Resolution is one histogram bin ({@code R / binsPerSide}). No finite values: [0, 0].
 *
 * @param percentile {@code p} in (0, 100]
 * @param twoSided   cut both tails of the signed histogram instead of one tail of |x|
 */
public record PercentileCalibrator(double percentile, boolean twoSided) implements Calibrator {
    /** Model Optimizer's default percentile. */
    public static final double DEFAULT_PERCENTILE = 99.99;
    /** ONNX Runtime's default percentile (on 2048 bins). */
    public static final double ONNX_RUNTIME_PERCENTILE = 99.999;

    public PercentileCalibrator {
        if (!(percentile > 0 && percentile <= 100)) {
            throw new ConfigException("calibration method percentile: expected a percentile in (0, 100], found " + percentile);
        }
    }

    /** One-sided with Model Optimizer's 99.99. */
    public PercentileCalibrator() {
        this(DEFAULT_PERCENTILE, false);
    }

    /** One-sided on |x|. */
    public PercentileCalibrator(double percentile) {
        this(percentile, false);
    }

    @Override
    public ClipRange calibrate(MinMax minMax, Histogram histogram, QuantSpec target) {
        ObservedState.check(name(), minMax, histogram);
        if (minMax.isEmpty()) {
            return twoSided ? ClipRange.zero() : ClipRange.symmetric(0, minMax);
        }
        double w = histogram.binWidth();
        long total = histogram.totalCount();
        if (!twoSided) {
            int idx = firstReaching(histogram.absCounts(), percentile / 100 * total);
            double t = Math.min((idx + 1) * w, minMax.absMax());
            return ClipRange.symmetric(t, minMax);
        }
        long[] counts = histogram.counts();
        int b = histogram.binsPerSide();
        double tail = (100 - percentile) / 200 * total;
        int loBin = firstReaching(counts, tail) - b;
        int hiBin = firstReaching(counts, total - tail) - b;
        double lo = Math.max(minMax.min(), loBin * w);
        double hi = Math.min(minMax.max(), (hiBin + 1) * w);
        return ClipRange.of(lo, hi);
    }

    /** First index whose cumulative count reaches {@code target}; the last non-empty one at most. */
    private static int firstReaching(long[] counts, double target) {
        long cum = 0;
        int last = ObservedState.lastNonEmpty(counts);
        for (int j = 0; j < last; j++) {
            cum += counts[j];
            if (cum >= target) {
                return j;
            }
        }
        return last;
    }

    @Override
    public String name() {
        return "percentile";
    }

    @Override
    public Map<String, Object> parameters() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("percentile", percentile);
        p.put("sides", twoSided ? 2 : 1);
        return Collections.unmodifiableMap(p);
    }
}
