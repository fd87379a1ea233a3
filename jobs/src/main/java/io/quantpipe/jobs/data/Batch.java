package io.quantpipe.jobs.data;

/**
 * Up to {@code batchSize} rows as one model input: {@code data} holds {@code size * elements}
 * floats in row-major order, {@code shape} is {@code [size, ...rowShape]}, {@code labels} is one
 * label per row (-1 where the row's label is null) or null when the dataset has none. The arrays
 * are the iterator's: valid until it is asked for the next batch, which reuses them.
 */
public final class Batch {
    private final float[] data;
    private final long[] shape;
    private final int[] labels;

    Batch(float[] data, long[] shape, int[] labels) {
        this.data = data;
        this.shape = shape;
        this.labels = labels;
    }

    public float[] data() {
        return data;
    }

    public long[] shape() {
        return shape;
    }

    /** One label per row, or null for a dataset without labels. */
    public int[] labels() {
        return labels;
    }

    /** Rows in this batch. */
    public int size() {
        return (int) shape[0];
    }
}
