package io.quantpipe.quant.tensor;

import io.quantpipe.quant.ConfigException;

/**
 * Integer-only requantization (Jacob et al. 2018, "Quantization and Training of Neural Networks for
 * Efficient Integer-Arithmetic-Only Inference"; gemmlowp / TFLite): the real multiplier
 * {@code M = s_in * s_w / s_out} is written as {@code M0 * 2^-shift} with {@code M0} in [0.5, 1)
 * stored as the int32 {@code rint(M0 * 2^31)}; if that rounds up to 2^31 it is halved and the shift
 * decremented.
 *
 * <p>{@link #apply} computes {@code RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(acc, M0), shift)},
 * i.e. two roundings, each exact to the rational value before it:
 * <ol>
 *   <li>{@code h = floor(acc * M0 / 2^31 + 1/2)}: nearest, ties toward +infinity (gemmlowp's nudge
 *       {@code 1 - 2^30} for negative products makes negative ties round toward zero); saturates to
 *       {@code INT32_MAX} only for {@code acc = M0 = INT32_MIN}, which cannot happen with a positive M0;</li>
 *   <li>{@code h / 2^shift} rounded to nearest, ties away from zero.</li>
 * </ol>
 * The result is therefore within {@code 1/2 + 2^-(shift+1)} of {@code acc * M0 / 2^(31+shift)}.
 * A negative shift (M at least 1) is applied as a left shift of {@code acc} saturated to int32, then
 * the high multiply alone.
 */
public final class FixedPointMultiplier {
    /** Shifts beyond this leave nothing of a 32-bit accumulator. */
    static final int MAX_SHIFT = 62;
    static final int MIN_SHIFT = -31;

    private final int multiplier;
    private final int shift;

    private FixedPointMultiplier(int multiplier, int shift) {
        this.multiplier = multiplier;
        this.shift = shift;
    }

    /** From the real multiplier {@code M}, which must be positive, finite, in [2^-62, 2^31). */
    public static FixedPointMultiplier of(double realMultiplier) {
        if (!(realMultiplier > 0) || Double.isInfinite(realMultiplier)) {
            throw new ConfigException("expected a positive finite requantization multiplier, found " + realMultiplier);
        }
        // M = m * 2^e with m in [1, 2), so M0 = m / 2 and shift = -(e + 1).
        int e = Math.getExponent(realMultiplier);
        int shift = -(e + 1);
        double m0 = Math.scalb(realMultiplier, shift);
        long q = (long) Math.rint(m0 * (1L << 31));
        if (q == 1L << 31) {
            q /= 2;
            shift -= 1;
        }
        if (shift > MAX_SHIFT || shift < MIN_SHIFT) {
            throw new ConfigException("expected a requantization multiplier in [2^-" + MAX_SHIFT + ", 2^31), found " + realMultiplier);
        }
        return new FixedPointMultiplier((int) q, shift);
    }

    /** {@code M = inputScale * weightScale / outputScale}, computed in double. */
    public static FixedPointMultiplier forScales(float inputScale, float weightScale, float outputScale) {
        return of((double) inputScale * weightScale / outputScale);
    }

    /** M0 as a Q31 int32, in [2^30, 2^31). */
    public int multiplier() {
        return multiplier;
    }

    /** Right shift n (negative: left shift). */
    public int shift() {
        return shift;
    }

    /** The multiplier actually applied, {@code multiplier * 2^-(31 + shift)}. */
    public double value() {
        return Math.scalb((double) multiplier, -(31 + shift));
    }

    /** {@code acc * M} rounded as described in the class comment. */
    public int apply(int acc) {
        if (shift < 0) {
            long shifted = (long) acc << -shift;
            int saturated = (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, shifted));
            return saturatingRoundingDoublingHighMul(saturated, multiplier);
        }
        return roundingDivideByPowerOfTwo(saturatingRoundingDoublingHighMul(acc, multiplier), shift);
    }

    /** {@code saturate(apply(acc) + zeroPoint)} to {@code [qmin, qmax]}: the output of an integer kernel. */
    public int requantize(int acc, int zeroPoint, int qmin, int qmax) {
        long v = (long) apply(acc) + zeroPoint;
        return (int) Math.max(qmin, Math.min(qmax, v));
    }

    /** gemmlowp's SaturatingRoundingDoublingHighMul: nearest of {@code a * b / 2^31}, ties toward +infinity. */
    static int saturatingRoundingDoublingHighMul(int a, int b) {
        if (a == Integer.MIN_VALUE && b == Integer.MIN_VALUE) {
            return Integer.MAX_VALUE;
        }
        long ab = (long) a * b;
        long nudge = ab >= 0 ? 1L << 30 : 1 - (1L << 30);
        // Java's long division truncates toward zero, as C++'s does.
        return (int) ((ab + nudge) / (1L << 31));
    }

    /** gemmlowp's RoundingDivideByPOT: nearest of {@code x / 2^exponent}, ties away from zero. */
    static int roundingDivideByPowerOfTwo(int x, int exponent) {
        long mask = (1L << exponent) - 1;
        long remainder = x & mask;
        long threshold = (mask >> 1) + (x < 0 ? 1 : 0);
        return (int) (((long) x >> exponent) + (remainder > threshold ? 1 : 0));
    }
}
