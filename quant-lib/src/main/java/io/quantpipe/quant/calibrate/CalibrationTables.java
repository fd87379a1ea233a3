package io.quantpipe.quant.calibrate;

import io.quantpipe.quant.io.MethodParams;
import io.quantpipe.quant.io.ScaleRow;
import io.quantpipe.quant.io.ScaleTable;
import io.quantpipe.quant.observe.CalibrationState;
import io.quantpipe.quant.observe.Histogram;
import io.quantpipe.quant.observe.MinMax;
import io.quantpipe.quant.observe.PerChannelHistogram;
import io.quantpipe.quant.observe.PerChannelMinMax;
import io.quantpipe.quant.observe.TensorStats;
import io.quantpipe.quant.tensor.QuantParams;
import io.quantpipe.quant.tensor.QuantSpec;
import io.quantpipe.quant.tensor.ScaleZeroPoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns a merged {@link CalibrationState} into the scale table: one row per tensor and method, all
 * computed from the same state. Where per-channel state was kept there are per-channel rows too:
 * minmax from per-channel min/max, and every method from per-channel histograms.
 */
public final class CalibrationTables {
    private CalibrationTables() {
    }

    /**
     * Rows in canonical order (tensor, method, channel). Tensors are computed in parallel (the
     * entropy and MSE searches dominate); each row depends on its own state only, so the table is
     * the same whatever the scheduling.
     */
    public static ScaleTable compute(CalibrationState state, List<Calibrator> methods, QuantSpec spec) {
        List<ScaleRow> rows = state.tensors().entrySet().parallelStream()
                .flatMap(e -> rows(e.getKey(), e.getValue(), methods, spec).stream())
                .toList();
        return new ScaleTable(rows).sorted();
    }

    private static List<ScaleRow> rows(String tensor, TensorStats t, List<Calibrator> methods, QuantSpec spec) {
        List<ScaleRow> rows = new ArrayList<>();
        for (Calibrator c : methods) {
            rows.add(row(tensor, -1, c, t.minMax(), t.histogram(), spec));
            PerChannelMinMax pc = t.channelMinMax();
            PerChannelHistogram ph = t.channelHistograms();
            if (pc == null) {
                continue;
            }
            for (int ch = 0; ch < pc.channelCount(); ch++) {
                if (ph != null) {
                    rows.add(row(tensor, ch, c, pc.channel(ch), ph.channel(ch), spec));
                } else if (!c.needsHistogram()) {
                    rows.add(row(tensor, ch, c, pc.channel(ch), null, spec));
                }
            }
        }
        return rows;
    }

    /**
     * Per-tensor activation parameters for the int8 model: one method's clip range of every observed
     * tensor, turned into scale and zero point for {@code spec}.
     */
    public static Map<String, QuantParams> activationParams(CalibrationState state, Calibrator method, QuantSpec spec) {
        Map<String, QuantParams> params = new TreeMap<>();
        for (Map.Entry<String, TensorStats> e : state.tensors().entrySet()) {
            TensorStats t = e.getValue();
            ClipRange r = method.calibrate(t.minMax(), t.histogram(), spec);
            params.put(e.getKey(), ScaleZeroPoint.fromRange((float) r.lo(), (float) r.hi(), spec));
        }
        return params;
    }

    /** The row of one method on one tensor (or channel). */
    public static ScaleRow row(String tensor, int channel, Calibrator method, MinMax minMax, Histogram histogram,
            QuantSpec spec) {
        ClipRange r = method.calibrate(minMax, histogram, spec);
        QuantParams q = ScaleZeroPoint.fromRange((float) r.lo(), (float) r.hi(), spec);
        return ScaleRow.builder(tensor, method.name())
                .channel(channel)
                .params(MethodParams.of(method.parameters()))
                .dtype(spec.type())
                .scale(q.scale(0))
                .zeroPoint(q.zeroPoint(0))
                .range(minMax.min(), minMax.max())
                .amax((float) r.amax())
                .threshold((float) r.threshold())
                .counts(minMax.count(), minMax.nanCount(), minMax.posInfCount(), minMax.negInfCount())
                .build();
    }
}
