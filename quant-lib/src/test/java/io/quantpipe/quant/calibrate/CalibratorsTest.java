package io.quantpipe.quant.calibrate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quantpipe.quant.BadInputException;
import io.quantpipe.quant.ConfigException;
import io.quantpipe.quant.observe.Histogram;
import io.quantpipe.quant.observe.MinMax;
import io.quantpipe.quant.tensor.QuantSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Behaviour every method shares, checked on one state per data set, as a calibration run uses them. */
class CalibratorsTest {
    private static final List<String> ALL = List.of("minmax", "percentile", "percentile:99.99,sides=2",
            "entropy", "entropy:symmetric-kl", "entropy:js", "mse");
    private static final List<QuantSpec> SPECS = List.of(QuantSpec.int8Symmetric(), QuantSpec.uint8Affine());

    @Test
    void uniformDataGivesTheMaximumForEveryMethod() {
        TensorState s = TensorState.of(TensorState.uniform(2_000_000, -1, 1, 41));
        for (String m : ALL) {
            for (QuantSpec spec : SPECS) {
                ClipRange r = CalibrationMethod.parse(m).calibrate(s.minMax(), s.histogram(), spec);
                assertEquals(s.minMax().min(), r.lo(), 0.01, m + " " + spec);
                assertEquals(s.minMax().max(), r.hi(), 0.01, m + " " + spec);
            }
        }
    }

    @Test
    void rareLargeOutliersAreClippedByEntropyAndPercentileNotByMinMax() {
        float[] x = TensorState.withValues(TensorState.laplace(1_000_000, 42),
                1000f, -1000f, 1000f, -1000f, 1000f, -1000f, 1000f, -1000f, 1000f, -1000f);
        TensorState s = TensorState.of(x);
        QuantSpec spec = QuantSpec.int8Symmetric();
        assertEquals(ClipRange.of(-1000, 1000), new MinMaxCalibrator().calibrate(s.minMax(), s.histogram(), spec));
        for (String m : List.of("entropy", "entropy:symmetric-kl", "entropy:js", "percentile")) {
            ClipRange r = CalibrationMethod.parse(m).calibrate(s.minMax(), s.histogram(), spec);
            assertTrue(r.threshold() < 0.05 * 1000, m + " threshold " + r.threshold());
            // Laplace(0, 1) puts 1e-4 of its mass beyond ln(1e4) = 9.2: no method clips below that.
            assertTrue(r.threshold() > 9, m + " threshold " + r.threshold());
        }
    }

    @Test
    void postReluRangesStartAtZero() {
        TensorState s = TensorState.of(TensorState.relu(TensorState.gaussian(500_000, 0, 43)));
        for (String m : ALL) {
            for (QuantSpec spec : SPECS) {
                ClipRange r = CalibrationMethod.parse(m).calibrate(s.minMax(), s.histogram(), spec);
                assertEquals(0.0, r.lo(), m + " " + spec);
                assertTrue(r.hi() > 0 && r.hi() <= s.minMax().max(), m + " " + spec + ": " + r);
            }
        }
    }

    @Test
    void emptyStateGivesZeroRange() {
        MinMax m = new MinMax();
        Histogram h = new Histogram();
        for (String name : ALL) {
            for (QuantSpec spec : SPECS) {
                ClipRange r = CalibrationMethod.parse(name).calibrate(m, h, spec);
                assertEquals(0.0, r.lo(), name);
                assertEquals(0.0, r.hi(), name);
            }
        }
    }

    @Test
    void allZeroDataGivesZeroRange() {
        TensorState s = TensorState.of(new float[1000]);
        for (String name : ALL) {
            for (QuantSpec spec : SPECS) {
                ClipRange r = CalibrationMethod.parse(name).calibrate(s.minMax(), s.histogram(), spec);
                assertEquals(0.0, r.lo(), name);
                assertEquals(0.0, r.hi(), name);
                assertTrue(!r.hasThreshold() || r.threshold() == 0.0, name);
            }
        }
    }

    @Test
    void nonFiniteValuesNeverReachTheRange() {
        float[] x = TensorState.withValues(TensorState.gaussian(100_000, 0, 44),
                Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY);
        TensorState s = TensorState.of(x);
        for (String name : ALL) {
            ClipRange r = CalibrationMethod.parse(name).calibrate(s.minMax(), s.histogram(), QuantSpec.int8Symmetric());
            assertTrue(r.hi() <= s.minMax().max() && r.lo() >= s.minMax().min(), name + ": " + r);
        }
    }

    @Test
    void rangeDoesNotDependOnHowTheDataWasSplit() {
        float[] x = TensorState.laplace(300_000, 45);
        TensorState whole = TensorState.of(x);
        MinMax m = new MinMax();
        Histogram h = new Histogram();
        for (int[] part : new int[][] {{200_000, 100_000}, {0, 7}, {7, 199_993}}) {
            float[] p = java.util.Arrays.copyOfRange(x, part[0], part[0] + part[1]);
            TensorState t = TensorState.of(p);
            m.merge(t.minMax());
            h.merge(t.histogram());
        }
        for (String name : ALL) {
            Calibrator c = CalibrationMethod.parse(name);
            assertEquals(c.calibrate(whole.minMax(), whole.histogram(), QuantSpec.uint8Affine()),
                    c.calibrate(m, h, QuantSpec.uint8Affine()), name);
        }
    }

    @Test
    void histogramMethodsNeedAHistogramOfTheSameValues() {
        TensorState s = TensorState.of(TensorState.gaussian(1000, 0, 46));
        TensorState other = TensorState.of(TensorState.gaussian(999, 0, 47));
        for (String name : ALL) {
            Calibrator c = CalibrationMethod.parse(name);
            if (c.needsHistogram()) {
                assertThrows(ConfigException.class, () -> c.calibrate(s.minMax(), null, QuantSpec.int8Symmetric()), name);
                assertThrows(BadInputException.class, () -> c.calibrate(s.minMax(), other.histogram(), QuantSpec.int8Symmetric()), name);
            } else {
                assertEquals(ClipRange.of(s.minMax().min(), s.minMax().max()), c.calibrate(s.minMax(), null, QuantSpec.int8Symmetric()));
            }
        }
    }
}
