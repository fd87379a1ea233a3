package io.quantpipe.quant.eval;

import io.quantpipe.quant.io.StateCodec;
import java.util.Objects;

/**
 * Mergeable comparison of the int8 model's outputs with the FP32 model's, row by row: top-1
 * agreement, SQNR, MSE, mean cosine similarity, mean KL divergence of the softmaxes and the largest
 * absolute difference.
 *
 * <p>SQNR follows the usual definition (e.g. ONNX Runtime's {@code qdq_loss_debug}):
 * {@code 10 log10(sum fp32^2 / sum (fp32 - int8)^2)} over all outputs. KL is
 * {@code KL(softmax(fp32) || softmax(int8))} from log-softmaxes in double. A row's cosine is 1
 * when both outputs are zero and 0 when only one is.
 *
 * <p>Reproducibility: every row's contribution is computed in double in a fixed order within the
 * row, and contributions are added into {@link ExactSum}s, so merged states, and the metrics from
 * them, are bit-identical whatever the partitioning, batching or merge order. A row with a NaN or
 * ±Inf in either output is counted ({@link #nonFiniteRows()}) and left out of the float metrics,
 * which therefore average over {@link #finiteRows()}; top-1 agreement is over all rows (a row
 * without prediction does not agree).
 */
public final class OutputComparison {
    private final int classes;
    private long rows;
    private long finiteRows;
    private long agreeing;
    private long fp32NonFinite;
    private long int8NonFinite;
    private final ExactSum signal = new ExactSum();
    private final ExactSum noise = new ExactSum();
    private final ExactSum cosine = new ExactSum();
    private final ExactSum kl = new ExactSum();
    private double maxAbsDiff;
    private double[] logP;
    private double[] logQ;

    OutputComparison(int classes) {
        this.classes = classes;
    }

    /** Compares one row of both models; {@code p} and {@code q} are their predictions. */
    void add(float[] fp32, float[] int8, int offset, int p, int q) {
        rows++;
        if (p >= 0 && p == q) {
            agreeing++;
        }
        int badFp32 = Logits.nonFinite(fp32, offset, classes);
        int badInt8 = Logits.nonFinite(int8, offset, classes);
        fp32NonFinite += badFp32;
        int8NonFinite += badInt8;
        if (badFp32 + badInt8 > 0) {
            return;
        }
        finiteRows++;
        double xx = 0;
        double yy = 0;
        double xy = 0;
        double dd = 0;
        double maxDiff = 0;
        for (int j = 0; j < classes; j++) {
            double x = fp32[offset + j];
            double y = int8[offset + j];
            double d = x - y;
            xx += x * x;
            yy += y * y;
            xy += x * y;
            dd += d * d;
            maxDiff = Math.max(maxDiff, Math.abs(d));
        }
        signal.add(xx);
        noise.add(dd);
        cosine.add(cosine(xy, xx, yy));
        kl.add(klDivergence(fp32, int8, offset));
        maxAbsDiff = Math.max(maxAbsDiff, maxDiff);
    }

    static double cosine(double xy, double xx, double yy) {
        if (xx == 0 || yy == 0) {
            return xx == yy ? 1.0 : 0.0;
        }
        return xy / Math.sqrt(xx * yy);
    }

    private double klDivergence(float[] fp32, float[] int8, int offset) {
        if (logP == null) {
            logP = new double[classes];
            logQ = new double[classes];
        }
        Logits.logSoftmax(fp32, offset, classes, logP);
        Logits.logSoftmax(int8, offset, classes, logQ);
        double sum = 0;
        for (int j = 0; j < classes; j++) {
            sum += Math.exp(logP[j]) * (logP[j] - logQ[j]);
        }
        return sum;
    }

    void merge(OutputComparison other) {
        rows += other.rows;
        finiteRows += other.finiteRows;
        agreeing += other.agreeing;
        fp32NonFinite += other.fp32NonFinite;
        int8NonFinite += other.int8NonFinite;
        signal.merge(other.signal);
        noise.merge(other.noise);
        cosine.merge(other.cosine);
        kl.merge(other.kl);
        maxAbsDiff = Math.max(maxAbsDiff, other.maxAbsDiff);
    }

    /** Rows compared. */
    public long rows() {
        return rows;
    }

    /** Rows where both outputs are finite; the float metrics average over these. */
    public long finiteRows() {
        return finiteRows;
    }

    public long nonFiniteRows() {
        return rows - finiteRows;
    }

    /** Rows where both models predict the same class. */
    public long agreeingRows() {
        return agreeing;
    }

    /** NaN and ±Inf values in the FP32 outputs. */
    public long fp32NonFinite() {
        return fp32NonFinite;
    }

    /** NaN and ±Inf values in the int8 outputs. */
    public long int8NonFinite() {
        return int8NonFinite;
    }

    /** Fraction of rows where both models predict the same class; NaN without rows. */
    public double top1Agreement() {
        return rows == 0 ? Double.NaN : (double) agreeing / rows;
    }

    /** Sum of fp32^2 over the finite rows. */
    public double signalPower() {
        return signal.value();
    }

    /** Sum of (fp32 - int8)^2 over the finite rows. */
    public double noisePower() {
        return noise.value();
    }

    /** SQNR in dB; +Inf when the outputs are identical, NaN without finite rows. */
    public double sqnrDb() {
        return Sqnr.decibels(signal.value(), noise.value(), finiteRows);
    }

    /** Mean squared difference per output value; NaN without finite rows. */
    public double mse() {
        return finiteRows == 0 ? Double.NaN : noise.value() / ((double) finiteRows * classes);
    }

    /** Mean cosine similarity per row; NaN without finite rows. */
    public double cosine() {
        return finiteRows == 0 ? Double.NaN : cosine.value() / finiteRows;
    }

    /** Mean KL(softmax fp32 || softmax int8) per row, in nats; NaN without finite rows. */
    public double kl() {
        return finiteRows == 0 ? Double.NaN : kl.value() / finiteRows;
    }

    /** Largest |fp32 - int8| over the finite rows; 0 without any. */
    public double maxAbsDiff() {
        return maxAbsDiff;
    }

    void write(StateCodec.Writer w) {
        w.varint(rows).varint(finiteRows).varint(agreeing).varint(fp32NonFinite).varint(int8NonFinite);
        signal.write(w);
        noise.write(w);
        cosine.write(w);
        kl.write(w);
        w.f64(maxAbsDiff);
    }

    static OutputComparison read(StateCodec.Reader r, int classes) {
        OutputComparison o = new OutputComparison(classes);
        o.rows = r.varint(0, Long.MAX_VALUE, "rows");
        o.finiteRows = r.varint(0, o.rows, "finite rows");
        o.agreeing = r.varint(0, o.rows, "agreeing rows");
        o.fp32NonFinite = r.varint(0, Long.MAX_VALUE, "FP32 non-finite count");
        o.int8NonFinite = r.varint(0, Long.MAX_VALUE, "int8 non-finite count");
        o.signal.merge(ExactSum.read(r));
        o.noise.merge(ExactSum.read(r));
        o.cosine.merge(ExactSum.read(r));
        o.kl.merge(ExactSum.read(r));
        o.maxAbsDiff = r.f64();
        if (!(o.maxAbsDiff >= 0)) {
            throw r.bad("expected max |diff| >= 0, found " + o.maxAbsDiff);
        }
        return o;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OutputComparison c && c.classes == classes && c.rows == rows
                && c.finiteRows == finiteRows && c.agreeing == agreeing && c.fp32NonFinite == fp32NonFinite
                && c.int8NonFinite == int8NonFinite && c.signal.equals(signal) && c.noise.equals(noise)
                && c.cosine.equals(cosine) && c.kl.equals(kl)
                && Double.compare(c.maxAbsDiff, maxAbsDiff) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(rows, finiteRows, agreeing, signal);
    }
}
