package io.quantpipe.quant.eval;

/** Signal-to-quantization-noise ratio in decibels, {@code 10 log10(signal / noise)}. */
final class Sqnr {
    private Sqnr() {
    }

    /** +Inf when the noise is zero (identical outputs), NaN when nothing was counted. */
    static double decibels(double signal, double noise, long count) {
        if (count == 0) {
            return Double.NaN;
        }
        if (noise == 0) {
            return Double.POSITIVE_INFINITY;
        }
        return 10 * Math.log10(signal / noise);
    }
}
