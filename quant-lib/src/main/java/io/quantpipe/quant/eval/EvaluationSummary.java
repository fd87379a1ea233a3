package io.quantpipe.quant.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * The headline numbers of an evaluation, read from a merged {@link EvaluationState}. Accuracies
 * are fractions in [0, 1] and NaN without labels; output metrics are NaN without finite rows.
 *
 * @param rows          rows evaluated
 * @param labeledRows   rows with a label
 * @param fp32Top1      FP32 top-1 accuracy
 * @param fp32Top5      FP32 top-5 accuracy (top-k with k = min(5, classes))
 * @param int8Top1      int8 top-1 accuracy
 * @param int8Top5      int8 top-5 accuracy
 * @param top1Agreement fraction of rows where both models predict the same class
 * @param sqnrDb        SQNR of the int8 outputs against the FP32 outputs, dB
 * @param cosine        mean per-row cosine similarity of the outputs
 * @param kl            mean per-row KL(softmax fp32 || softmax int8), nats
 * @param mse           mean squared output difference
 * @param maxAbsDiff    largest absolute output difference
 * @param finiteRows    rows where both outputs are finite
 * @param fp32NonFinite NaN/Inf values in the FP32 outputs
 * @param int8NonFinite NaN/Inf values in the int8 outputs
 * @param fp32Latency   per-batch latency of the FP32 model
 * @param int8Latency   per-batch latency of the int8 model
 * @param speedup       total FP32 time over total int8 time
 */
public record EvaluationSummary(long rows, long labeledRows, double fp32Top1, double fp32Top5, double int8Top1,
        double int8Top5, double top1Agreement, double sqnrDb, double cosine, double kl, double mse, double maxAbsDiff,
        long finiteRows, long fp32NonFinite, long int8NonFinite, Latency fp32Latency, Latency int8Latency,
        double speedup) {

    /**
     * Per-batch latency of one model, milliseconds.
     *
     * @param batches  batches timed
     * @param medianMs median
     * @param p95Ms    95th percentile
     * @param meanMs   mean
     */
    public record Latency(int batches, double medianMs, double p95Ms, double meanMs) {
        static Latency of(LatencySamples s) {
            return new Latency(s.batches(), s.medianMs(), s.p95Ms(), s.meanMs());
        }
    }

    static EvaluationSummary of(EvaluationState s) {
        OutputComparison o = s.outputs();
        return new EvaluationSummary(s.rows(), s.fp32().labeledRows(), s.fp32().top1(), s.fp32().topKAccuracy(),
                s.int8().top1(), s.int8().topKAccuracy(), o.top1Agreement(), o.sqnrDb(), o.cosine(), o.kl(), o.mse(),
                o.maxAbsDiff(), o.finiteRows(), o.fp32NonFinite(), o.int8NonFinite(), Latency.of(s.fp32Latency()),
                Latency.of(s.int8Latency()), s.speedup());
    }

    /** Whether accuracy could be measured (the data had labels). */
    public boolean hasLabels() {
        return labeledRows > 0;
    }

    /** Top-1 accuracy lost by quantization, FP32 minus int8; NaN without labels. */
    public double top1Drop() {
        return fp32Top1 - int8Top1;
    }

    /**
     * The summary as long-format rows: {@code ("dataset", "test", rows | labeled_rows)},
     * {@code ("model", fp32 | int8, top1 | top5 | nonfinite_outputs)},
     * {@code ("output", "int8_vs_fp32", top1_agreement | sqnr_db | cosine | kl | mse | max_abs_diff |
     * finite_rows)}, {@code ("latency", fp32 | int8, median_ms | p95_ms | mean_ms | batches)} and
     * {@code ("latency", "int8_vs_fp32", "speedup")}.
     */
    public List<MetricRow> metrics() {
        List<MetricRow> m = new ArrayList<>();
        m.add(new MetricRow("dataset", "test", "rows", rows));
        m.add(new MetricRow("dataset", "test", "labeled_rows", labeledRows));
        m.add(new MetricRow("model", "fp32", "top1", fp32Top1));
        m.add(new MetricRow("model", "fp32", "top5", fp32Top5));
        m.add(new MetricRow("model", "fp32", "nonfinite_outputs", fp32NonFinite));
        m.add(new MetricRow("model", "int8", "top1", int8Top1));
        m.add(new MetricRow("model", "int8", "top5", int8Top5));
        m.add(new MetricRow("model", "int8", "nonfinite_outputs", int8NonFinite));
        String out = "int8_vs_fp32";
        m.add(new MetricRow("output", out, "top1_agreement", top1Agreement));
        m.add(new MetricRow("output", out, "sqnr_db", sqnrDb));
        m.add(new MetricRow("output", out, "cosine", cosine));
        m.add(new MetricRow("output", out, "kl", kl));
        m.add(new MetricRow("output", out, "mse", mse));
        m.add(new MetricRow("output", out, "max_abs_diff", maxAbsDiff));
        m.add(new MetricRow("output", out, "finite_rows", finiteRows));
        for (String model : List.of("fp32", "int8")) {
            Latency l = model.equals("fp32") ? fp32Latency : int8Latency;
            m.add(new MetricRow("latency", model, "median_ms", l.medianMs()));
            m.add(new MetricRow("latency", model, "p95_ms", l.p95Ms()));
            m.add(new MetricRow("latency", model, "mean_ms", l.meanMs()));
            m.add(new MetricRow("latency", model, "batches", l.batches()));
        }
        m.add(new MetricRow("latency", out, "speedup", speedup));
        return m;
    }
}
