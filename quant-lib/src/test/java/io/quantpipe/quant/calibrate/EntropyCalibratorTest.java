package io.quantpipe.quant.calibrate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quantpipe.quant.ConfigException;
import io.quantpipe.quant.calibrate.EntropyCalibrator.Divergence;
import io.quantpipe.quant.tensor.QuantSpec;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EntropyCalibratorTest {
    private static final QuantSpec INT8 = QuantSpec.int8Symmetric();
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
    @CsvSource({"KL, 8", "KL, 5", "KL, 128", "SYMMETRIC_KL, 8", "SYMMETRIC_KL, 6", "JS, 8", "JS, 7"})
    void searchMatchesStraightforwardComputation(Divergence div, int levels) {
        long[] h = smallHistogram();
        TensorState s = TensorState.of(valuesFor(h), BINS);
        assertArrayEquals(h, s.histogram().absCounts(), "test histogram built as designed");
        assertEquals(W, s.histogram().binWidth());

        double[] expected = referenceDivergences(h, levels, div);
        double[] actual = EntropyCalibrator.divergences(h, levels, div);
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
        ClipRange r = new EntropyCalibrator(div, levels).calibrate(s.minMax(), s.histogram(), INT8);
        assertEquals(amax, r.threshold());
        assertEquals(ClipRange.symmetric(amax, s.minMax()), r);
    }

    @Test
    void keepsEverythingWhenClippingWouldCutTheOnlyLargeValues() {
        // Half zeros, half ones: clipping the ones puts their mass where Q has none.
        float[] x = new float[2000];
        java.util.Arrays.fill(x, 1000, 2000, 1f);
        TensorState s = TensorState.of(x);
        ClipRange r = new EntropyCalibrator().calibrate(s.minMax(), s.histogram(), INT8);
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
    void defaultsAreTensorRts() {
        EntropyCalibrator c = new EntropyCalibrator();
        assertEquals(Divergence.KL, c.divergence());
        assertEquals(128, c.levels());
    }

    @Test
    void rejectsBadLevelsAndDivergences() {
        assertThrows(ConfigException.class, () -> new EntropyCalibrator(Divergence.KL, 1));
        assertThrows(ConfigException.class, () -> new EntropyCalibrator(null, 128));
        assertThrows(ConfigException.class, () -> Divergence.of("hellinger"));
        assertEquals(Divergence.SYMMETRIC_KL, Divergence.of("Symmetric-KL"));
    }
}
