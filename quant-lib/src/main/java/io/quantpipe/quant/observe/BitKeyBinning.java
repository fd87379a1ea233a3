package io.quantpipe.quant.observe;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * The fast path of {@link Histogram#updateWithMinMax} for long runs of values: the same state,
 * bit for bit, with fewer instructions per value (no floating-point arithmetic, no branch in the
 * loop).
 *
 * <p>Each value is counted under a key made of its sign and the top 20 bits of its magnitude (8
 * exponent bits and 11 mantissa bits) in a per-thread scratch table; when the run is done, the
 * range is grown to its largest value and every touched key is folded into the bin that holds its
 * whole key interval. That is exact because the histogram's grid is a power of two: with the range
 * {@code R = 2^e} and at most 4,096 bins per side, a bin is at least {@code 2^(e-12)} wide, and
 * every value below {@code R} is {@code (2^23 + m) * 2^(E-23)} with {@code E <= e-1}, whose bin
 * {@code floor(x / w)} depends on the top 11 bits of {@code m} only. Two cases need care:
 * <ul>
 *   <li>A negative {@code x} lands in {@code -ceil(|x| / w)}, which depends on whether {@code |x|} is
 *       a multiple of {@code w}: it is {@code -(floor(prev(|x|) / w) + 1)} with {@code prev} the next
 *       float down, so negatives are keyed on {@code bits(|x|) - 1}. {@code -0.0} belongs with
 *       {@code +0.0} in bin 0: its key wraps to the top negative key, which only NaNs share, and is
 *       folded into bin 0.</li>
 *   <li>Subnormals keep one bit too few when the range stays at its smallest, {@code 2^-126}:
 *       runs that would leave it there while holding a subnormal, like runs with NaN or
 *       infinities, are left to the exact loop.</li>
 * </ul>
 * Values below the current bin width go to bin 0 (or -1) whatever the range grows to, so their
 * keys are clamped to one key: the fold then visits at most 12 octaves of keys per sign.
 *
 * <p>The scratch table (4 MB) is per thread and all zeros between calls; one serves every tensor
 * a thread observes.
 */
final class BitKeyBinning {
    /**
     * Runs shorter than this take the exact loop. Folding visits up to 12 x 2,048 keys per sign,
     * which a run must amortise. ObserverCpuThroughput on Gaussian data (M values per CPU-second,
     * post-ReLU / signed): exact loop on 64K runs 516 / 522, this path on 256K runs 536 / 485 and
     * on 1M runs 614 / 567. On the fixture's activations (400K-800K values per batch of 64) it
     * measured 565-639 against the exact loop's 496-579 per tensor, and it reads ONNX Runtime's
     * buffers in place where the exact loop wants a heap copy.
     */
    static final int MIN_LENGTH = 1 << 18;
    /** Bins per side this binning is exact for (one mantissa bit fewer than the keys keep). */
    static final int MAX_LOG2_BINS = 12;

    private static final int KEY_SHIFT = 12; // 23 mantissa bits, 11 kept
    private static final int SIGN_SHIFT = 19; // magnitude keys: 31 - 12 bits
    private static final int NEGATIVE = 1 << SIGN_SHIFT;
    /** Where -0.0 is counted: the top negative key, otherwise reached only by NaNs (never folded). */
    private static final int NEGATIVE_ZERO = (2 << SIGN_SHIFT) - 1;
    private static final ThreadLocal<int[]> SCRATCH = ThreadLocal.withInitial(() -> new int[2 << SIGN_SHIFT]);
    private static final int MAX_FINITE_KEY = sortKey(Float.floatToRawIntBits(Float.MAX_VALUE));
    private static final int MIN_FINITE_KEY = sortKey(Float.floatToRawIntBits(-Float.MAX_VALUE));

    private BitKeyBinning() {
    }

    /**
     * Adds the values between {@code values}' position and limit to {@code histogram} and
     * {@code minMax} as {@link Histogram#updateWithMinMax} does; the buffer's position is unchanged.
     * A direct buffer (ONNX Runtime's output memory) is read in place. Returns false, having changed
     * nothing, when the run holds NaN or infinities, or subnormals while the range stays at its
     * smallest: the caller then takes the exact loop.
     */
    static boolean update(Histogram histogram, FloatBuffer values, MinMax minMax) {
        if (histogram.log2Bins() > MAX_LOG2_BINS) {
            return false;
        }
        final int[] c = SCRATCH.get();
        final int clamp = clampKey(histogram.exponent(), histogram.log2Bins());
        final int length = values.remaining();
        int loKey = Integer.MAX_VALUE;
        int hiKey = Integer.MIN_VALUE;
        for (int i = values.position(), end = values.limit(); i < end; i++) {
            int bits = Float.floatToRawIntBits(values.get(i));
            int key = sortKey(bits);
            loKey = Math.min(loKey, key);
            hiKey = Math.max(hiKey, key);
            int sign = bits >>> 31;
            // -0.0 wraps to the top negative key, which only NaNs share: see NEGATIVE_ZERO.
            int magnitude = Math.max(((bits & 0x7fffffff) - sign) >>> KEY_SHIFT, clamp);
            c[(sign << SIGN_SHIFT) | magnitude]++;
        }
        if (length == 0) {
            return true;
        }
        float lo = Float.intBitsToFloat(sortKey(loKey));
        float hi = Float.intBitsToFloat(sortKey(hiKey));
        // Highest key touched on each side; the clamp key may hold values (zeros, tiny ones) either way.
        int topPositive = Math.max(clamp, hi > 0 ? Float.floatToRawIntBits(hi) >>> KEY_SHIFT : 0);
        int topNegative = Math.max(clamp, lo < 0 ? (Float.floatToRawIntBits(-lo) - 1) >>> KEY_SHIFT : 0);
        if (loKey < MIN_FINITE_KEY || hiKey > MAX_FINITE_KEY) {
            Arrays.fill(c, 0); // NaN or infinity: keys anywhere up to the top
            return false;
        }
        float amax = Math.max(Math.abs(lo), Math.abs(hi));
        int exponent = Math.max(histogram.exponent(), Histogram.exponentFor(amax));
        if (exponent == Histogram.MIN_EXPONENT && amax != 0) {
            clear(c, 0, clamp, topPositive);
            clear(c, NEGATIVE, clamp, topNegative);
            c[NEGATIVE_ZERO] = 0;
            return false;
        }
        histogram.growTo(exponent);
        long[] counts = histogram.countsUnsafe();
        int b = histogram.binsPerSide();
        double inv = Math.scalb(1.0, histogram.log2Bins() - exponent);
        fold(c, 0, clamp, topPositive, counts, b, inv, false);
        fold(c, NEGATIVE, clamp, topNegative, counts, b, inv, true);
        int negativeZeros = c[NEGATIVE_ZERO];
        c[NEGATIVE_ZERO] = 0;
        counts[b] += negativeZeros; // -0.0 is bin 0, with +0.0
        histogram.addToTotal(length);
        minMax.fold(lo, hi, length, 0, 0, 0);
        return true;
    }

    /**
     * Moves the counts of keys {@code from..to} of one side into {@code counts} and zeroes them. Most
     * keys are empty: they are skipped eight at a time.
     */
    private static void fold(int[] c, int side, int from, int to, long[] counts, int b, double inv, boolean negative) {
        int k = from;
        for (; k + 8 <= to + 1; k += 8) {
            int i = side | k;
            if ((c[i] | c[i + 1] | c[i + 2] | c[i + 3] | c[i + 4] | c[i + 5] | c[i + 6] | c[i + 7]) != 0) {
                for (int j = k; j < k + 8; j++) {
                    foldKey(c, side, j, counts, b, inv, negative);
                }
            }
        }
        for (; k <= to; k++) {
            foldKey(c, side, k, counts, b, inv, negative);
        }
    }

    private static void foldKey(int[] c, int side, int k, long[] counts, int b, double inv, boolean negative) {
        int n = c[side | k];
        if (n != 0) {
            c[side | k] = 0;
            // The key's lowest value: every value of the key lies in its bin.
            int s = (int) Math.floor(Float.intBitsToFloat(k << KEY_SHIFT) * inv);
            counts[negative ? b - 1 - s : b + s] += n;
        }
    }

    /**
     * The key every value below one bin width is clamped to: the last key wholly below
     * {@code 2^(exponent - log2Bins)}. Such values stay in bin 0 (or -1) as the range grows.
     */
    private static int clampKey(int exponent, int log2Bins) {
        float width = Math.scalb(1.0f, exponent - log2Bins);
        return Math.max(0, (Float.floatToRawIntBits(width) >>> KEY_SHIFT) - 1);
    }

    private static void clear(int[] c, int side, int from, int to) {
        Arrays.fill(c, side | from, (side | to) + 1, 0);
    }

    /** Float bits to an int whose signed order is the floats' order; its own inverse. */
    private static int sortKey(int bits) {
        return bits ^ ((bits >> 31) & 0x7fffffff);
    }
}
