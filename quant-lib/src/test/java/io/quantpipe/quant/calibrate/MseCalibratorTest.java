package io.quantpipe.quant.calibrate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quantpipe.quant.ConfigException;
import io.quantpipe.quant.observe.MinMax;
import io.quantpipe.quant.tensor.QuantSpec;
import io.quantpipe.quant.tensor.QuantType;
import org.junit.jupiter.api.Test;

class MseCalibratorTest {
    private static final QuantSpec INT8 = QuantSpec.int8Symmetric();
    private static final QuantSpec UINT8 = QuantSpec.uint8Affine();

    /** ONNX QuantizeLinear then DequantizeLinear: rint, add zero point, saturate, subtract, scale. */
    private static double fakeQuantize(double x, double scale, long zeroPoint, QuantSpec spec) {
        long q = (long) Math.rint(x / scale) + zeroPoint;
        q = Math.max(spec.qmin(), Math.min(spec.qmax(), q));
        return (q - zeroPoint) * scale;
    }

    /** Midpoint rule over many pieces. */
    private static double numericIntegral(QuantGrid g, QuantSpec spec, double a, double b) {
        int n = 400_000;
        double h = (b - a) / n;
        double s = 0;
        for (int k = 0; k < n; k++) {
            double x = a + (k + 0.5) * h;
            double e = x - fakeQuantize(x, g.scale, g.zeroPoint, spec);
            s += e * e;
        }
        return s * h;
    }

    /** Scale and zero point for the clip range of threshold t, per ALGORITHMS.md, written out here. */
    private static double sampleError(float[] x, double t, MinMax observed, QuantSpec spec) {
        double scale;
        long zp;
        if (spec.symmetric()) {
            scale = t / ((spec.qmax() - spec.qmin()) / 2.0);
            zp = Math.floorDiv(spec.qmin() + spec.qmax() + 1, 2);
        } else {
            double lo = Math.min(0, Math.max(-t, Math.min(observed.min(), t)));
            double hi = Math.max(0, Math.max(-t, Math.min(observed.max(), t)));
            scale = (hi - lo) / (spec.qmax() - spec.qmin());
            zp = Math.max(spec.qmin(), Math.min(spec.qmax(), spec.qmin() - (long) Math.rint(lo / scale)));
        }
        double s = 0;
        for (float v : x) {
            double e = v - fakeQuantize(v, scale, zp, spec);
            s += e * e;
        }
        return s / x.length;
    }

    @Test
    void closedFormMatchesNumericIntegration() {
        QuantSpec int8Affine7Bit = new QuantSpec(QuantType.INT8, false, false, true);
        Object[][] grids = {
            {QuantGrid.symmetric(INT8, 1.27), INT8},
            {QuantGrid.symmetric(QuantSpec.int8SymmetricPyTorch(), 2.0), QuantSpec.int8SymmetricPyTorch()},
            {QuantGrid.affine(UINT8, -0.3, 2.0), UINT8},
            {QuantGrid.affine(int8Affine7Bit, -1.0, 0.6), int8Affine7Bit},
        };
        double[][] intervals = {
            {0.001, 0.003}, {-0.5, 0.73}, {1.2, 1.4}, {1.5, 2.5}, {-2.5, -1.9}, {0.0051, 0.0052}, {-0.31, -0.29}, {-3, 3},
        };
        for (Object[] gs : grids) {
            QuantGrid g = (QuantGrid) gs[0];
            QuantSpec spec = (QuantSpec) gs[1];
            for (double[] iv : intervals) {
                double expected = numericIntegral(g, spec, iv[0], iv[1]);
                double actual = g.squaredErrorIntegral(iv[0], iv[1]);
                assertEquals(expected, actual, 1e-6 * expected + 1e-20, g + " over [" + iv[0] + ", " + iv[1] + "]");
            }
            double x = 0.123;
            double e = x - fakeQuantize(x, g.scale, g.zeroPoint, spec);
            assertEquals(e * e, g.meanSquaredError(x, x), 1e-15, "a point mass");
        }
    }

    @Test
    void gridsFollowTheScaleAndZeroPointFormulas() {
        QuantGrid sym = QuantGrid.symmetric(INT8, 1.27);
        assertEquals(0.01, sym.scale, 1e-15);
        assertEquals(0, sym.zeroPoint);
        assertEquals(-1.27, sym.lowest, 1e-12);
        assertEquals(1.27, sym.highest, 1e-12);
        QuantGrid torch = QuantGrid.symmetric(QuantSpec.int8SymmetricPyTorch(), 2.55);
        assertEquals(0.02, torch.scale, 1e-15);
        assertEquals(-2.56, torch.lowest, 1e-12);
        QuantGrid uint8Sym = QuantGrid.symmetric(new QuantSpec(QuantType.UINT8, true, false, false), 1.275);
        assertEquals(128, uint8Sym.zeroPoint);
        QuantGrid aff = QuantGrid.affine(UINT8, -1, 3);
        assertEquals(4.0 / 255, aff.scale, 1e-15);
        assertEquals(64, aff.zeroPoint);  // 0 - rint(-1 / (4/255)) = rint(63.75)
        QuantGrid relu = QuantGrid.affine(UINT8, 0.5, 2.55);
        assertEquals(0.01, relu.scale, 1e-15);
        assertEquals(0, relu.zeroPoint);
    }

    @Test
    void binsAsUniformDensitiesGiveTheSampleErrorWhereBinCentresDoNot() {
        // Bins as wide as the quantization step, centred between grid points: the worst case for
        // putting each bin's count at its centre.
        float[] x = TensorState.uniform(400_000, 0, 1, 31);
        TensorState s = TensorState.of(x, 256);
        double w = s.histogram().binWidth();
        QuantGrid g = QuantGrid.affine(UINT8, 0, 255 * w);
        assertEquals(w, g.scale, 1e-15);
        double sample = 0;
        double centres = 0;
        for (float v : x) {
            double e = v - fakeQuantize(v, g.scale, g.zeroPoint, UINT8);
            sample += e * e;
            double c = (Math.floor(v / w) + 0.5) * w;
            double ec = c - fakeQuantize(c, g.scale, g.zeroPoint, UINT8);
            centres += ec * ec;
        }
        sample /= x.length;
        centres /= x.length;
        double closedForm = MseCalibrator.meanSquaredError(s.histogram(), s.minMax(), g);
        assertEquals(sample, closedForm, 0.02 * sample);
        assertTrue(Math.abs(centres - sample) > sample, "centres: " + centres + ", sample: " + sample);
    }

    @Test
    void constantDataIsAPointMassNotABinWideSpread() {
        float[] x = new float[10_000];
        java.util.Arrays.fill(x, 0.7f);
        TensorState s = TensorState.of(x);
        QuantGrid g = MseCalibrator.grid(INT8, 0.7f, s.minMax());
        double e = 0.7f - fakeQuantize(0.7f, g.scale, g.zeroPoint, INT8);
        assertEquals(e * e, MseCalibrator.meanSquaredError(s.histogram(), s.minMax(), g), 1e-18);
        ClipRange r = new MseCalibrator().calibrate(s.minMax(), s.histogram(), INT8);
        assertEquals(new ClipRange(0.7f, 0.7f, 0.7f), r);
    }

    @Test
    void histogramErrorMatchesSampleErrorOnGaussianData() {
        float[] x = TensorState.gaussian(500_000, 0.3, 32);
        TensorState s = TensorState.of(x);
        for (QuantSpec spec : new QuantSpec[] {INT8, UINT8}) {
            for (double t : new double[] {0.5, 2, 3.5, 5}) {
                double expected = sampleError(x, t, s.minMax(), spec);
                double actual = MseCalibrator.meanSquaredError(s.histogram(), s.minMax(), MseCalibrator.grid(spec, t, s.minMax()));
                assertEquals(expected, actual, 0.01 * expected, spec + " t=" + t);
            }
        }
    }

    @Test
    void thresholdMinimisesTheSampleError() {
        float[][] data = {
            TensorState.gaussian(300_000, 0, 33),
            TensorState.withValues(TensorState.laplace(300_000, 34), 1000f),
            TensorState.relu(TensorState.gaussian(300_000, 0.5, 35)),
        };
        for (float[] x : data) {
            TensorState s = TensorState.of(x);
            double absMax = s.minMax().absMax();
            double first = 128 * s.histogram().binWidth();
            for (QuantSpec spec : new QuantSpec[] {INT8, UINT8}) {
                double t = new MseCalibrator().calibrate(s.minMax(), s.histogram(), spec).threshold();
                double best = Double.POSITIVE_INFINITY;
                for (int k = 0; k <= 150; k++) {
                    best = Math.min(best, sampleError(x, first + (absMax - first) * k / 150, s.minMax(), spec));
                }
                double chosen = sampleError(x, t, s.minMax(), spec);
                assertTrue(chosen <= 1.01 * best, spec + ": error " + chosen + " at t=" + t + ", best on a grid " + best);
            }
        }
    }

    @Test
    void uniformDataIsNotClipped() {
        for (float[] x : new float[][] {TensorState.uniform(1_000_000, -1, 1, 36), TensorState.uniform(1_000_000, 0, 3, 37)}) {
            TensorState s = TensorState.of(x);
            for (QuantSpec spec : new QuantSpec[] {INT8, UINT8, QuantSpec.int8SymmetricPyTorch()}) {
                ClipRange r = new MseCalibrator().calibrate(s.minMax(), s.histogram(), spec);
                assertEquals(s.minMax().absMax(), r.threshold(), 0.005 * s.minMax().absMax(), spec.toString());
            }
        }
    }

    @Test
    void keepsRareOutliersThatDominateTheSquaredError() {
        // Ten values at ±1000 among a million Laplace(0, 1) values carry ~10 * 1000^2 of squared
        // error if clipped, more than rounding the bulk with a step of 1000/127 costs (~2 per value).
        float[] x = TensorState.withValues(TensorState.laplace(1_000_000, 38),
                1000f, -1000f, 1000f, -1000f, 1000f, -1000f, 1000f, -1000f, 1000f, -1000f);
        TensorState s = TensorState.of(x);
        double t = new MseCalibrator().calibrate(s.minMax(), s.histogram(), INT8).threshold();
        assertTrue(t > 900, "threshold " + t);
        assertTrue(sampleError(x, t, s.minMax(), INT8) < sampleError(x, 32, s.minMax(), INT8));
    }

    @Test
    void candidatesAreStridedBinEdgesEndingAtAbsMax() {
        TensorState s = TensorState.of(TensorState.gaussian(100_000, 0, 39));
        double w = s.histogram().binWidth();
        double absMax = s.minMax().absMax();
        for (int max : new int[] {1024, 10, 2}) {
            double[] t = new MseCalibrator(128, max).candidates(s.histogram(), absMax);
            assertTrue(t.length <= max && t.length >= 2, "count " + t.length);
            assertEquals(128 * w, t[0]);
            assertEquals(absMax, t[t.length - 1]);
            for (int c = 1; c < t.length; c++) {
                assertTrue(t[c] > t[c - 1]);
            }
        }
        double[] all = new MseCalibrator(128, 1_000_000).candidates(s.histogram(), absMax);
        assertEquals(Math.floor(absMax / w) - 128 + 2, all.length);
    }

    @Test
    void rejectsBadParameters() {
        assertThrows(ConfigException.class, () -> new MseCalibrator(0, 1024));
        assertThrows(ConfigException.class, () -> new MseCalibrator(128, 1));
    }
}
