package io.quantpipe.quant.calibrate;

import io.quantpipe.quant.observe.MinMax;

/**
 * The range a calibration method clips a tensor's values to, before it is widened to contain zero
 * and turned into a scale and zero point.
 *
 * <p>Methods that search a symmetric threshold {@code t} on |x| (percentile, entropy, MSE) report it
 * as {@code threshold} and clip to the image of the observed {@code [min, max]} under
 * {@code clamp(x, -t, t)}: {@code [clamp(min), clamp(max)]}, which is
 * {@code [max(min, -t), min(max, t)]} whenever that is not empty. A post-ReLU tensor thus gets
 * {@code [0, t]}, not {@code [-t, t]}. Methods without a threshold (minmax, two-sided percentile)
 * have {@code threshold = NaN}.
 *
 * <p>A tensor without finite values gets {@code [0, 0]}; so does an all-zero tensor.
 *
 * @param lo        lower clip bound, finite, never -0.0
 * @param hi        upper clip bound, finite, {@code >= lo}, never -0.0
 * @param threshold the method's symmetric threshold on |x|, or NaN when it has none
 */
public record ClipRange(double lo, double hi, double threshold) {

    public ClipRange {
        if (!Double.isFinite(lo) || !Double.isFinite(hi) || lo > hi) {
            throw new IllegalArgumentException("clip range: expected finite lo <= hi, found [" + lo + ", " + hi + "]");
        }
        if (!Double.isNaN(threshold) && !(threshold >= 0 && threshold < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("clip range: expected a finite threshold >= 0 or NaN, found " + threshold);
        }
        // -0.0 + 0.0 is +0.0: a range never depends on the sign of a zero.
        lo += 0.0;
        hi += 0.0;
        threshold += 0.0;
    }

    /** A range without a threshold. */
    public static ClipRange of(double lo, double hi) {
        return new ClipRange(lo, hi, Double.NaN);
    }

    /** The range of a tensor with no finite values, or only zeros: [0, 0], no threshold. */
    public static ClipRange zero() {
        return of(0, 0);
    }

    /**
     * The observed range clipped by the symmetric threshold {@code t}:
     * {@code [clamp(min, -t, t), clamp(max, -t, t)]}; [0, 0] when nothing was observed.
     */
    public static ClipRange symmetric(double t, MinMax observed) {
        if (!(t >= 0 && t < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("symmetric threshold: expected a finite value >= 0, found " + t);
        }
        if (observed.isEmpty()) {
            return new ClipRange(0, 0, t);
        }
        return new ClipRange(clamp(observed.min(), t), clamp(observed.max(), t), t);
    }

    private static double clamp(double x, double t) {
        return Math.max(-t, Math.min(x, t));
    }

    public boolean hasThreshold() {
        return !Double.isNaN(threshold);
    }

    /** Largest magnitude in the range, {@code max(-lo, hi)}: what a symmetric scale is derived from. */
    public double amax() {
        return Math.max(-lo, hi) + 0.0;
    }
}
