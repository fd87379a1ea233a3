package io.quantpipe.quant.observe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CalibrationStateTest {

    @Test
    void partitionsWithDifferentTensorsMergeIntoTheStateOfAllRows() {
        Random rnd = new Random(11);
        ObserverConfig cfg = ObserverConfig.defaults();
        float[][] rows = new float[30][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = Datasets.make(i % 2 == 0 ? "gaussian" : "postRelu", 100, rnd);
        }
        CalibrationState whole = new CalibrationState();
        for (float[] r : rows) {
            whole.tensor("conv1", cfg).update(r, 0, r.length);
            whole.tensor("relu1", cfg).update(r, 0, 50);
            whole.addRows(1);
        }
        CalibrationState p1 = new CalibrationState();
        CalibrationState p2 = new CalibrationState();
        CalibrationState p3 = new CalibrationState(); // an empty partition
        for (int i = 0; i < rows.length; i++) {
            CalibrationState p = i < 11 ? p1 : p2;
            p.tensor("conv1", cfg).update(rows[i], 0, rows[i].length);
            p.tensor("relu1", cfg).update(rows[i], 0, 50);
            p.addRows(1);
        }
        CalibrationState merged = MergePropertyTest.treeMerge(List.of(p3, p2, p1), rnd, CalibrationState::merge);
        assertEquals(30, merged.rows());
        assertArrayEquals(whole.toBytes(), merged.toBytes());
        assertArrayEquals(whole.toBytes(), CalibrationState.fromBytes(merged.toBytes()).toBytes());
        assertEquals(List.of("conv1", "relu1"), List.copyOf(merged.tensors().keySet()));
    }
}
