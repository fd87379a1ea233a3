package io.quantpipe.quant.eval;

import io.quantpipe.quant.io.StateCodec;
import io.quantpipe.quant.BadInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Everything the evaluation job keeps while scoring an int8 model against its FP32 model, as one
 * mergeable state: accuracy of both models when labels are given ({@link ModelAccuracy}), the
 * comparison of their outputs ({@link OutputComparison}) and per-batch latencies of both
 * ({@link LatencySamples}).
 *
 * <p>Use it as Spark's {@code StatCounter}: one state per partition, {@link #add} per batch,
 * {@link #merge} in {@code treeAggregate}. Counts are exact; floating sums are exact too
 * ({@link ExactSum}), so the merged state, its bytes and every metric are identical for any
 * partitioning, batching and merge order. {@link #toBytes()} is versioned and canonical:
 * {@code fromBytes(b).toBytes()} equals {@code b}.
 */
public final class EvaluationState {
    /** Largest class count accepted. */
    public static final int MAX_CLASSES = 1 << 20;

    private final int classes;
    private final ModelAccuracy fp32;
    private final ModelAccuracy int8;
    private final OutputComparison outputs;
    private final LatencySamples fp32Latency;
    private final LatencySamples int8Latency;

    /** An empty state for models with {@code classes} outputs per row. */
    public EvaluationState(int classes) {
        // Arguments are evaluated left to right: the count is checked before anything is allocated.
        this(checkClasses(classes), new ModelAccuracy(classes), new ModelAccuracy(classes), new OutputComparison(classes),
                new LatencySamples(), new LatencySamples());
    }

    private EvaluationState(int classes, ModelAccuracy fp32, ModelAccuracy int8, OutputComparison outputs,
            LatencySamples fp32Latency, LatencySamples int8Latency) {
        this.classes = checkClasses(classes);
        this.fp32 = fp32;
        this.int8 = int8;
        this.outputs = outputs;
        this.fp32Latency = fp32Latency;
        this.int8Latency = int8Latency;
    }

    private static int checkClasses(int classes) {
        if (classes < 1 || classes > MAX_CLASSES) {
            throw new BadInputException("evaluation: expected a class count in [1, " + MAX_CLASSES + "], found " + classes);
        }
        return classes;
    }

    /**
     * Adds one batch: both models' logits, row-major {@code [rows, classes]}, the labels
     * ({@code null} when the data has none) and each model's latency for the batch.
     */
    public EvaluationState add(float[] fp32Logits, float[] int8Logits, int[] labels, long fp32Nanos, long int8Nanos) {
        if (fp32Nanos < 0 || int8Nanos < 0) {
            throw new BadInputException("batch latency: expected nanoseconds >= 0, found FP32 " + fp32Nanos
                    + " and int8 " + int8Nanos);
        }
        add(fp32Logits, int8Logits, labels);
        fp32Latency.add(fp32Nanos);
        int8Latency.add(int8Nanos);
        return this;
    }

    /** Adds one batch without timing it. */
    public EvaluationState add(float[] fp32Logits, float[] int8Logits, int[] labels) {
        int rows = checkBatch(fp32Logits, int8Logits, labels);
        if (labels != null) {
            // Labels first, so a bad one leaves the state untouched.
            for (int label : labels) {
                if (label < 0 || label >= classes) {
                    throw new BadInputException("label: expected a class index in [0, " + classes + "), found " + label);
                }
            }
        }
        for (int r = 0, offset = 0; r < rows; r++, offset += classes) {
            int p = Logits.argmax(fp32Logits, offset, classes);
            int q = Logits.argmax(int8Logits, offset, classes);
            outputs.add(fp32Logits, int8Logits, offset, p, q);
            if (labels != null) {
                fp32.add(fp32Logits, offset, p, labels[r]);
                int8.add(int8Logits, offset, q, labels[r]);
            }
        }
        return this;
    }

    private int checkBatch(float[] fp32Logits, float[] int8Logits, int[] labels) {
        Objects.requireNonNull(fp32Logits, "FP32 logits");
        Objects.requireNonNull(int8Logits, "int8 logits");
        if (fp32Logits.length % classes != 0) {
            throw new BadInputException("FP32 logits: expected a multiple of " + classes + " values (rows x classes), found "
                    + fp32Logits.length);
        }
        if (int8Logits.length != fp32Logits.length) {
            throw new BadInputException("int8 logits: expected " + fp32Logits.length + " values like the FP32 logits, found "
                    + int8Logits.length);
        }
        int rows = fp32Logits.length / classes;
        if (labels != null && labels.length != rows) {
            throw new BadInputException("labels: expected one per row (" + rows + "), found " + labels.length);
        }
        return rows;
    }

    /** Adds {@code other} into this state; {@code other} is unchanged. */
    public EvaluationState merge(EvaluationState other) {
        if (other == this) {
            throw new IllegalArgumentException("cannot merge an evaluation state into itself");
        }
        if (other.classes != classes) {
            throw new IllegalArgumentException("evaluation states must have the same class count to merge: "
                    + classes + " and " + other.classes);
        }
        fp32.merge(other.fp32);
        int8.merge(other.int8);
        outputs.merge(other.outputs);
        fp32Latency.merge(other.fp32Latency);
        int8Latency.merge(other.int8Latency);
        return this;
    }

    public int classes() {
        return classes;
    }

    /** Rows evaluated. */
    public long rows() {
        return outputs.rows();
    }

    /** Accuracy of the FP32 model. */
    public ModelAccuracy fp32() {
        return fp32;
    }

    /** Accuracy of the int8 model. */
    public ModelAccuracy int8() {
        return int8;
    }

    /** int8 outputs compared with FP32 outputs. */
    public OutputComparison outputs() {
        return outputs;
    }

    public LatencySamples fp32Latency() {
        return fp32Latency;
    }

    public LatencySamples int8Latency() {
        return int8Latency;
    }

    /** FP32 time over int8 time, from the latency sums of all batches; NaN when untimed. */
    public double speedup() {
        long t8 = int8Latency.totalNanos();
        return t8 == 0 || fp32Latency.batches() == 0 ? Double.NaN : (double) fp32Latency.totalNanos() / t8;
    }

    /** The headline numbers. */
    public EvaluationSummary summary() {
        return EvaluationSummary.of(this);
    }

    /**
     * Every metric as long-format rows: the summary's, then per class ({@code ("class", name,
     * "count" | "fp32_top1" | "int8_top1")}) and the nonzero confusion cells
     * ({@code ("confusion", "<model>/<true>/<predicted>", "count")}, class indices). Class names
     * default to the index when {@code classNames} is null or short.
     */
    public List<MetricRow> metrics(List<String> classNames) {
        List<MetricRow> rows = new ArrayList<>(summary().metrics());
        if (fp32.labeledRows() == 0) {
            return rows;
        }
        for (int c = 0; c < classes; c++) {
            String name = className(classNames, c);
            rows.add(new MetricRow("class", name, "count", fp32.classCount(c)));
            rows.add(new MetricRow("class", name, "fp32_top1", fp32.classTop1(c)));
            rows.add(new MetricRow("class", name, "int8_top1", int8.classTop1(c)));
        }
        for (String model : List.of("fp32", "int8")) {
            ModelAccuracy a = model.equals("fp32") ? fp32 : int8;
            if (!a.hasConfusion()) {
                continue;
            }
            for (int t = 0; t < classes; t++) {
                for (int p = 0; p < classes; p++) {
                    long n = a.confusion(t, p);
                    if (n != 0) {
                        rows.add(new MetricRow("confusion", model + "/" + t + "/" + p, "count", n));
                    }
                }
            }
        }
        return rows;
    }

    /** The name of class {@code c}, or its index when no name is given. */
    public static String className(List<String> classNames, int c) {
        return classNames != null && c < classNames.size() ? classNames.get(c) : Integer.toString(c);
    }

    /** Versioned, canonical bytes. */
    public byte[] toBytes() {
        StateCodec.Writer w = new StateCodec.Writer(StateCodec.KIND_EVALUATION);
        w.varint(classes);
        fp32.write(w);
        int8.write(w);
        outputs.write(w);
        fp32Latency.write(w);
        int8Latency.write(w);
        return w.toBytes();
    }

    /** Reads {@link #toBytes()}'s output; {@link BadInputException} when it is not such a state. */
    public static EvaluationState fromBytes(byte[] bytes) {
        StateCodec.Reader r = new StateCodec.Reader(bytes, StateCodec.KIND_EVALUATION, "evaluation state");
        int classes = r.varintInt(1, MAX_CLASSES, "class count");
        EvaluationState s = new EvaluationState(classes, ModelAccuracy.read(r, classes), ModelAccuracy.read(r, classes),
                OutputComparison.read(r, classes), LatencySamples.read(r), LatencySamples.read(r));
        r.end();
        return s;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EvaluationState s && s.classes == classes && s.fp32.equals(fp32) && s.int8.equals(int8)
                && s.outputs.equals(outputs) && s.fp32Latency.equals(fp32Latency) && s.int8Latency.equals(int8Latency);
    }

    @Override
    public int hashCode() {
        return Objects.hash(classes, outputs, fp32Latency);
    }

    @Override
    public String toString() {
        return "EvaluationState[classes=" + classes + ", rows=" + rows() + ", labelled=" + fp32.labeledRows() + "]";
    }
}
