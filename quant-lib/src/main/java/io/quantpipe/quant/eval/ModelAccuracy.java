package io.quantpipe.quant.eval;

import io.quantpipe.quant.io.StateCodec;
import io.quantpipe.quant.BadInputException;
import java.util.Arrays;

/**
 * Mergeable accuracy of one model on labelled rows: top-1 and top-k correct counts, per-class
 * counts, and the confusion matrix (true class by predicted class), all exact {@code long} counts.
 *
 * <p>A row's prediction is the first index of its largest non-NaN logit; top-k counts a row when
 * its label ranks below k with ties broken by lower index, so top-1 always agrees with the
 * confusion matrix. A row whose logits are all NaN has no prediction: it counts as wrong and
 * appears in no confusion cell ({@link #unpredicted()}). The matrix is dense
 * ({@code classes^2} longs, 8 MB for 1,000 classes), allocated at the first labelled row, and kept
 * only up to {@link #MAX_CONFUSION_CLASSES} classes.
 */
public final class ModelAccuracy {
    /** k of top-k; the usual top-5 (capped at the class count). */
    public static final int TOP_K = 5;
    /** Largest class count with a confusion matrix (2048^2 longs = 32 MB). */
    public static final int MAX_CONFUSION_CLASSES = 2048;

    private final int classes;
    private long labeledRows;
    private long top1Correct;
    private long topKCorrect;
    private long unpredicted;
    private final long[] classCount;
    private final long[] classCorrect;
    private long[] confusion;

    ModelAccuracy(int classes) {
        this.classes = classes;
        this.classCount = new long[classes];
        this.classCorrect = new long[classes];
    }

    /** Counts the row at {@code offset} of {@code logits} with its prediction and label. */
    void add(float[] logits, int offset, int predicted, int label) {
        if (label < 0 || label >= classes) {
            throw new BadInputException("label: expected a class index in [0, " + classes + "), found " + label);
        }
        if (confusion == null && hasConfusion()) {
            confusion = new long[classes * classes];
        }
        labeledRows++;
        classCount[label]++;
        if (predicted < 0) {
            unpredicted++;
            return;
        }
        if (confusion != null) {
            confusion[label * classes + predicted]++;
        }
        if (predicted == label) {
            top1Correct++;
            classCorrect[label]++;
        }
        if (Logits.rank(logits, offset, classes, label) < topK()) {
            topKCorrect++;
        }
    }

    void merge(ModelAccuracy other) {
        labeledRows += other.labeledRows;
        top1Correct += other.top1Correct;
        topKCorrect += other.topKCorrect;
        unpredicted += other.unpredicted;
        for (int c = 0; c < classes; c++) {
            classCount[c] += other.classCount[c];
            classCorrect[c] += other.classCorrect[c];
        }
        if (other.confusion != null) {
            if (confusion == null) {
                confusion = new long[classes * classes];
            }
            for (int i = 0; i < confusion.length; i++) {
                confusion[i] += other.confusion[i];
            }
        }
    }

    public int classes() {
        return classes;
    }

    /** k of the top-k count: {@code min(5, classes)}. */
    public int topK() {
        return Math.min(TOP_K, classes);
    }

    public long labeledRows() {
        return labeledRows;
    }

    public long top1Correct() {
        return top1Correct;
    }

    public long topKCorrect() {
        return topKCorrect;
    }

    /** Labelled rows without a prediction (all logits NaN). */
    public long unpredicted() {
        return unpredicted;
    }

    /** Top-1 accuracy in [0, 1]; NaN without labelled rows. */
    public double top1() {
        return labeledRows == 0 ? Double.NaN : (double) top1Correct / labeledRows;
    }

    /** Top-k accuracy in [0, 1]; NaN without labelled rows. */
    public double topKAccuracy() {
        return labeledRows == 0 ? Double.NaN : (double) topKCorrect / labeledRows;
    }

    /** Labelled rows of class {@code c}. */
    public long classCount(int c) {
        return classCount[c];
    }

    /** Rows of class {@code c} predicted as {@code c}. */
    public long classCorrect(int c) {
        return classCorrect[c];
    }

    /** Top-1 accuracy of class {@code c}; NaN when it has no rows. */
    public double classTop1(int c) {
        return classCount[c] == 0 ? Double.NaN : (double) classCorrect[c] / classCount[c];
    }

    /** Whether a confusion matrix is kept: up to {@link #MAX_CONFUSION_CLASSES} classes. */
    public boolean hasConfusion() {
        return classes <= MAX_CONFUSION_CLASSES;
    }

    /** Rows of true class {@code truth} predicted as {@code predicted}; 0 when no matrix is kept. */
    public long confusion(int truth, int predicted) {
        return confusion == null ? 0 : confusion[truth * classes + predicted];
    }

    void write(StateCodec.Writer w) {
        w.varint(labeledRows).varint(top1Correct).varint(topKCorrect).varint(unpredicted);
        for (int c = 0; c < classes; c++) {
            w.varint(classCount[c]).varint(classCorrect[c]);
        }
        // Sparse: the nonzero cells as (index gap, count); -1 when no matrix was allocated.
        if (confusion == null) {
            w.varint(-1);
            return;
        }
        int nonZero = 0;
        for (long c : confusion) {
            if (c != 0) {
                nonZero++;
            }
        }
        w.varint(nonZero);
        int last = -1;
        for (int i = 0; i < confusion.length; i++) {
            if (confusion[i] != 0) {
                w.varint(i - last).varint(confusion[i]);
                last = i;
            }
        }
    }

    static ModelAccuracy read(StateCodec.Reader r, int classes) {
        ModelAccuracy a = new ModelAccuracy(classes);
        a.labeledRows = r.varint(0, Long.MAX_VALUE, "labelled rows");
        a.top1Correct = r.varint(0, a.labeledRows, "top-1 correct");
        a.topKCorrect = r.varint(0, a.labeledRows, "top-k correct");
        a.unpredicted = r.varint(0, a.labeledRows, "rows without prediction");
        for (int c = 0; c < classes; c++) {
            a.classCount[c] = r.varint(0, a.labeledRows, "class count");
            a.classCorrect[c] = r.varint(0, a.classCount[c], "class correct");
        }
        long cells = (long) classes * classes;
        int nonZero = r.varintInt(-1, (int) Math.min(cells, Integer.MAX_VALUE), "confusion cells");
        if (nonZero >= 0) {
            if (!a.hasConfusion()) {
                throw r.bad("expected no confusion matrix for " + classes + " classes, found one");
            }
            a.confusion = new long[classes * classes];
            long index = -1;
            for (int k = 0; k < nonZero; k++) {
                index += r.varint(1, cells, "confusion index gap");
                if (index >= cells) {
                    throw r.bad("confusion cell " + index + " out of range [0, " + cells + ")");
                }
                a.confusion[(int) index] = r.varint(1, a.labeledRows, "confusion count");
            }
        }
        return a;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelAccuracy a && a.classes == classes && a.labeledRows == labeledRows
                && a.top1Correct == top1Correct && a.topKCorrect == topKCorrect && a.unpredicted == unpredicted
                && Arrays.equals(a.classCount, classCount) && Arrays.equals(a.classCorrect, classCorrect)
                && Arrays.equals(a.confusion, confusion);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(labeledRows) * 31 + Long.hashCode(top1Correct);
    }
}
