package io.quantpipe.quant.observe;

/**
 * What to keep per observed tensor.
 *
 * @param binsPerSide         histogram bins on each side of zero (power of two); see {@link Histogram}
 * @param channelAxis         axis for per-channel min/max, or -1 for none (activations: 1 for NCHW)
 * @param channelHistograms   also keep one histogram per channel (needs {@code channelAxis >= 0})
 */
public record ObserverConfig(int binsPerSide, int channelAxis, boolean channelHistograms) {

    public ObserverConfig {
        Histogram.checkBinsPerSide(binsPerSide);
        if (channelAxis < -1) {
            throw new IllegalArgumentException("channel axis: expected -1 (none) or >= 0, found " + channelAxis);
        }
        if (channelHistograms && channelAxis < 0) {
            throw new IllegalArgumentException("per-channel histograms need a channel axis");
        }
    }

    /** Per-tensor min/max and histogram with the default resolution. */
    public static ObserverConfig defaults() {
        return new ObserverConfig(Histogram.DEFAULT_BINS_PER_SIDE, -1, false);
    }
}
