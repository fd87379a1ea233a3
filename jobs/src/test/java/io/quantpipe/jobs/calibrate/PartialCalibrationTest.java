package io.quantpipe.jobs.calibrate;

import io.quantpipe.quant.observe.CalibrationState;
import io.quantpipe.quant.observe.ObserverConfig;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class PartialCalibrationTest {
    private static final ObserverConfig CONFIG = new ObserverConfig(64, -1, false);

    /** A partition that saw {@code rows} rows of {@code width} values drawn from {@code random}. */
    private static PartialCalibration partition(Random random, int rows, int width, long nonFiniteRows) {
        CalibrationState s = new CalibrationState();
        for (int r = 0; r < rows; r++) {
            float[] a = new float[width];
            float[] b = new float[width];
            for (int i = 0; i < width; i++) {
                a[i] = (float) (random.nextGaussian() * Math.scalb(1.0, random.nextInt(6)));
                b[i] = Math.max(0f, a[i] * 3);
            }
            s.tensor("a", CONFIG).update(a, new long[] {1, width});
            s.tensor("b", CONFIG).update(b, new long[] {1, width});
            s.addRows(1);
        }
        return PartialCalibration.ofPartition(s, rows, nonFiniteRows, 2 * nonFiniteRows);
    }

    @Test
    void mergingInAnyOrderAndTreeShapeGivesTheSameBytes() {
        Random random = new Random(3);
        List<PartialCalibration> parts = new ArrayList<>();
        for (int p = 0; p < 9; p++) {
            parts.add(partition(random, 1 + random.nextInt(5), 17, p % 2));
        }
        PartialCalibration left = PartialCalibration.empty();
        for (PartialCalibration p : parts) {
            left = PartialCalibration.merge(left, p);
        }
        List<PartialCalibration> shuffled = new ArrayList<>(parts);
        Collections.shuffle(shuffled, new Random(11));
        while (shuffled.size() > 1) { // pairwise, like a tree
            List<PartialCalibration> next = new ArrayList<>();
            for (int i = 0; i < shuffled.size(); i += 2) {
                next.add(i + 1 < shuffled.size() ? PartialCalibration.merge(shuffled.get(i + 1), shuffled.get(i)) : shuffled.get(i));
            }
            shuffled = next;
        }
        PartialCalibration tree = shuffled.get(0);
        assertArrayEquals(left.stateBytes(), tree.stateBytes());
        assertEquals(9, tree.partitions());
        assertEquals(left.rows(), tree.rows());
        assertEquals(left.rows(), tree.state().rows());
        assertEquals(4, tree.nonFiniteRows());
        assertEquals(8, tree.nonFiniteValues());
    }

    @Test
    void theEmptyPartialIsTheIdentity() {
        PartialCalibration p = partition(new Random(5), 3, 4, 0);
        assertSame(p, PartialCalibration.merge(PartialCalibration.empty(), p));
        assertSame(p, PartialCalibration.merge(p, PartialCalibration.empty()));
    }

    @Test
    void anEmptyPartitionCountsAsAPartitionWithNoRows() {
        PartialCalibration p = partition(new Random(5), 3, 4, 0);
        PartialCalibration none = PartialCalibration.ofPartition(new CalibrationState(), 0, 0, 0);
        PartialCalibration both = PartialCalibration.merge(none, p);
        assertArrayEquals(p.stateBytes(), both.stateBytes());
        assertEquals(2, both.partitions());
    }
}
