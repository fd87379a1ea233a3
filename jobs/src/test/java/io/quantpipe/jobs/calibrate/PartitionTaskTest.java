package io.quantpipe.jobs.calibrate;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PartitionTaskTest {
    @Test
    void countsRowsHoldingAnyNonFiniteValue() {
        float nan = Float.NaN;
        float inf = Float.POSITIVE_INFINITY;
        float[] rows = {
            1, 2, 3,
            nan, 2, nan,
            1, 2, -inf,
            0, 0, 0,
            inf, 1, 1};
        assertEquals(3, PartitionTask.nonFiniteRows(rows, 3));
        assertEquals(0, PartitionTask.nonFiniteRows(new float[] {1, 2, 3, 4}, 2));
    }
}
