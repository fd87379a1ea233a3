package io.quantpipe.quant.observe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every kernel level this CPU runs against the exact loop and an independent binning. */
class NativeBinningTest {

    /** Where the build makes the library (see quant-lib/pom.xml), it must load: the tests below would pass vacuously otherwise. */
    @Test
    void theLibraryLoadsWhereTheBuildMakesIt() {
        boolean built = System.getProperty("os.name").startsWith("Linux")
                && System.getProperty("os.arch").equals("amd64") && Files.exists(Path.of("/usr/bin/gcc"));
        if (built) {
            // Loaded: it runs, or it says the CPU is what stops it (the level tests then check it declines).
            String status = NativeBinning.status();
            assertTrue(status.startsWith("native ") || status.equals("Java (the CPU has no AVX2)"), status);
            assertEquals(status.startsWith("native "), NativeBinning.supportedLevel() >= NativeBinning.AVX2, status);
        } else {
            assertEquals(NativeBinning.OFF, NativeBinning.supportedLevel());
            assertTrue(NativeBinning.status().startsWith("Java ("), NativeBinning.status());
        }
    }

    /**
     * The kernel levels this CPU runs; OFF alone where it runs none (no library, no AVX2), where the
     * tests below check that the path declines every run.
     */
    static List<Integer> kernelLevels() {
        List<Integer> out = new ArrayList<>();
        for (int level = NativeBinning.AVX2; level <= NativeBinning.supportedLevel(); level++) {
            out.add(level);
        }
        return out.isEmpty() ? List.of(NativeBinning.OFF) : out;
    }

    /** Updates through the kernel at {@code level}; true when it ran, false (checked) at level OFF. */
    private static boolean updated(Histogram h, FloatBuffer values, MinMax m, int level) {
        boolean took = NativeBinning.update(h, values, m, level);
        assertEquals(level != NativeBinning.OFF, took, "taken at every kernel level: any values, up to 2^13 bins");
        return took;
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (int level : kernelLevels()) {
            for (String kind : Datasets.KINDS) {
                for (int seed = 0; seed < 12; seed++) {
                    out.add(Arguments.of(level, kind, seed));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "level {0} {1} seed {2}")
    @MethodSource("cases")
    void runsOfUpdatesGiveTheSameStateAsTheExactLoop(int level, String kind, int seed) {
        Random rnd = new Random(seed * 1_000_003L + kind.hashCode() + level);
        int bins = 1 << (1 + rnd.nextInt(NativeBinning.MAX_LOG2_BINS));
        Histogram exact = new Histogram(bins);
        MinMax exactMinMax = new MinMax();
        Histogram fast = new Histogram(bins);
        MinMax fastMinMax = new MinMax();
        for (int run = 0; run < 4; run++) {
            // Ranges move between runs and within them (several chunks, odd lengths, odd offsets).
            float[] x = Datasets.make(kind, rnd.nextInt(seed % 3 == 0 ? 5 * NativeBinning.CHUNK + 13 : 3000), rnd);
            float scale = (float) Math.scalb(1.0, rnd.nextInt(60) - 30);
            for (int i = 0; i < x.length; i++) {
                x[i] *= i < x.length / 2 ? 1 : scale;
            }
            int off = x.length == 0 ? 0 : rnd.nextInt(Math.min(x.length, 50));
            exact.updateWithMinMaxExactLoop(x, off, x.length - off, exactMinMax);
            // Odd seeds read direct memory (ONNX Runtime's outputs), even ones heap arrays.
            FloatBuffer values = seed % 2 == 1 ? direct(x).position(off) : FloatBuffer.wrap(x, off, x.length - off);
            if (!updated(fast, values, fastMinMax, level)) {
                return;
            }
            assertEquals(off, values.position(), "position unchanged");
            assertArrayEquals(exact.counts(), fast.counts(), "run " + run);
            assertEquals(exact.exponent(), fast.exponent());
            assertEquals(exact.totalCount(), fast.totalCount());
            assertEquals(exactMinMax, fastMinMax);
        }
    }

    @ParameterizedTest(name = "level {0} {1} seed {2}")
    @MethodSource("cases")
    void matchesAnIndependentExactBinning(int level, String kind, int seed) {
        Random rnd = new Random(seed + 77L * kind.hashCode() + level);
        int bins = 1 << (1 + rnd.nextInt(NativeBinning.MAX_LOG2_BINS));
        float[] x = Datasets.make(kind, 1 + rnd.nextInt(3 * NativeBinning.CHUNK), rnd);
        Histogram h = new Histogram(bins);
        MinMax m = new MinMax();
        if (!updated(h, FloatBuffer.wrap(x), m, level)) {
            return;
        }
        boolean finite = !kind.equals("nonFinite");
        if (finite) {
            assertEquals(ReferenceBinning.exponent(x), h.exponent());
            assertArrayEquals(ReferenceBinning.counts(x, bins), h.counts());
            assertEquals(x.length, m.count());
        }
    }

    static Stream<Integer> levels() {
        return kernelLevels().stream();
    }

    @ParameterizedTest(name = "level {0}")
    @MethodSource("levels")
    void edgesOfBinsAndOfTheRangeLandWhereTheExactLoopPutsThem(int level) {
        // Every value that is a bin edge, one float either side of it, signed zeros, the smallest
        // subnormals and the largest floats below a power of two: in every lane position and chunk tail.
        List<Float> v = new ArrayList<>();
        float w = 0x1p-10f; // R = 4 with 4,096 bins
        for (int k = -4095; k < 4096; k += 37) { // -4096 * w would be -R itself
            v.add(k * w);
            v.add(Math.nextUp(k * w));
            v.add(Math.nextDown(k * w));
        }
        for (float f : new float[] {0.0f, -0.0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL,
                -Float.MIN_NORMAL, Math.nextDown(4.0f), -Math.nextDown(4.0f), -w / 2, w / 2}) {
            v.add(f);
        }
        float[] x = new float[v.size() * 3 + 5];
        for (int i = 0; i < x.length; i++) {
            x[i] = v.get((i * 7919) % v.size());
        }
        Histogram h = new Histogram(4096);
        MinMax m = new MinMax();
        if (!updated(h, FloatBuffer.wrap(x), m, level)) {
            return;
        }
        assertEquals(2, h.exponent());
        assertArrayEquals(ReferenceBinning.counts(x, 4096), h.counts());
        assertEquals(-Math.nextDown(4.0f), m.min());
        assertEquals(Math.nextDown(4.0f), m.max());
    }

    @ParameterizedTest(name = "level {0}")
    @MethodSource("levels")
    void tinyNegativesBesideAHugeRangeStayInBinMinusOne(int level) {
        // R = 2^100, 4,096 bins: the scale 2^-88 takes -1e-30 (and smaller) to a float that rounds
        // to -0.0, whose floor is bin 0; the value still belongs to bin -1, as the exact loop says.
        float[] x = new float[3 * NativeBinning.CHUNK + 1];
        for (int i = 0; i < x.length; i++) {
            x[i] = switch (i % 4) {
                case 0 -> -1e-30f * (1 + i % 7);
                case 1 -> -Float.MIN_VALUE;
                case 2 -> 1e-30f;
                default -> i == 3 ? 1e30f : -0.0f;
            };
        }
        Histogram h = new Histogram(4096);
        MinMax m = new MinMax();
        if (!updated(h, FloatBuffer.wrap(x), m, level)) {
            return;
        }
        assertEquals(100, h.exponent());
        assertEquals(x.length / 2 + 1, h.count(-1)); // cases 0 and 1
        assertArrayEquals(ReferenceBinning.counts(x, 4096), h.counts());
    }

    @ParameterizedTest(name = "level {0}")
    @MethodSource("levels")
    void randomBitPatternsIncludingNaNPayloadsMatchTheExactLoop(int level) {
        Random rnd = new Random(5 + level);
        float[] x = new float[4 * NativeBinning.CHUNK + 3];
        for (int i = 0; i < x.length; i++) {
            x[i] = Float.intBitsToFloat(rnd.nextInt());
        }
        Histogram exact = new Histogram(256);
        MinMax exactMinMax = new MinMax();
        exact.updateWithMinMaxExactLoop(x, 0, x.length, exactMinMax);
        Histogram fast = new Histogram(256);
        MinMax fastMinMax = new MinMax();
        if (!updated(fast, direct(x), fastMinMax, level)) {
            return;
        }
        assertEquals(exact, fast);
        assertEquals(exactMinMax, fastMinMax);
        assertEquals(exactMinMax.nanCount(), fastMinMax.nanCount());
    }

    @Test
    void leavesHistogramsFinerThanItsTablesAndForeignByteOrdersToTheOtherPaths() {
        int level = NativeBinning.supportedLevel();
        Histogram fine = new Histogram(1 << (NativeBinning.MAX_LOG2_BINS + 1));
        MinMax m = new MinMax();
        assertFalse(NativeBinning.update(fine, FloatBuffer.wrap(new float[] {1f, 2f}), m, level));
        FloatBuffer bigEndian = ByteBuffer.allocateDirect(8).order(ByteOrder.BIG_ENDIAN).asFloatBuffer();
        boolean nativeIsBig = ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN;
        assertEquals(nativeIsBig && level > 0, NativeBinning.update(new Histogram(), bigEndian, m, level));
        assertFalse(NativeBinning.update(new Histogram(), FloatBuffer.wrap(new float[] {1f}), m, NativeBinning.OFF));
        assertEquals(0, fine.totalCount());
    }

    @Test
    void longRunsThroughTensorStatsInPlaceGiveTheExactLoopsState() {
        Random rnd = new Random(3);
        float[] x = Datasets.make("postRelu", 3 * NativeBinning.MIN_LENGTH + 5, rnd);
        TensorStats inPlace = new TensorStats(ObserverConfig.defaults());
        assertTrue(inPlace.tryUpdateInPlace(direct(x)));
        Histogram exact = new Histogram();
        MinMax exactMinMax = new MinMax();
        exact.updateWithMinMaxExactLoop(x, 0, x.length, exactMinMax);
        assertEquals(exact, inPlace.histogram());
        assertEquals(exactMinMax, inPlace.minMax());
    }

    private static FloatBuffer direct(float[] x) {
        FloatBuffer b = ByteBuffer.allocateDirect(4 * x.length).order(ByteOrder.nativeOrder()).asFloatBuffer();
        return b.put(0, x);
    }
}
