package io.quantpipe.quant.observe;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Locale;

/**
 * The native fast path of {@link Histogram#updateWithMinMax}: the same state, bit for bit, at 2.2 to
 * 3 times the speed of {@link BitKeyBinning} (ObserverCpuThroughput with AVX-512: 1,066-1,836 M
 * values per CPU-second against 484-622 M), because the bins and the range are computed eight or
 * sixteen values at a time (AVX2 / AVX-512), which C2 in Java 17 does not do for these loops. The
 * kernels are in {@code src/main/c/observe_native.c}, whose opening comment says why their bins are
 * the exact loop's.
 *
 * <p>The library is built for Linux x86-64 and ships in the jar; it is used when it loads and the
 * CPU has AVX2, and {@link BitKeyBinning} (then the exact loop) otherwise, so a cluster mixing both
 * still merges identical states. {@code -Dquantpipe.observe.native=off} turns it off, {@code avx2}
 * keeps it to AVX2; {@link #status()} says which path runs and why.
 *
 * <p>The Java side drives a run: the kernel counts chunks into per-thread int tables on the current
 * grid and stops before a chunk holding a value at or beyond the range, NaN or an infinity. A
 * finite chunk grows the histogram (the tables are folded in first, being on the old grid) and is
 * counted again; a non-finite one, and ranges whose bin scale is not a normal float (below
 * {@code 2^(log2Bins - 127)}), take the exact loop.
 */
final class NativeBinning {
    /** Runs shorter than this take the other paths: a call and its table fold cost a few microseconds. */
    static final int MIN_LENGTH = 1 << 13;
    /** Largest histogram the tables hold: 2^13 bins per side (4 tables x 2^14 ints = 256 KB a thread). */
    static final int MAX_LOG2_BINS = 13;
    /** observe_native.c's chunk: the values a stopped run hands to the exact loop (any length would be correct). */
    static final int CHUNK = 4096;
    /** Interleaved tables the kernels count into; must match TABLES in observe_native.c. */
    private static final int TABLES = 4;

    static final int OFF = 0;
    static final int AVX2 = 1;
    static final int AVX512 = 2;

    private static final String RESOURCE = "/native/linux-x86_64/libquantpipe-observe.so";
    private static final String PROPERTY = "quantpipe.observe.native";
    /** The level every update uses: OFF, AVX2 or AVX512. */
    private static final int LEVEL;
    /** The highest level this CPU runs, whatever the property says. */
    private static final int CPU_LEVEL;
    private static final String STATUS;

    static {
        int cpu = OFF;
        String reason;
        try {
            reason = load();
            if (reason == null) {
                cpu = cpuLevel();
                reason = cpu == OFF ? "the CPU has no AVX2" : null;
            }
        } catch (IOException | LinkageError | SecurityException e) {
            reason = "the library did not load: " + e;
        }
        String wanted = System.getProperty(PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
        int level = switch (wanted) {
            case "off" -> OFF;
            case "avx2" -> Math.min(cpu, AVX2);
            default -> cpu;
        };
        if (reason == null && level == OFF) {
            reason = "-D" + PROPERTY + "=" + wanted;
        }
        // An unknown value is taken as auto, and the status (logged once per JVM) says so.
        String unknown = switch (wanted) {
            case "auto", "off", "avx2" -> "";
            default -> "; -D" + PROPERTY + "=" + wanted + " taken as auto, expected auto, avx2 or off";
        };
        CPU_LEVEL = cpu;
        LEVEL = level;
        STATUS = (level == OFF ? "Java (" + reason + ")" : "native " + (level == AVX512 ? "AVX-512" : "AVX2")) + unknown;
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private NativeBinning() {
    }

    /** Which path observes and, for Java, why: "native AVX-512", "native AVX2" or "Java (reason)". */
    static String status() {
        return STATUS;
    }

    /** The highest kernel level this machine runs (tests run every level up to it). */
    static int supportedLevel() {
        return CPU_LEVEL;
    }

    /** {@link #update} at the configured level, for runs of at least {@link #MIN_LENGTH} values. */
    static boolean updateLongRun(Histogram histogram, FloatBuffer values, MinMax minMax) {
        return values.remaining() >= MIN_LENGTH && update(histogram, values, minMax, LEVEL);
    }

    /**
     * Adds the values between {@code values}' position and limit to {@code histogram} and
     * {@code minMax} as {@link Histogram#updateWithMinMax} does; the buffer's position is unchanged.
     * Returns false, having changed nothing, when this path cannot take the run (level OFF, a
     * histogram finer than 2^13 bins per side, a buffer not in native byte order).
     */
    static boolean update(Histogram histogram, FloatBuffer values, MinMax minMax, int level) {
        if (level == OFF || level > CPU_LEVEL || histogram.log2Bins() > MAX_LOG2_BINS) {
            return false;
        }
        FloatBuffer direct = null;
        float[] heap = null;
        int base;
        if (values.isDirect()) {
            if (values.order() != ByteOrder.nativeOrder()) {
                return false;
            }
            direct = values;
            base = 0;
        } else if (values.hasArray()) {
            heap = values.array();
            base = values.arrayOffset();
        } else {
            return false;
        }
        Scratch scratch = SCRATCH.get();
        int[] keys = scratch.keys;
        keys[0] = Integer.MAX_VALUE;
        keys[1] = Integer.MIN_VALUE;
        int b = histogram.binsPerSide();
        long counted = 0;
        int pos = values.position();
        int end = values.limit();
        while (pos < end) {
            int scaleExponent = histogram.log2Bins() - histogram.exponent();
            if (scaleExponent > Float.MAX_EXPONENT || scaleExponent < Float.MIN_EXPONENT) {
                // The bin scale is no normal float: a range below 2^(log2Bins - 127), or above 2^127 with few bins.
                fold(scratch, histogram, keys);
                pos += exactChunk(histogram, values, pos, end, minMax, scratch);
                continue;
            }
            int hiLimit = ((histogram.exponent() + 127) << 23) - 1; // the bits of the largest float below R
            int done = count(direct, heap, base + pos, end - pos, scratch.tables, b,
                    Math.scalb(1.0f, scaleExponent), -1 - hiLimit, hiLimit, level, keys);
            if (done < 0) {
                throw new IllegalStateException("native binning: the values' memory could not be read");
            }
            counted += done;
            pos += done;
            if (pos == end) {
                break;
            }
            fold(scratch, histogram, keys); // what is counted so far is on the current grid
            float lo = keyValue(keys[2]);
            float hi = keyValue(keys[3]);
            if (Math.abs(lo) <= Float.MAX_VALUE && Math.abs(hi) <= Float.MAX_VALUE) {
                histogram.growTo(Histogram.exponentFor(Math.max(Math.abs(lo), Math.abs(hi)))); // the chunk again
            } else {
                pos += exactChunk(histogram, values, pos, end, minMax, scratch); // NaN or infinities
            }
        }
        fold(scratch, histogram, keys);
        if (counted > 0) {
            histogram.addToTotal(counted);
            minMax.fold(keyValue(keys[0]), keyValue(keys[1]), counted, 0, 0, 0);
        }
        return true;
    }

    /** One chunk from {@code pos} by the exact loop; returns its length. */
    private static int exactChunk(Histogram histogram, FloatBuffer values, int pos, int end, MinMax minMax,
            Scratch scratch) {
        int n = Math.min(CHUNK, end - pos);
        values.get(pos, scratch.chunk, 0, n);
        histogram.updateWithMinMaxExactLoop(scratch.chunk, 0, n, minMax);
        return n;
    }

    /**
     * Adds the tables into the histogram's counts and zeroes them. Only the bins between those of
     * the lowest and highest key counted so far can be touched (zero keys: nothing counted).
     */
    private static void fold(Scratch scratch, Histogram histogram, int[] keys) {
        if (keys[0] > keys[1]) {
            return;
        }
        int b = histogram.binsPerSide();
        double inv = Math.scalb(1.0, histogram.log2Bins() - histogram.exponent());
        int from = Math.max(0, b + (int) Math.floor(keyValue(keys[0]) * inv));
        int to = Math.min(2 * b - 1, b + (int) Math.floor(keyValue(keys[1]) * inv));
        long[] counts = histogram.countsUnsafe();
        int[] t = scratch.tables;
        int stride = 2 * b;
        for (int k = 0; k < TABLES; k++) {
            int offset = k * stride;
            for (int i = from; i <= to; i++) {
                counts[i] += t[offset + i];
            }
            Arrays.fill(t, offset + from, offset + to + 1, 0);
        }
    }

    /** The float whose sort key (see {@link Histogram#sortKey}) {@code key} is. */
    private static float keyValue(int key) {
        return Float.intBitsToFloat(Histogram.sortKey(key));
    }

    /** Extracts the library to a temporary file and loads it; returns why not, or null when loaded. */
    private static String load() throws IOException {
        String os = System.getProperty("os.name", "");
        String arch = System.getProperty("os.arch", "");
        if (!os.startsWith("Linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return "no native library for " + os + " " + arch;
        }
        try (InputStream in = NativeBinning.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return "the jar has no " + RESOURCE + " (built without gcc)";
            }
            Path file = Files.createTempFile("quantpipe-observe", ".so");
            try {
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                System.load(file.toAbsolutePath().toString());
            } finally {
                Files.deleteIfExists(file); // mapped once loaded; nothing left behind
            }
        }
        return null;
    }

    private static native int cpuLevel();

    /** See observe_native.c: counts values [offset, offset + length) of direct or heap. */
    private static native int count(FloatBuffer direct, float[] heap, int offset, int length, int[] tables, int b,
            float inv, int loLimit, int hiLimit, int level, int[] keys);

    /** One thread's tables (all zeros between runs), keys and chunk for the exact loop. */
    private static final class Scratch {
        final int[] tables = new int[TABLES * 2 << MAX_LOG2_BINS];
        final int[] keys = new int[4];
        final float[] chunk = new float[CHUNK];
    }
}
