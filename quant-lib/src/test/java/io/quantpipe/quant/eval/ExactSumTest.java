package io.quantpipe.quant.eval;

import io.quantpipe.quant.io.StateCodec;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ExactSumTest {

    private static byte[] bytes(ExactSum s) {
        StateCodec.Writer w = new StateCodec.Writer(StateCodec.KIND_EVALUATION);
        s.write(w);
        return w.toBytes();
    }

    private static ExactSum fromBytes(byte[] b) {
        StateCodec.Reader r = new StateCodec.Reader(b, StateCodec.KIND_EVALUATION, "sum");
        ExactSum s = ExactSum.read(r);
        r.end();
        return s;
    }

    private static double exactReference(List<Double> values) {
        BigDecimal sum = BigDecimal.ZERO;
        for (double v : values) {
            sum = sum.add(new BigDecimal(v));
        }
        return sum.doubleValue();
    }

    @Test
    void keepsWhatNaiveSummationCancels() {
        ExactSum s = new ExactSum().add(1e100).add(1.0).add(-1e100);
        assertEquals(1.0, s.value());
        assertEquals(0.0, 1e100 + 1.0 - 1e100);
        assertEquals(0x1p-1074 * 3, new ExactSum().add(Double.MIN_VALUE).add(0x1p-1073).value());
    }

    @Test
    void roundsTheExactSumOnceToNearest() {
        for (long seed = 1; seed <= 5; seed++) {
            Random rnd = new Random(seed);
            List<Double> values = new ArrayList<>();
            ExactSum s = new ExactSum();
            for (int i = 0; i < 5000; i++) {
                double v = Math.scalb(rnd.nextGaussian(), rnd.nextInt(120) - 60);
                values.add(v);
                s.add(v);
            }
            assertEquals(exactReference(values), s.value(), "seed " + seed);
        }
        // A tie rounds to even: 1 + 2^-53 is halfway between 1 and the next double.
        assertEquals(1.0, new ExactSum().add(1.0).add(0x1p-53).value());
        assertEquals(1.0 + 0x1p-51, new ExactSum().add(1.0 + 0x1p-52).add(0x1p-53).value());
        // Just above the tie rounds up, even when the excess lies far below.
        assertEquals(1.0 + 0x1p-52, new ExactSum().add(1.0).add(0x1p-53).add(0x1p-1000).value());
    }

    @Test
    void coversTheWholeDoubleRange() {
        assertEquals(Double.MAX_VALUE, new ExactSum().add(Double.MAX_VALUE).add(Double.MIN_VALUE).value());
        assertEquals(Double.POSITIVE_INFINITY, new ExactSum().add(Double.MAX_VALUE).add(Double.MAX_VALUE).value());
        ExactSum big = new ExactSum().add(Double.MAX_VALUE).add(Double.MAX_VALUE).add(-Double.MAX_VALUE);
        assertEquals(Double.MAX_VALUE, big.value());
        assertEquals(-Double.MIN_VALUE, new ExactSum().add(-Double.MIN_VALUE).value());
        assertEquals(-2.5, new ExactSum().add(-1.0).add(-1.5).value());
        assertEquals(0.0, new ExactSum().add(-0.0).value());
        assertTrue(new ExactSum().add(3.0).add(-3.0).isZero());
    }

    @Test
    void nonFiniteValuesBehaveAsInIeeeAddition() {
        assertEquals(Double.POSITIVE_INFINITY, new ExactSum().add(1).add(Double.POSITIVE_INFINITY).value());
        assertEquals(Double.NEGATIVE_INFINITY, new ExactSum().add(Double.NEGATIVE_INFINITY).value());
        assertTrue(Double.isNaN(new ExactSum().add(Double.POSITIVE_INFINITY).add(Double.NEGATIVE_INFINITY).value()));
        assertTrue(Double.isNaN(new ExactSum().add(Double.NaN).add(2).value()));
    }

    @Test
    void anySplitAndMergeOrderGivesTheSameStateAndBytes() {
        Random rnd = new Random(42);
        List<Double> values = new ArrayList<>();
        for (int i = 0; i < 20000; i++) {
            values.add(Math.scalb(rnd.nextDouble() - 0.3, rnd.nextInt(200) - 100));
        }
        ExactSum whole = new ExactSum();
        values.forEach(whole::add);
        for (int trial = 0; trial < 5; trial++) {
            List<Double> shuffled = new ArrayList<>(values);
            Collections.shuffle(shuffled, rnd);
            List<ExactSum> parts = new ArrayList<>();
            int parts0 = 1 + rnd.nextInt(9);
            for (int p = 0; p < parts0; p++) {
                parts.add(new ExactSum());
            }
            for (double v : shuffled) {
                parts.get(rnd.nextInt(parts0)).add(v);
            }
            while (parts.size() > 1) {
                ExactSum a = parts.remove(rnd.nextInt(parts.size()));
                ExactSum b = parts.remove(rnd.nextInt(parts.size()));
                parts.add(a.merge(b));
            }
            assertEquals(whole, parts.get(0));
            assertArrayEquals(bytes(whole), bytes(parts.get(0)));
            assertEquals(whole.value(), parts.get(0).value());
        }
    }

    @Test
    void bytesRoundTripExactly() {
        ExactSum s = new ExactSum().add(-7.25).add(1e-300).add(3e300).add(Double.NaN);
        byte[] b = bytes(s);
        ExactSum back = fromBytes(b);
        assertEquals(s, back);
        assertArrayEquals(b, bytes(back));
        assertArrayEquals(bytes(new ExactSum()), bytes(fromBytes(bytes(new ExactSum()))));
    }

    @Test
    void mergeIntoItselfIsRejected() {
        ExactSum s = new ExactSum();
        assertThrows(IllegalArgumentException.class, () -> s.merge(s));
    }
}
