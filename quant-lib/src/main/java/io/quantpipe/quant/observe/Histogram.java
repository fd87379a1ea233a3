package io.quantpipe.quant.observe;

import io.quantpipe.quant.io.StateCodec;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * Histogram of a tensor's finite values on a data-independent grid, exactly mergeable.
 *
 * <p>The grid covers {@code [-R, R)} with {@code R = 2^exponent} the smallest power of two above
 * every |x| seen, in {@code 2 * binsPerSide} bins of width {@code w = R / binsPerSide}; bin
 * {@code s} (signed, {@code -binsPerSide <= s < binsPerSide}) holds {@code [s*w, (s+1)*w)}. When a
 * value reaches {@code R}, {@code R} doubles (as often as needed) and bin pairs {@code 2s, 2s+1} are
 * summed into bin {@code s}. Because {@code w} is a power of two, {@code x / w} is exact and
 * {@code floor(floor(x/w) / 2) == floor(x / 2w)}: coarsening a histogram gives exactly the histogram
 * built directly on the coarser grid. Two histograms merge by coarsening the finer one to the
 * larger {@code R} and adding counts, so any split of the data, merged in any order or tree shape,
 * gives bit-identical state. (PyTorch's HistogramObserver re-bins on range growth and depends on
 * batch order; ONNX Runtime keeps every activation. Neither merges.)
 *
 * <p>Since the largest |x| lies in {@code [R/2, R)}, at least {@code binsPerSide / 2} bins cover
 * {@code [0, amax]}: the default of 4096 bins per side gives at least 2048, the resolution
 * TensorRT's entropy calibration uses. NaN and ±Inf are skipped (counted by {@link MinMax}).
 * The smallest range is {@code R = 2^-126} (Float.MIN_NORMAL), which also holds all subnormals.
 */
public final class Histogram {
    /** Default bins on each side of zero; gives ≥ 2048 bins over [0, amax]. */
    public static final int DEFAULT_BINS_PER_SIDE = 4096;
    /** Exponent of the smallest range, 2^-126. */
    public static final int MIN_EXPONENT = Float.MIN_EXPONENT;

    private final int binsPerSide;
    private final int log2Bins;
    private int exponent = MIN_EXPONENT;
    private final long[] counts;
    private long total;

    public Histogram() {
        this(DEFAULT_BINS_PER_SIDE);
    }

    /** @param binsPerSide a power of two in [2, 2^20] */
    public Histogram(int binsPerSide) {
        checkBinsPerSide(binsPerSide);
        this.binsPerSide = binsPerSide;
        this.log2Bins = Integer.numberOfTrailingZeros(binsPerSide);
        this.counts = new long[2 * binsPerSide];
    }

    /** Throws unless {@code binsPerSide} is a power of two in [2, 2^20]. */
    static void checkBinsPerSide(int binsPerSide) {
        if (binsPerSide < 2 || binsPerSide > (1 << 20) || Integer.bitCount(binsPerSide) != 1) {
            throw new IllegalArgumentException("bins per side: expected a power of two in [2, 1048576], found " + binsPerSide);
        }
    }

    public void update(float[] values) {
        update(values, 0, values.length);
    }

    /** Adds the finite values of {@code values[offset, offset+length)}. */
    public void update(float[] values, int offset, int length) {
        // One pass: bin on the current grid; a value outside it (rare) grows the grid first.
        // Values binned before a growth are coarsened with the rest, which is exact.
        final long[] c = counts;
        final int b = binsPerSide;
        double inv = Math.scalb(1.0, log2Bins - exponent);
        long skipped = 0;
        for (int i = offset, end = offset + length; i < end; i++) {
            double y = values[i] * inv;
            if (!(Math.abs(y) < b)) {
                float v = values[i];
                if (!(Math.abs(v) <= Float.MAX_VALUE)) {
                    skipped++;
                    continue;
                }
                growTo(exponentFor(Math.abs(v)));
                inv = Math.scalb(1.0, log2Bins - exponent);
                y = v * inv;
            }
            c[(int) Math.floor(y) + b]++;
        }
        total += length - skipped;
    }

    /**
     * Does {@code minMax.update(values, offset, length)} and {@code update(values, offset, length)} in
     * one pass over the values, with bit-identical results: non-finite values already leave the hot
     * loop to be skipped here, so they are counted there too. The range of the finite values is
     * tracked on order-preserving integer keys of their bits (cheaper in this loop than float
     * min/max, which C2 cannot vectorize here): the key order is the order of
     * {@link Math#min(float, float)} / {@link Math#max(float, float)} on non-NaN values, -0.0 below
     * 0.0, so the folded range is the same bits.
     */
    void updateWithMinMax(float[] values, int offset, int length, MinMax minMax) {
        if (!updateLongRun(FloatBuffer.wrap(values, offset, length), minMax)) {
            updateWithMinMaxExactLoop(values, offset, length, minMax);
        }
    }

    /**
     * {@link #updateWithMinMax} by a fast path, for the values between the buffer's position and
     * limit (heap or direct): the native kernels where they run, else bit-key binning. Returns false,
     * having changed nothing, when neither takes the run (too short, per their own limits).
     */
    boolean updateLongRun(FloatBuffer values, MinMax minMax) {
        return NativeBinning.updateLongRun(this, values, minMax) || BitKeyBinning.updateLongRun(this, values, minMax);
    }

    /** The per-value loop behind {@link #updateWithMinMax}, for short runs and the rare values the fast path leaves. */
    void updateWithMinMaxExactLoop(float[] values, int offset, int length, MinMax minMax) {
        final long[] c = counts;
        final int b = binsPerSide;
        double inv = Math.scalb(1.0, log2Bins - exponent);
        int loKey = Integer.MAX_VALUE;
        int hiKey = Integer.MIN_VALUE;
        long nan = 0;
        long posInf = 0;
        long negInf = 0;
        for (int i = offset, end = offset + length; i < end; i++) {
            float v = values[i];
            double y = v * inv;
            if (!(Math.abs(y) < b)) {
                if (!(Math.abs(v) <= Float.MAX_VALUE)) {
                    if (v != v) {
                        nan++;
                    } else if (v > 0) {
                        posInf++;
                    } else {
                        negInf++;
                    }
                    continue;
                }
                growTo(exponentFor(Math.abs(v)));
                inv = Math.scalb(1.0, log2Bins - exponent);
                y = v * inv;
            }
            int key = sortKey(Float.floatToRawIntBits(v));
            loKey = Math.min(loKey, key);
            hiKey = Math.max(hiKey, key);
            c[(int) Math.floor(y) + b]++;
        }
        long finite = length - nan - posInf - negInf;
        total += finite;
        float lo = finite == 0 ? Float.POSITIVE_INFINITY : Float.intBitsToFloat(sortKey(loKey));
        float hi = finite == 0 ? Float.NEGATIVE_INFINITY : Float.intBitsToFloat(sortKey(hiKey));
        minMax.fold(lo, hi, finite, nan, posInf, negInf);
    }

    /**
     * Maps float bits to an int whose signed order is the floats' order (negative floats have their
     * magnitude bits flipped); applied twice it gives the bits back.
     */
    static int sortKey(int bits) {
        return bits ^ ((bits >> 31) & 0x7fffffff);
    }

    /** Smallest k with |x| < 2^k, and never below {@link #MIN_EXPONENT}. */
    static int exponentFor(float absValue) {
        if (absValue < Float.MIN_NORMAL) {
            return MIN_EXPONENT;
        }
        return Math.getExponent(absValue) + 1;
    }

    int log2Bins() {
        return log2Bins;
    }

    /** The counts themselves, for {@link BitKeyBinning} to add into. */
    long[] countsUnsafe() {
        return counts;
    }

    void addToTotal(long n) {
        total += n;
    }

    /** Coarsens in place until the range is at least 2^newExponent. */
    void growTo(int newExponent) {
        if (newExponent <= exponent) {
            return;
        }
        coarsen(counts, binsPerSide, newExponent - exponent);
        exponent = newExponent;
    }

    /**
     * Sums bins into the grid {@code 2^shift} times coarser: signed bin s moves to
     * {@code floor(s / 2^shift)}, an arithmetic shift. Walking outwards from zero on each side
     * never overwrites a bin before it has been read.
     */
    private static void coarsen(long[] c, int b, int shift) {
        int sh = Math.min(shift, 31);
        for (int s = 0; s < b; s++) {
            int t = s >> sh;
            if (t != s) {
                c[t + b] += c[s + b];
                c[s + b] = 0;
            }
        }
        for (int s = -1; s >= -b; s--) {
            int t = s >> sh;
            if (t != s) {
                c[t + b] += c[s + b];
                c[s + b] = 0;
            }
        }
    }

    /** Adds {@code other} into this histogram; {@code other} is unchanged. */
    public Histogram merge(Histogram other) {
        if (other == this) {
            throw new IllegalArgumentException("cannot merge a histogram into itself");
        }
        if (other.binsPerSide != binsPerSide) {
            throw new IllegalArgumentException("histograms must have the same bins per side to merge: "
                    + binsPerSide + " and " + other.binsPerSide);
        }
        if (other.total == 0 && other.exponent <= exponent) {
            return this;
        }
        growTo(other.exponent);
        long[] theirs = other.counts;
        if (other.exponent < exponent) {
            theirs = theirs.clone();
            coarsen(theirs, binsPerSide, exponent - other.exponent);
        }
        for (int i = 0; i < counts.length; i++) {
            counts[i] += theirs[i];
        }
        total += other.total;
        return this;
    }

    public int binsPerSide() {
        return binsPerSide;
    }

    /** The grid covers [-2^exponent, 2^exponent). */
    public int exponent() {
        return exponent;
    }

    /** R = 2^exponent. */
    public double range() {
        return Math.scalb(1.0, exponent);
    }

    /** Width of every bin, R / binsPerSide. */
    public double binWidth() {
        return Math.scalb(1.0, exponent - log2Bins);
    }

    /** Number of finite values counted. */
    public long totalCount() {
        return total;
    }

    /** Count of signed bin s, covering [s*w, (s+1)*w), for -binsPerSide <= s < binsPerSide. */
    public long count(int signedBin) {
        return counts[signedBin + binsPerSide];
    }

    /** All 2*binsPerSide counts, index i holding signed bin i - binsPerSide. A copy. */
    public long[] counts() {
        return counts.clone();
    }

    /**
     * Histogram of |x| over [0, R) in binsPerSide bins of width w: bin j sums signed bins j and
     * -(j+1), i.e. [j*w, (j+1)*w) and [-(j+1)*w, -j*w). This is the histogram TensorRT's entropy
     * calibration and percentile searches run on.
     */
    public long[] absCounts() {
        long[] a = new long[binsPerSide];
        for (int j = 0; j < binsPerSide; j++) {
            a[j] = counts[binsPerSide + j] + counts[binsPerSide - 1 - j];
        }
        return a;
    }

    /** A copy with independent counts. */
    public Histogram copy() {
        Histogram h = new Histogram(binsPerSide);
        h.exponent = exponent;
        h.total = total;
        System.arraycopy(counts, 0, h.counts, 0, counts.length);
        return h;
    }

    /** Versioned bytes; zero runs are skipped so post-ReLU and narrow histograms stay small. */
    public byte[] toBytes() {
        StateCodec.Writer w = new StateCodec.Writer(StateCodec.KIND_HISTOGRAM);
        write(w);
        return w.toBytes();
    }

    void write(StateCodec.Writer w) {
        w.varint(binsPerSide).varint(exponent).varint(total);
        int nonZero = 0;
        for (long c : counts) {
            if (c != 0) {
                nonZero++;
            }
        }
        w.varint(nonZero);
        int last = -1;
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] != 0) {
                w.varint(i - last).varint(counts[i]);
                last = i;
            }
        }
    }

    public static Histogram fromBytes(byte[] bytes) {
        StateCodec.Reader r = new StateCodec.Reader(bytes, StateCodec.KIND_HISTOGRAM, "histogram state");
        Histogram h = read(r);
        r.end();
        return h;
    }

    static Histogram read(StateCodec.Reader r) {
        int bins = r.varintInt();
        Histogram h;
        try {
            h = new Histogram(bins);
        } catch (IllegalArgumentException e) {
            throw new io.quantpipe.quant.BadInputException("histogram state: " + e.getMessage());
        }
        h.exponent = r.varintInt();
        h.total = r.varint();
        int nonZero = r.varintInt();
        int idx = -1;
        long sum = 0;
        for (int k = 0; k < nonZero; k++) {
            idx += r.varintInt();
            if (idx < 0 || idx >= h.counts.length) {
                throw new io.quantpipe.quant.BadInputException("histogram state: bin index " + idx + " out of range");
            }
            h.counts[idx] = r.varint();
            sum += h.counts[idx];
        }
        if (sum != h.total) {
            throw new io.quantpipe.quant.BadInputException("histogram state: expected counts summing to " + h.total + ", found " + sum);
        }
        return h;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Histogram h && h.binsPerSide == binsPerSide && h.exponent == exponent
                && h.total == total && Arrays.equals(h.counts, counts);
    }

    @Override
    public int hashCode() {
        return (31 * binsPerSide + exponent) * 31 + Arrays.hashCode(counts);
    }

    @Override
    public String toString() {
        return "Histogram[binsPerSide=" + binsPerSide + ", range=2^" + exponent + ", total=" + total + "]";
    }
}
