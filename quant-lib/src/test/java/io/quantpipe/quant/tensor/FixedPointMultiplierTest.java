package io.quantpipe.quant.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quantpipe.quant.ConfigException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FixedPointMultiplierTest {
    @Test
    void splitsTheMultiplierIntoQ31MantissaAndShift() {
        FixedPointMultiplier threeQuarters = FixedPointMultiplier.of(0.75);
        assertEquals(1_610_612_736, threeQuarters.multiplier()); // 0.75 * 2^31
        assertEquals(0, threeQuarters.shift());
        FixedPointMultiplier eighth = FixedPointMultiplier.of(0.125);
        assertEquals(1 << 30, eighth.multiplier());
        assertEquals(2, eighth.shift());
        FixedPointMultiplier tenth = FixedPointMultiplier.of(0.1); // 0.8 * 2^-3
        assertEquals(Math.rint(0.8 * (1L << 31)), tenth.multiplier());
        assertEquals(3, tenth.shift());
        FixedPointMultiplier scales = FixedPointMultiplier.forScales(0.02f, 0.005f, 0.1f);
        assertEquals((double) 0.02f * 0.005f / 0.1f, scales.value(), 1e-9 * scales.value());
    }

    @Test
    void mantissaRoundingUpTo2Pow31IsHalvedAndTheShiftDecremented() {
        FixedPointMultiplier m = FixedPointMultiplier.of(1 - 0x1p-40); // M0 * 2^31 = 2^31 - 2^-9 rounds to 2^31
        assertEquals(1 << 30, m.multiplier());
        assertEquals(-1, m.shift());
        assertEquals(1.0, m.value());
        assertEquals(7, m.apply(7));
    }

    @Test
    void highMultiplyRoundsTiesTowardPlusInfinity() {
        assertEquals(1, FixedPointMultiplier.saturatingRoundingDoublingHighMul(1 << 30, 1));       // 0.5
        assertEquals(0, FixedPointMultiplier.saturatingRoundingDoublingHighMul(-(1 << 30), 1));    // -0.5
        assertEquals(-1, FixedPointMultiplier.saturatingRoundingDoublingHighMul(-(1 << 30) - 1, 1)); // just below -0.5
        assertEquals(-1, FixedPointMultiplier.saturatingRoundingDoublingHighMul(-(3 << 29), 2));  // -1.5
        assertEquals(2, FixedPointMultiplier.saturatingRoundingDoublingHighMul(3 << 29, 2));      // 1.5
        assertEquals(Integer.MAX_VALUE,
                FixedPointMultiplier.saturatingRoundingDoublingHighMul(Integer.MIN_VALUE, Integer.MIN_VALUE));
    }

    @Test
    void divideByPowerOfTwoRoundsTiesAwayFromZero() {
        assertEquals(3, FixedPointMultiplier.roundingDivideByPowerOfTwo(5, 1));   // 2.5
        assertEquals(-3, FixedPointMultiplier.roundingDivideByPowerOfTwo(-5, 1)); // -2.5
        assertEquals(2, FixedPointMultiplier.roundingDivideByPowerOfTwo(3, 1));   // 1.5
        assertEquals(-2, FixedPointMultiplier.roundingDivideByPowerOfTwo(-3, 1)); // -1.5
        assertEquals(1, FixedPointMultiplier.roundingDivideByPowerOfTwo(5, 2));   // 1.25
        assertEquals(-2, FixedPointMultiplier.roundingDivideByPowerOfTwo(-6, 2)); // -1.5
    }

    @Test
    void applyRoundsAnExactQuarterTieAwayFromZero() {
        FixedPointMultiplier quarter = FixedPointMultiplier.of(0.25); // M0 = 2^30, shift 1: first step exact
        assertEquals(1, quarter.apply(2));
        assertEquals(-1, quarter.apply(-2));
        assertEquals(2, quarter.apply(6));
        assertEquals(-2, quarter.apply(-6));
    }

    /**
     * The two-step rounding in exact integer arithmetic (acc * M0 fits a long):
     * h = floor(acc * M0 / 2^31 + 1/2), then h / 2^shift to nearest with ties away from zero.
     */
    private static long exact(long acc, FixedPointMultiplier m) {
        long h = Math.floorDiv(acc * m.multiplier() + (1L << 30), 1L << 31);
        int s = m.shift();
        if (s == 0) {
            return h;
        }
        return Long.signum(h) * Math.floorDiv(Math.abs(h) + (1L << (s - 1)), 1L << s);
    }

    @Test
    void applyEqualsExactRationalRoundingOnRandomAccumulators() {
        SplittableRandom r = new SplittableRandom(42);
        int highTies = 0;
        int shiftTies = 0;
        for (int trial = 0; trial < 300; trial++) {
            // Mantissas with few bits (every third trial a power of two) make both rounding steps hit ties.
            double mantissa = switch (trial % 3) {
                case 0 -> 0.5 + 0.5 * r.nextDouble();
                case 1 -> 0.5 + r.nextInt(32) / 64.0;
                default -> 0.5;
            };
            double real = Math.scalb(mantissa, -r.nextInt(0, 40));
            FixedPointMultiplier m = FixedPointMultiplier.of(real);
            assertTrue(m.multiplier() >= 1 << 30, "Q31 mantissa below 0.5: " + m.multiplier());
            assertEquals(real, m.value(), Math.scalb(1.0, -(31 + m.shift())), "quantized multiplier of " + real);
            // acc * M0 is a tie of the high multiply when acc = odd * 2^(30 - trailing zeros of M0).
            long tieStep = 1L << (30 - Integer.numberOfTrailingZeros(m.multiplier()));
            for (int i = 0; i < 400; i++) {
                long acc = switch (i % 4) {
                    case 0 -> r.nextInt();
                    case 1 -> r.nextInt(-100_000, 100_000);
                    case 2 -> tieStep * (r.nextLong(-(Integer.MAX_VALUE / tieStep), Integer.MAX_VALUE / tieStep + 1) | 1);
                    default -> (long) r.nextInt(-1 << 20, 1 << 20) << r.nextInt(0, 11);
                };
                int a = Math.toIntExact(acc);
                long product = acc * m.multiplier();
                highTies += Math.floorMod(product, 1L << 31) == 1L << 30 ? 1 : 0;
                long h = Math.floorDiv(product + (1L << 30), 1L << 31);
                shiftTies += m.shift() > 0 && Math.floorMod(h, 1L << m.shift()) == 1L << (m.shift() - 1) ? 1 : 0;
                long expected = exact(acc, m);
                assertEquals(expected, m.apply(a), "acc " + acc + " * " + m.multiplier() + " >> (31 + " + m.shift() + ")");
                // Against the rational value itself: |result - acc * M0 / 2^(31 + shift)| <= 1/2 + 2^-(shift + 1).
                BigDecimal rational = BigDecimal.valueOf(product).divide(new BigDecimal(BigInteger.ONE.shiftLeft(31 + m.shift())));
                BigDecimal bound = new BigDecimal("0.5").add(BigDecimal.ONE.divide(new BigDecimal(BigInteger.ONE.shiftLeft(m.shift() + 1))));
                assertTrue(BigDecimal.valueOf(expected).subtract(rational).abs().compareTo(bound) <= 0,
                        "two-step rounding error bound at acc " + acc);
            }
        }
        assertTrue(highTies > 200, "high-multiply ties exercised: " + highTies);
        assertTrue(shiftTies > 200, "shift ties exercised: " + shiftTies);
    }

    @Test
    void multiplierOfAtLeastOneShiftsLeftWithSaturation() {
        FixedPointMultiplier three = FixedPointMultiplier.of(3.0); // 0.75 * 2^2
        assertEquals(-2, three.shift());
        assertEquals(15, three.apply(5));
        assertEquals(-15, three.apply(-5));
        assertEquals(1_610_612_735, three.apply(1_000_000_000)); // 4e9 saturates to INT32_MAX, * 0.75 = ...735.25
    }

    @Test
    void requantizeAddsZeroPointAndSaturates() {
        FixedPointMultiplier m = FixedPointMultiplier.of(0.01);
        assertEquals(128 + 10, m.requantize(1000, 128, 0, 255));
        assertEquals(255, m.requantize(1_000_000, 128, 0, 255));
        assertEquals(0, m.requantize(-1_000_000, 128, 0, 255));
    }

    @Test
    void rejectsMultipliersOutsideTheRepresentableRange() {
        assertThrows(ConfigException.class, () -> FixedPointMultiplier.of(0));
        assertThrows(ConfigException.class, () -> FixedPointMultiplier.of(-0.5));
        assertThrows(ConfigException.class, () -> FixedPointMultiplier.of(Double.NaN));
        assertThrows(ConfigException.class, () -> FixedPointMultiplier.of(Double.POSITIVE_INFINITY));
        assertThrows(ConfigException.class, () -> FixedPointMultiplier.of(0x1p-70));
        assertThrows(ConfigException.class, () -> FixedPointMultiplier.of(0x1p40));
    }
}
