package io.quantpipe.jobs.data;

import io.quantpipe.jobs.config.NonFinite;
import io.quantpipe.quant.ConfigException;
import org.apache.spark.sql.Row;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Iterator;

/**
 * How to read one row of a checked dataset ({@link TensorDataset#frame()}: column 0 the tensor,
 * column 1 the label when there is one): encoding, element count, per-row shape, normalisation.
 * Small and serializable, so a task closure can carry it to the executors.
 */
public final class TensorLayout implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String column;
    private final TensorEncoding encoding;
    private final int elements;
    private final long[] rowShape;
    private final boolean labels;
    private final Uint8Normalization normalization;
    private final NonFinite nonFinite;

    public TensorLayout(String column, TensorEncoding encoding, long[] rowShape, boolean labels,
                        Uint8Normalization normalization, NonFinite nonFinite) {
        this.column = column;
        this.encoding = encoding;
        this.rowShape = rowShape.clone();
        this.elements = Math.toIntExact(product(rowShape));
        this.labels = labels;
        this.normalization = normalization;
        this.nonFinite = nonFinite;
        if (encoding == TensorEncoding.UINT8 && normalization == null) {
            throw new IllegalArgumentException("uint8 rows need a normalisation");
        }
    }

    /**
     * The same layout fed to a model with another per-row shape of the same element count, e.g.
     * {@code [1, 28, 28]} for rows stored as {@code [28, 28]} (row-major order is kept).
     */
    public TensorLayout withRowShape(long... shape) {
        if (product(shape) != elements) {
            throw new ConfigException("row shape " + Arrays.toString(shape) + ": expected " + elements
                    + " elements (column '" + column + "'), found " + product(shape));
        }
        return new TensorLayout(column, encoding, shape, labels, normalization, nonFinite);
    }

    /** Batches of at most {@code batchSize} rows from one partition's rows. */
    public BatchIterator batches(Iterator<Row> rows, int batchSize) {
        return new BatchIterator(rows, this, batchSize);
    }

    public String column() {
        return column;
    }

    public TensorEncoding encoding() {
        return encoding;
    }

    /** Elements per row. */
    public int elements() {
        return elements;
    }

    public long[] rowShape() {
        return rowShape.clone();
    }

    public boolean hasLabels() {
        return labels;
    }

    Uint8Normalization normalization() {
        return normalization;
    }

    NonFinite nonFinite() {
        return nonFinite;
    }

    long[] rowShapeUnsafe() {
        return rowShape;
    }

    static long product(long[] shape) {
        long p = 1;
        for (long d : shape) {
            if (d <= 0) {
                throw new ConfigException("shape " + Arrays.toString(shape) + ": expected positive dimensions, found " + d);
            }
            p = Math.multiplyExact(p, d);
        }
        return p;
    }

    @Override
    public String toString() {
        return "column '" + column + "' " + encoding.metadataName() + " " + Arrays.toString(rowShape)
                + (labels ? " with labels" : "");
    }
}
