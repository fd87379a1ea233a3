package io.quantpipe.quant.eval;

import io.quantpipe.quant.io.StateCodec;
import java.math.BigInteger;
import java.util.Arrays;

/**
 * The exact sum of doubles in a long fixed-point accumulator covering every finite double, after
 * Kulisch's long accumulator (U. Kulisch, "Computer Arithmetic and Validity", 2008) in the
 * carry-deferred form of R. Neal's "superaccumulator" (arXiv:1505.05571, 2015).
 *
 * <p>The accumulator holds the sum with no rounding at all, so adding the same values in any order,
 * split over any number of partial sums merged in any tree shape, gives the same state and the same
 * bytes; {@link #value()} rounds the exact sum once, to nearest (correctly rounded except for
 * results below 2^-1022, which are rounded twice). This is why evaluation metrics are bit-identical
 * across partitionings rather than merely close: a compensated (Neumaier) sum would be order
 * dependent in its last bits, and for sums that cancel (cosines of opposite sign) it carries no
 * relative error bound at all.
 *
 * <p>Layout: 68 signed 64-bit limbs, limb {@code i} weighing {@code 2^(32 i - 1074)}. An add puts
 * the 53-bit mantissa into at most three limbs as 32-bit pieces without propagating carries; carries
 * are propagated every 2^30 adds and before merging, reading or writing, leaving limbs 0..66 in
 * {@code [0, 2^32)} and the top limb signed: a unique form for each value. NaN and ±Inf are counted
 * apart and make {@link #value()} NaN or ±Inf as IEEE addition would (+Inf and -Inf give NaN).
 * Cost per add is a few integer operations; memory 544 bytes.
 */
public final class ExactSum {
    private static final int LIMBS = 68;
    private static final int TOP = LIMBS - 1;
    private static final long MASK = 0xFFFF_FFFFL;
    // Normalise before any limb could leave (-2^63, 2^63).
    private static final int MAX_PENDING = 1 << 30;

    private final long[] limbs = new long[LIMBS];
    private int pending;
    private long nanCount;
    private long posInfCount;
    private long negInfCount;

    public ExactSum() {
    }

    /** Adds {@code x} exactly. */
    public ExactSum add(double x) {
        long bits = Double.doubleToRawLongBits(x);
        int biased = (int) ((bits >>> 52) & 0x7FF);
        long mantissa = bits & 0xF_FFFF_FFFF_FFFFL;
        if (biased == 0x7FF) {
            if (mantissa != 0) {
                nanCount++;
            } else if (bits < 0) {
                negInfCount++;
            } else {
                posInfCount++;
            }
            return this;
        }
        if (biased == 0) {
            if (mantissa == 0) {
                return this;
            }
            biased = 1; // subnormal: no implicit bit, same weight as the smallest normal
        } else {
            mantissa |= 1L << 52;
        }
        int position = biased - 1; // bit position of the mantissa's lowest bit, counted from 2^-1074
        int i = position >>> 5;
        int shift = position & 31;
        long low = (mantissa << shift) & MASK;
        long rest = mantissa >>> (32 - shift);
        long mid = rest & MASK;
        long high = rest >>> 32;
        if (bits < 0) {
            limbs[i] -= low;
            limbs[i + 1] -= mid;
            limbs[i + 2] -= high;
        } else {
            limbs[i] += low;
            limbs[i + 1] += mid;
            limbs[i + 2] += high;
        }
        if (++pending >= MAX_PENDING) {
            normalize();
        }
        return this;
    }

    /** Adds {@code other}'s sum into this one; {@code other} is unchanged. */
    public ExactSum merge(ExactSum other) {
        if (other == this) {
            throw new IllegalArgumentException("cannot merge an exact sum into itself");
        }
        normalize();
        // Our limbs are in [0, 2^32) now and theirs within (-2^62 - 2^32, 2^62 + 2^32): no overflow.
        for (int i = 0; i < LIMBS; i++) {
            limbs[i] += other.limbs[i];
        }
        pending = 1;
        normalize();
        nanCount += other.nanCount;
        posInfCount += other.posInfCount;
        negInfCount += other.negInfCount;
        return this;
    }

    private void normalize() {
        if (pending == 0) {
            return;
        }
        long carry = 0;
        for (int i = 0; i < TOP; i++) {
            long v = limbs[i] + carry;
            carry = v >> 32;
            limbs[i] = v & MASK;
        }
        limbs[TOP] += carry;
        pending = 0;
    }

    /** The exact sum rounded to the nearest double; NaN or ±Inf when such values were added. */
    public double value() {
        if (nanCount > 0 || (posInfCount > 0 && negInfCount > 0)) {
            return Double.NaN;
        }
        if (posInfCount > 0) {
            return Double.POSITIVE_INFINITY;
        }
        if (negInfCount > 0) {
            return Double.NEGATIVE_INFINITY;
        }
        BigInteger exact = exactScaled();
        int signum = exact.signum();
        if (signum == 0) {
            return 0.0;
        }
        BigInteger magnitude = exact.abs();
        int drop = Math.max(0, magnitude.bitLength() - 64);
        BigInteger top = magnitude.shiftRight(drop);
        if (drop > 0 && magnitude.getLowestSetBit() < drop) {
            top = top.setBit(0); // sticky bit: rounding sees that something nonzero was dropped
        }
        double rounded = Math.scalb(top.doubleValue(), drop - 1074);
        return signum < 0 ? -rounded : rounded;
    }

    /** The sum times 2^1074, an integer. */
    BigInteger exactScaled() {
        long[] v = normalizedCopy();
        BigInteger sum = BigInteger.valueOf(v[TOP]);
        for (int i = TOP - 1; i >= 0; i--) {
            sum = sum.shiftLeft(32).or(BigInteger.valueOf(v[i]));
        }
        return sum;
    }

    public boolean isZero() {
        return nanCount == 0 && posInfCount == 0 && negInfCount == 0 && Arrays.stream(normalizedCopy()).allMatch(l -> l == 0);
    }

    private long[] normalizedCopy() {
        normalize();
        return limbs.clone();
    }

    /** A copy with the same sum. */
    public ExactSum copy() {
        ExactSum c = new ExactSum();
        System.arraycopy(limbs, 0, c.limbs, 0, LIMBS);
        c.pending = pending;
        c.nanCount = nanCount;
        c.posInfCount = posInfCount;
        c.negInfCount = negInfCount;
        return c;
    }

    /** Writes the special counts, then the nonzero span of limbs in canonical form. */
    void write(StateCodec.Writer w) {
        normalize();
        w.varint(nanCount).varint(posInfCount).varint(negInfCount);
        int lo = 0;
        while (lo < LIMBS && limbs[lo] == 0) {
            lo++;
        }
        if (lo == LIMBS) {
            w.varint(0);
            return;
        }
        int hi = TOP;
        while (limbs[hi] == 0) {
            hi--;
        }
        w.varint(hi - lo + 1).varint(lo);
        for (int i = lo; i <= hi; i++) {
            w.varint(limbs[i]);
        }
    }

    static ExactSum read(StateCodec.Reader r) {
        ExactSum s = new ExactSum();
        s.nanCount = r.varint(0, Long.MAX_VALUE, "NaN count");
        s.posInfCount = r.varint(0, Long.MAX_VALUE, "+Inf count");
        s.negInfCount = r.varint(0, Long.MAX_VALUE, "-Inf count");
        int n = r.varintInt(0, LIMBS, "limb count");
        if (n == 0) {
            return s;
        }
        int lo = r.varintInt(0, LIMBS - n, "lowest limb");
        for (int i = lo; i < lo + n; i++) {
            s.limbs[i] = i == TOP ? r.varint() : r.varint(0, MASK, "limb " + i);
        }
        if (s.limbs[lo] == 0 || s.limbs[lo + n - 1] == 0) {
            throw r.bad("expected an exact sum in canonical form, found zero limbs at the ends of its span");
        }
        return s;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ExactSum e && e.nanCount == nanCount && e.posInfCount == posInfCount
                && e.negInfCount == negInfCount && Arrays.equals(e.normalizedCopy(), normalizedCopy());
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(normalizedCopy());
    }

    @Override
    public String toString() {
        return "ExactSum[" + value() + "]";
    }
}
