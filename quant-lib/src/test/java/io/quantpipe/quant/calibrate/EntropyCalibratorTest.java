package io.quantpipe.quant.calibrate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quantpipe.quant.ConfigException;
import io.quantpipe.quant.calibrate.EntropyCalibrator.Divergence;
import io.quantpipe.quant.calibrate.EntropyCalibrator.ZeroBin;
import io.quantpipe.quant.tensor.QuantSpec;
import io.quantpipe.quant.tensor.QuantType;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class EntropyCalibratorTest {
    private static final QuantSpec INT8 = QuantSpec.int8Symmetric();
    private static final QuantSpec UINT8 = QuantSpec.uint8Affine();
    private static final int BINS = 256;
    private static final double W = 1.0 / BINS;

    /**
     * |x| counts over 256 bins of width 1/256: a noisy exponential bulk with some empty bins, and
     * three isolated outlier bins, the last at 200 so that the histogram's range is exactly 1.
     */
    private static long[] smallHistogram() {
        long[] h = new long[BINS];
        Random r = new Random(21);
        for (int j = 0; j < 90; j++) {
            h[j] = Math.round(400 * Math.exp(-j / 12.0)) + r.nextInt(4);
        }
        h[131] = 3;
        h[160] = 1;
        h[200] = 2;
        return h;
    }

    /** Values at the bin centres, alternating in sign, so that their |x| histogram is {@code h}. */
    private static float[] valuesFor(long[] h) {
        int n = 0;
        for (long c : h) {
            n += (int) c;
        }
        float[] x = new float[n];
        int k = 0;
        for (int j = 0; j < h.length; j++) {
            for (long c = 0; c < h[j]; c++) {
                float v = (float) ((j + 0.5) * W);
                x[k] = k % 2 == 0 ? v : -v;
                k++;
            }
        }
        return x;
    }

    /** The search as ALGORITHMS.md states it, bin by bin, for candidates i = levels .. last + 1. */
    private static double[] referenceDivergences(long[] h, int levels, Divergence div) {
        int n = 0;
        for (int j = 0; j < h.length; j++) {
            if (h[j] > 0) {
                n = j + 1;
            }
        }
        double eps = 1e-4;
        double[] d = new double[n - levels + 1];
        for (int i = levels; i <= n; i++) {
            double[] p = new double[i];
            for (int j = 0; j < h.length; j++) {
                p[Math.min(j, i - 1)] += h[j];
            }
            double[] levelMass = new double[levels];
            int[] levelNonEmpty = new int[levels];
            for (int j = 0; j < i; j++) {
                int level = (int) ((long) j * levels / i);
                levelMass[level] += h[j];
                levelNonEmpty[level] += p[j] > 0 ? 1 : 0;
            }
            double[] q = new double[i];
            for (int j = 0; j < i; j++) {
                int level = (int) ((long) j * levels / i);
                q[j] = p[j] > 0 ? levelMass[level] / levelNonEmpty[level] : 0;
            }
            normalise(smooth(p, eps));
            normalise(smooth(q, eps));
            double kl = 0;
            double reverse = 0;
            double js = 0;
            for (int j = 0; j < i; j++) {
                kl += p[j] * Math.log(p[j] / q[j]);
                reverse += q[j] * Math.log(q[j] / p[j]);
                double m = (p[j] + q[j]) / 2;
                js += 0.5 * p[j] * Math.log(p[j] / m) + 0.5 * q[j] * Math.log(q[j] / m);
            }
            d[i - levels] = switch (div) {
                case KL -> kl;
                case SYMMETRIC_KL -> kl + reverse;
                case JS -> js;
            };
        }
        return d;
    }

    private static double[] smooth(double[] x, double eps) {
        for (int j = 0; j < x.length; j++) {
            if (x[j] == 0) {
                x[j] = eps;
            }
        }
        return x;
    }

    private static void normalise(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v;
        }
        for (int j = 0; j < x.length; j++) {
            x[j] /= s;
        }
    }

    @ParameterizedTest
    @CsvSource({"KL, 8, KEEP", "KL, 5, KEEP", "KL, 128, KEEP", "SYMMETRIC_KL, 8, KEEP", "SYMMETRIC_KL, 6, KEEP",
            "JS, 8, KEEP", "JS, 7, KEEP",
            "KL, 8, SMOOTH", "KL, 128, SMOOTH", "SYMMETRIC_KL, 6, SMOOTH", "JS, 8, SMOOTH", "JS, 7, SMOOTH"})
    void searchMatchesStraightforwardComputation(Divergence div, int levels, ZeroBin zero) {
        long[] h = smallHistogram();
        TensorState s = TensorState.of(valuesFor(h), BINS);
        assertArrayEquals(h, s.histogram().absCounts(), "test histogram built as designed");
        assertEquals(W, s.histogram().binWidth());

        // Smoothing the zero bin is pytorch-quantization's bins[0] = bins[1] on the searched histogram.
        long[] searched = h.clone();
        if (zero == ZeroBin.SMOOTH) {
            searched[0] = searched[1];
        }
        double[] expected = referenceDivergences(searched, levels, div);
        double[] actual = EntropyCalibrator.divergences(searched, levels, div);
        assertEquals(expected.length, actual.length);
        for (int c = 0; c < expected.length; c++) {
            assertEquals(expected[c], actual[c], 1e-9 * Math.abs(expected[c]) + 1e-13, "candidate " + (c + levels));
        }

        int best = 0;
        for (int c = 1; c < expected.length; c++) {
            if (expected[c] < expected[best]) {
                best = c;
            }
        }
        for (int c = 0; c < expected.length; c++) {
            assertTrue(c == best || expected[c] - expected[best] > 1e-9, "no near tie at candidate " + (c + levels));
        }
        double amax = Math.min((best + levels) * W, s.minMax().absMax());
        ClipRange r = new EntropyCalibrator(div, levels, zero).calibrate(s.minMax(), s.histogram(), INT8);
        assertEquals(amax, r.threshold());
        assertEquals(ClipRange.symmetric(amax, s.minMax()), r);
    }

    @Test
    void zeroBinRuleDecidesSomeSearchesOfTheSmallHistogram() {
        // Bin 0 (about 400) and bin 1 (about 370) differ enough to move some minima: the rule is
        // not a no-op on data without a zero spike, and the reference test covers both outcomes.
        long[] h = smallHistogram();
        TensorState s = TensorState.of(valuesFor(h), BINS);
        int differing = 0;
        for (Divergence d : Divergence.values()) {
            for (int levels = 5; levels <= 8; levels++) {
                double keep = new EntropyCalibrator(d, levels, ZeroBin.KEEP).calibrate(s.minMax(), s.histogram(), INT8).threshold();
                double smooth = new EntropyCalibrator(d, levels, ZeroBin.SMOOTH).calibrate(s.minMax(), s.histogram(), INT8).threshold();
                differing += keep != smooth ? 1 : 0;
            }
        }
        assertTrue(differing > 0, "some search changes with the zero-bin rule");
    }

    /** ReLU of N(0, 1): half the values are exact zeros. */
    private static float[] reluGaussian() {
        return TensorState.relu(TensorState.gaussian(2_000_000, 0, 77));
    }

    /** The positive values only: the same tensor without its zero spike. */
    private static float[] positives(float[] x) {
        int n = 0;
        for (float v : x) {
            n += v > 0 ? 1 : 0;
        }
        float[] p = new float[n];
        int k = 0;
        for (float v : x) {
            if (v > 0) {
                p[k++] = v;
            }
        }
        return p;
    }

    @ParameterizedTest
    @EnumSource(Divergence.class)
    void smoothedZerosLetPostReluTensorsBeClippedAsTheirPositivePartIs(Divergence div) {
        float[] relu = reluGaussian();
        TensorState withZeros = TensorState.of(relu);
        TensorState withoutZeros = TensorState.of(positives(relu));
        assertTrue(withZeros.histogram().absCounts()[0] > 900_000, "zero spike present");

        EntropyCalibrator smooth = new EntropyCalibrator(div, EntropyCalibrator.DEFAULT_LEVELS, ZeroBin.SMOOTH);
        EntropyCalibrator keep = new EntropyCalibrator(div, EntropyCalibrator.DEFAULT_LEVELS, ZeroBin.KEEP);
        double reference = keep.calibrate(withoutZeros.minMax(), withoutZeros.histogram(), INT8).threshold();
        double smoothed = smooth.calibrate(withZeros.minMax(), withZeros.histogram(), INT8).threshold();
        double kept = keep.calibrate(withZeros.minMax(), withZeros.histogram(), INT8).threshold();

        // Positive part of N(0, 1): the search keeps well past 3 sigma.
        assertTrue(reference > 3.5 && reference <= withoutZeros.minMax().absMax(), "reference " + reference);
        assertEquals(reference, smoothed, 0.10 * reference, "smoothed zeros");
        // Plain TensorRT search: the zero spike drags the threshold far down.
        assertTrue(kept < 0.6 * smoothed, "kept zeros " + kept + " against smoothed " + smoothed);
    }

    @Test
    void keptZerosClipPostReluTensorsHarderThanThePercentile() {
        // TensorRT's behaviour, measured: KL keeps about 2 sigma of ReLU(N(0, 1)) where the 99.99th
        // percentile is about 3.7 sigma.
        TensorState s = TensorState.of(reluGaussian());
        double kept = new EntropyCalibrator(Divergence.KL, 128, ZeroBin.KEEP).calibrate(s.minMax(), s.histogram(), INT8).threshold();
        double pct = new PercentileCalibrator().calibrate(s.minMax(), s.histogram(), INT8).threshold();
        assertTrue(pct > 3.6 && pct < 3.8, "percentile " + pct);
        assertTrue(kept < 0.6 * pct, "kept zeros " + kept);
    }

    @Test
    void autoLevelsFollowTheTarget() {
        TensorState nonNegative = TensorState.of(new float[] {0f, 1f});
        TensorState signed = TensorState.of(new float[] {-1f, 1f});
        EntropyCalibrator auto = new EntropyCalibrator();
        // Affine on non-negative data: every level of the target covers [0, threshold].
        assertEquals(256, auto.levelsFor(nonNegative.minMax(), UINT8));
        assertEquals(128, auto.levelsFor(nonNegative.minMax(), UINT8.withReduceRange(true)));
        assertEquals(256, auto.levelsFor(nonNegative.minMax(), new QuantSpec(QuantType.INT8, false, false, false)));
        // Otherwise the non-negative half.
        assertEquals(128, auto.levelsFor(signed.minMax(), UINT8));
        assertEquals(128, auto.levelsFor(nonNegative.minMax(), INT8));
        assertEquals(128, auto.levelsFor(signed.minMax(), INT8));
        assertEquals(128, auto.levelsFor(nonNegative.minMax(), QuantSpec.int8SymmetricPyTorch()));
        assertEquals(64, auto.levelsFor(signed.minMax(), INT8.withReduceRange(true)));
        assertEquals(EntropyCalibrator.MAX_SEARCH_BINS, auto.levelsFor(signed.minMax(), QuantSpec.int32Bias()));
        // Explicit levels win.
        assertEquals(128, new EntropyCalibrator(Divergence.KL, 128).levelsFor(nonNegative.minMax(), UINT8));
    }

    @Test
    void autoLevelsSearchUint8PostReluTensorsWith256Levels() {
        TensorState s = TensorState.of(reluGaussian());
        double auto = new EntropyCalibrator().calibrate(s.minMax(), s.histogram(), UINT8).threshold();
        double l256 = new EntropyCalibrator(Divergence.KL, 256).calibrate(s.minMax(), s.histogram(), UINT8).threshold();
        double l128 = new EntropyCalibrator(Divergence.KL, 128).calibrate(s.minMax(), s.histogram(), UINT8).threshold();
        assertTrue(l256 != l128, "the data tells 128 from 256 levels: " + l128 + ", " + l256);
        assertEquals(l256, auto);
        // The same data to int8 symmetric, and reduce-range uint8, take 128 levels.
        assertEquals(l128, new EntropyCalibrator().calibrate(s.minMax(), s.histogram(), INT8).threshold());
        assertEquals(l128, new EntropyCalibrator().calibrate(s.minMax(), s.histogram(), UINT8.withReduceRange(true)).threshold());
    }

    @Test
    void autoLevelsSearchSignedTensorsWith128LevelsEvenForUint8() {
        TensorState s = TensorState.of(TensorState.gaussian(2_000_000, 0, 77));
        double auto = new EntropyCalibrator().calibrate(s.minMax(), s.histogram(), UINT8).threshold();
        double l256 = new EntropyCalibrator(Divergence.KL, 256).calibrate(s.minMax(), s.histogram(), UINT8).threshold();
        double l128 = new EntropyCalibrator(Divergence.KL, 128).calibrate(s.minMax(), s.histogram(), UINT8).threshold();
        assertTrue(l256 != l128, "the data tells 128 from 256 levels: " + l128 + ", " + l256);
        assertEquals(l128, auto);
    }

    @ParameterizedTest
    @EnumSource(ZeroBin.class)
    void keepsEverythingWhenClippingWouldCutTheOnlyLargeValues(ZeroBin zero) {
        // Half zeros, half ones: clipping the ones puts their mass where Q has none.
        float[] x = new float[2000];
        java.util.Arrays.fill(x, 1000, 2000, 1f);
        TensorState s = TensorState.of(x);
        ClipRange r = new EntropyCalibrator(Divergence.KL, 128, zero).calibrate(s.minMax(), s.histogram(), INT8);
        assertEquals(new ClipRange(0, 1, 1), r);
    }

    @Test
    void fallsBackToAbsMaxWhenTheRangeSpansFewerBinsThanLevels() {
        // 64 bins per side: at most 64 bins over [0, absMax], fewer than 128 levels.
        TensorState s = TensorState.of(TensorState.laplace(10_000, 22), 64);
        ClipRange r = new EntropyCalibrator().calibrate(s.minMax(), s.histogram(), INT8);
        assertEquals(s.minMax().absMax(), r.threshold());
        assertEquals(s.minMax().min(), r.lo());
        assertEquals(s.minMax().max(), r.hi());
    }

    @Test
    void finerHistogramsAreSearchedAtTheLimitResolution() {
        float[] x = TensorState.gaussian(300_000, 0, 23);
        TensorState coarse = TensorState.of(x, EntropyCalibrator.MAX_SEARCH_BINS);
        TensorState fine = TensorState.of(x, 4 * EntropyCalibrator.MAX_SEARCH_BINS);
        for (Divergence d : Divergence.values()) {
            EntropyCalibrator c = new EntropyCalibrator(d, EntropyCalibrator.DEFAULT_LEVELS);
            assertEquals(c.calibrate(coarse.minMax(), coarse.histogram(), INT8), c.calibrate(fine.minMax(), fine.histogram(), INT8));
        }
    }

    @Test
    void defaultsAreKlWithSmoothedZerosAndLevelsFromTheTarget() {
        EntropyCalibrator c = new EntropyCalibrator();
        assertEquals(Divergence.KL, c.divergence());
        assertEquals(EntropyCalibrator.AUTO_LEVELS, c.levels());
        assertEquals(ZeroBin.SMOOTH, c.zero());
        assertEquals(ZeroBin.SMOOTH, new EntropyCalibrator(Divergence.JS, 64).zero());
    }

    @Test
    void rejectsBadLevelsDivergencesAndZeroRules() {
        assertThrows(ConfigException.class, () -> new EntropyCalibrator(Divergence.KL, 1));
        assertThrows(ConfigException.class, () -> new EntropyCalibrator(Divergence.KL, -1));
        assertThrows(ConfigException.class, () -> new EntropyCalibrator(Divergence.KL, EntropyCalibrator.MAX_SEARCH_BINS + 1));
        assertThrows(ConfigException.class, () -> new EntropyCalibrator(null, 128));
        assertThrows(ConfigException.class, () -> new EntropyCalibrator(Divergence.KL, 128, null));
        assertThrows(ConfigException.class, () -> Divergence.of("hellinger"));
        assertThrows(ConfigException.class, () -> ZeroBin.of("drop"));
        assertEquals(Divergence.SYMMETRIC_KL, Divergence.of("Symmetric-KL"));
        assertEquals(ZeroBin.KEEP, ZeroBin.of(" Keep"));
    }
}
