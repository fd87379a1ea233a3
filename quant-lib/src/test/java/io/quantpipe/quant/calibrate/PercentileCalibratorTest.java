package io.quantpipe.quant.calibrate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quantpipe.quant.ConfigException;
import io.quantpipe.quant.tensor.QuantSpec;
import org.junit.jupiter.api.Test;

class PercentileCalibratorTest {
    private static final QuantSpec INT8 = QuantSpec.int8Symmetric();

    /**
     * Phi^-1(q) by bisection on Phi(x) = 1/2 + integral_0^x phi, the integral by Simpson's rule.
     * For q = 0.99995 (|x| quantile 0.9999 of N(0, 1)) it is 3.8906 (tables: 3.890592).
     */
    static double inverseNormal(double q) {
        double lo = 0;
        double hi = 10;
        for (int it = 0; it < 80; it++) {
            double mid = (lo + hi) / 2;
            if (normalCdf(mid) < q) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return (lo + hi) / 2;
    }

    private static double normalCdf(double x) {
        int n = 20_000;
        double h = x / n;
        double s = density(0) + density(x);
        for (int i = 1; i < n; i++) {
            s += (i % 2 == 1 ? 4 : 2) * density(i * h);
        }
        return 0.5 + s * h / 3;
    }

    private static double density(double x) {
        return Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
    }

    /** Values in [-t, t): exactly what the |x| bins up to the one with right edge t hold. */
    private static long countWithin(float[] x, double t) {
        long c = 0;
        for (float v : x) {
            if (v >= -t && v < t) {
                c++;
            }
        }
        return c;
    }

    @Test
    void referenceQuantileIsTheTabulatedOne() {
        assertEquals(3.890592, inverseNormal(1 - (1 - 0.9999) / 2), 1e-5);
    }

    @Test
    void gaussianThresholdMatchesTwoSidedNormalQuantile() {
        TensorState s = TensorState.of(TensorState.gaussian(2_000_000, 0, 11));
        ClipRange r = new PercentileCalibrator(99.99).calibrate(s.minMax(), s.histogram(), INT8);
        double expected = inverseNormal(1 - (1 - 0.9999) / 2);
        assertEquals(expected, r.threshold(), 0.01 * expected);
        assertEquals(-r.threshold(), r.lo());
        assertEquals(r.threshold(), r.hi());
    }

    @Test
    void thresholdIsRightEdgeOfFirstBinReachingThePercentile() {
        float[] x = TensorState.laplace(500_000, 12);
        TensorState s = TensorState.of(x);
        double w = s.histogram().binWidth();
        for (double p : new double[] {50, 99, 99.9, 99.99, PercentileCalibrator.ONNX_RUNTIME_PERCENTILE}) {
            double t = new PercentileCalibrator(p).calibrate(s.minMax(), s.histogram(), INT8).threshold();
            double needed = p / 100 * x.length;
            assertTrue(countWithin(x, t) >= needed, "p=" + p + " keeps at least p% of the values");
            assertTrue(countWithin(x, t - w) < needed, "p=" + p + " one bin less keeps fewer");
        }
    }

    @Test
    void hundredPercentIsTheExactAbsMax() {
        TensorState s = TensorState.of(TensorState.gaussian(100_000, 0.5, 13));
        ClipRange r = new PercentileCalibrator(100).calibrate(s.minMax(), s.histogram(), INT8);
        assertEquals(s.minMax().absMax(), r.threshold());
        assertEquals(s.minMax().min(), r.lo());
        assertEquals(s.minMax().max(), r.hi());
    }

    @Test
    void twoSidedCutsHalfTheRestFromEachTail() {
        float[] x = TensorState.gaussian(2_000_000, 3, 14);
        TensorState s = TensorState.of(x);
        double p = 99.99;
        ClipRange r = new PercentileCalibrator(p, true).calibrate(s.minMax(), s.histogram(), QuantSpec.uint8Affine());
        double z = inverseNormal(1 - (1 - p / 100) / 2);
        assertEquals(3 - z, r.lo(), 0.01 * z);
        assertEquals(3 + z, r.hi(), 0.01 * z);
        assertFalse(r.hasThreshold());
        double tail = (1 - p / 100) / 2 * x.length;
        long below = 0;
        long above = 0;
        for (float v : x) {
            below += v < r.lo() ? 1 : 0;
            above += v >= r.hi() ? 1 : 0;
        }
        assertTrue(below <= tail, below + " values below lo, at most " + tail);
        assertTrue(above <= tail, above + " values at or above hi, at most " + tail);
    }

    @Test
    void twoSidedRangeOfPostReluDataStartsAtZero() {
        TensorState s = TensorState.of(TensorState.relu(TensorState.gaussian(200_000, 0, 15)));
        ClipRange r = new PercentileCalibrator(99.9, true).calibrate(s.minMax(), s.histogram(), QuantSpec.uint8Affine());
        assertEquals(0.0, r.lo());
        assertTrue(r.hi() > 2 && r.hi() < s.minMax().max());
    }

    @Test
    void defaultIsModelOptimizers() {
        assertEquals(99.99, new PercentileCalibrator().percentile());
        assertFalse(new PercentileCalibrator().twoSided());
        assertEquals(99.999, PercentileCalibrator.ONNX_RUNTIME_PERCENTILE);
    }

    @Test
    void rejectsPercentilesOutsideZeroToHundred() {
        assertThrows(ConfigException.class, () -> new PercentileCalibrator(0));
        assertThrows(ConfigException.class, () -> new PercentileCalibrator(100.5));
        assertThrows(ConfigException.class, () -> new PercentileCalibrator(Double.NaN));
    }
}
