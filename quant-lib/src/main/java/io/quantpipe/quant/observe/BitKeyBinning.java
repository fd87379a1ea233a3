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
 * a thread observes. Values are counted by one loop over heap buffers: the caller's, or direct
 * memory copied into one a chunk at a time.
 */
final class BitKeyBinning {
    /**
     * Runs shorter than this take the exact loop. Folding visits up to 12 x 2,048 keys per sign
     * (about one add each), which a run must amortise. ObserverCpuThroughput on Gaussian data (M
     * values per CPU-second, post-ReLU / signed): exact loop on 32K runs 510 / 391; this path on
     * 64K runs 586 / 492, on 256K runs 669 / 583, on 1M runs 716 / 625. It also reads ONNX
     * Runtime's buffers a chunk at a time where the exact loop wants a heap copy of the whole run.
     */
    static final int MIN_LENGTH = 1 << 16;
    /** Bins per side this binning is exact for (one mantissa bit fewer than the keys keep). */
    static final int MAX_LOG2_BINS = 12;

    private static final int KEY_SHIFT = 12; // 23 mantissa bits, 11 kept
    private static final int MANTISSA_KEY_BITS = 11;
    private static final int MANTISSA_KEY_MASK = (1 << MANTISSA_KEY_BITS) - 1;
    /** 138 = the float exponent bias plus the kept mantissa bits: see {@link #fold}. */
    private static final int KEY_EXPONENT_OFFSET = 127 + MANTISSA_KEY_BITS;
    private static final int SIGN_SHIFT = 19; // magnitude keys: 31 - 12 bits
    private static final int NEGATIVE = 1 << SIGN_SHIFT;
    /** Where -0.0 is counted: the top negative key, otherwise reached only by NaNs (never folded). */
    private static final int NEGATIVE_ZERO = (2 << SIGN_SHIFT) - 1;
    /** Floats of direct memory copied to the heap at a time: 16 KB, within L1. */
    static final int CHUNK = 4096;
    /** No key seen yet: lowest key Integer.MAX_VALUE, highest Integer.MIN_VALUE, packed as in {@link #count}. */
    private static final long EMPTY_KEY_RANGE = ((long) Integer.MIN_VALUE << 32) | (Integer.MAX_VALUE & 0xffffffffL);
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);
    private static final int MAX_FINITE_KEY = Histogram.sortKey(Float.floatToRawIntBits(Float.MAX_VALUE));
    private static final int MIN_FINITE_KEY = Histogram.sortKey(Float.floatToRawIntBits(-Float.MAX_VALUE));

    private BitKeyBinning() {
    }

    /** {@link #update}, for runs of at least {@link #MIN_LENGTH} values only: false for shorter ones. */
    static boolean updateLongRun(Histogram histogram, FloatBuffer values, MinMax minMax) {
        return values.remaining() >= MIN_LENGTH && update(histogram, values, minMax);
    }

    /**
     * Adds the values between {@code values}' position and limit to {@code histogram} and
     * {@code minMax} as {@link Histogram#updateWithMinMax} does; the buffer's position is unchanged.
     * A direct buffer (ONNX Runtime's output memory) is read a chunk at a time, never copied whole.
     * Returns false, having changed nothing, when the run holds NaN or infinities, or subnormals
     * while the range stays at its smallest: the caller then takes the exact loop.
     */
    static boolean update(Histogram histogram, FloatBuffer values, MinMax minMax) {
        if (histogram.log2Bins() > MAX_LOG2_BINS) {
            return false;
        }
        final Scratch scratch = SCRATCH.get();
        final int[] c = scratch.counts;
        final int clamp = clampKey(histogram.exponent(), histogram.log2Bins());
        final int length = values.remaining();
        long keyRange = EMPTY_KEY_RANGE;
        if (values.hasArray()) {
            keyRange = count(values, c, clamp, keyRange);
        } else {
            // Direct memory (ONNX Runtime's outputs) is copied in L1-sized chunks into a heap buffer
            // and counted by the same loop: the loop then sees heap buffers only (one that read both
            // heap and direct buffers ran about 20% slower), and chunks cost no more than reading in place.
            FloatBuffer chunk = scratch.chunk;
            for (int p = values.position(), end = values.limit(); p < end; ) {
                int n = Math.min(CHUNK, end - p);
                values.get(p, chunk.array(), 0, n);
                keyRange = count(chunk.limit(n), c, clamp, keyRange);
                p += n;
            }
        }
        int loKey = (int) keyRange;
        int hiKey = (int) (keyRange >> 32);
        if (length == 0) {
            return true;
        }
        float lo = Float.intBitsToFloat(Histogram.sortKey(loKey));
        float hi = Float.intBitsToFloat(Histogram.sortKey(hiKey));
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
        fold(c, 0, clamp, topPositive, counts, b, histogram.log2Bins(), exponent, false);
        fold(c, NEGATIVE, clamp, topNegative, counts, b, histogram.log2Bins(), exponent, true);
        int negativeZeros = c[NEGATIVE_ZERO];
        c[NEGATIVE_ZERO] = 0;
        counts[b] += negativeZeros; // -0.0 is bin 0, with +0.0
        histogram.addToTotal(length);
        minMax.fold(lo, hi, length, 0, 0, 0);
        return true;
    }

    /**
     * Counts the values between {@code v}'s position and limit under their keys in {@code c}; returns
     * the lowest and highest sort key seen, {@code keyRange} included, packed as {@code hi << 32 | lo}
     * (see {@link #EMPTY_KEY_RANGE}). Only ever given heap buffers, so that {@code get} stays monomorphic.
     */
    private static long count(FloatBuffer v, int[] c, int clamp, long keyRange) {
        int loKey = (int) keyRange;
        int hiKey = (int) (keyRange >> 32);
        for (int i = v.position(), end = v.limit(); i < end; i++) {
            int bits = Float.floatToRawIntBits(v.get(i));
            int key = Histogram.sortKey(bits);
            loKey = Math.min(loKey, key);
            hiKey = Math.max(hiKey, key);
            int sign = bits >>> 31;
            // -0.0 wraps to the top negative key, which only NaNs share: see NEGATIVE_ZERO.
            int magnitude = Math.max(((bits & 0x7fffffff) - sign) >>> KEY_SHIFT, clamp);
            c[(sign << SIGN_SHIFT) | magnitude]++;
        }
        return ((long) hiKey << 32) | (loKey & 0xffffffffL);
    }

    /**
     * Moves the counts of keys {@code from..to} of one side into {@code counts} and zeroes them, one
     * octave (biased float exponent) at a time. In an octave of exponent {@code E >= 1} the key with
     * mantissa bits {@code m} starts at {@code (2^11 + m) * 2^(E - 138)}, so its bin is
     * {@code (2^11 + m) >> t} with {@code t = exponent - log2Bins + 138 - E}: runs of {@code 2^t}
     * aligned keys share a bin (the whole octave is bin 0 once {@code t >= 12}), and each run is
     * summed and added once, without floating point. {@code t >= 0} because every key folded lies
     * below the range. Subnormal keys (octave 0) take the general per-key formula.
     */
    private static void fold(int[] c, int side, int from, int to, long[] counts, int b, int log2Bins, int exponent,
            boolean negative) {
        double inv = Math.scalb(1.0, log2Bins - exponent);
        for (int k = from; k <= to; ) {
            int octave = k >>> MANTISSA_KEY_BITS;
            int last = Math.min(to, (octave << MANTISSA_KEY_BITS) | MANTISSA_KEY_MASK);
            if (octave == 0) {
                for (int j = k; j <= last; j++) {
                    foldKey(c, side, j, counts, b, inv, negative);
                }
            } else {
                int t = exponent - log2Bins + KEY_EXPONENT_OFFSET - octave;
                // t = 11: the whole octave is one run, bin 1; t > 11: one run, bin 0.
                int runMask = t >= MANTISSA_KEY_BITS ? MANTISSA_KEY_MASK : (1 << t) - 1;
                for (int j = k; j <= last; ) {
                    int stop = Math.min(last, j | runMask);
                    long n = 0;
                    for (int i = side | j, end = side | stop; i <= end; i++) {
                        n += c[i];
                    }
                    if (n != 0) {
                        Arrays.fill(c, side | j, (side | stop) + 1, 0);
                        int s = t > MANTISSA_KEY_BITS ? 0 : ((1 << MANTISSA_KEY_BITS) + (j & MANTISSA_KEY_MASK)) >> t;
                        counts[negative ? b - 1 - s : b + s] += n;
                    }
                    j = stop + 1;
                }
            }
            k = last + 1;
        }
    }

    /** The general fold of one key: its lowest value's bin, in floating point (exact: see the class comment). */
    private static void foldKey(int[] c, int side, int k, long[] counts, int b, double inv, boolean negative) {
        int n = c[side | k];
        if (n != 0) {
            c[side | k] = 0;
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

    /** One thread's scratch: the key counts (all zeros between calls) and the chunk for direct memory. */
    private static final class Scratch {
        final int[] counts = new int[2 << SIGN_SHIFT];
        final FloatBuffer chunk = FloatBuffer.wrap(new float[CHUNK]);
    }
}
