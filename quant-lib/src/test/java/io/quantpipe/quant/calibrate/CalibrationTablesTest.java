package io.quantpipe.quant.calibrate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quantpipe.quant.io.ScaleRow;
import io.quantpipe.quant.io.ScaleTable;
import io.quantpipe.quant.observe.CalibrationState;
import io.quantpipe.quant.observe.ObserverConfig;
import io.quantpipe.quant.tensor.QuantSpec;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CalibrationTablesTest {

    @Test
    void everyMethodGetsARowPerTensorFromOneState() {
        Random rnd = new Random(2);
        CalibrationState state = new CalibrationState();
        float[] relu = new float[50_000];
        float[] signed = new float[50_000];
        for (int i = 0; i < relu.length; i++) {
            relu[i] = (float) Math.max(0, rnd.nextGaussian());
            signed[i] = (float) (rnd.nextGaussian() * 2);
        }
        state.tensor("relu", ObserverConfig.defaults()).update(relu, 0, relu.length);
        state.tensor("signed", ObserverConfig.defaults()).update(signed, 0, signed.length);

        ScaleTable table = CalibrationTables.compute(state, CalibrationMethod.defaults(), QuantSpec.uint8Affine());

        assertEquals(8, table.size());
        ScaleRow minmax = table.rows().stream().filter(r -> r.tensor().equals("relu") && r.method().equals("minmax")).findFirst().orElseThrow();
        float max = 0;
        for (float v : relu) {
            max = Math.max(max, v);
        }
        // uint8 affine over [0, max]: scale = max / 255 (float32), zero point 0.
        assertEquals(max / 255f, minmax.scale());
        assertEquals(0, minmax.zeroPoint());
        assertEquals(50_000, minmax.count());
        for (ScaleRow r : table.rows()) {
            assertTrue(r.scale() > 0, r.toString());
            if (r.tensor().equals("signed")) {
                // Signed data keep a zero point strictly inside the uint8 range.
                assertTrue(r.zeroPoint() > 100 && r.zeroPoint() < 156, r.toString());
            }
        }
        assertEquals(table.rows(), table.sorted().rows());
    }

    @Test
    void perChannelStateAddsPerChannelRows() {
        CalibrationState state = new CalibrationState();
        ObserverConfig cfg = new ObserverConfig(256, 1, false);
        float[] x = {1, 2, -3, 4, 5, -6}; // shape [1, 3, 2]: channels [1,2], [-3,4], [5,-6]
        state.tensor("t", cfg).update(x, new long[] {1, 3, 2});

        ScaleTable table = CalibrationTables.compute(state, List.of(new MinMaxCalibrator(), new PercentileCalibrator()),
                QuantSpec.int8Symmetric());

        // minmax: one per-tensor row and three channel rows; percentile needs per-channel histograms: one row.
        assertEquals(5, table.size());
        ScaleRow ch2 = table.rows().stream().filter(r -> r.channel() == 2).findFirst().orElseThrow();
        assertEquals(6f / 127f, ch2.scale());
        assertEquals(-6f, ch2.min());
    }
}
