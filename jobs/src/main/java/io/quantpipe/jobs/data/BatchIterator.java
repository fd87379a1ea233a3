package io.quantpipe.jobs.data;

import io.quantpipe.jobs.config.NonFinite;
import io.quantpipe.quant.BadInputException;
import org.apache.spark.sql.Row;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Groups one partition's rows into {@link Batch}es. Each row's tensor is decoded straight into the
 * batch array: no per-row float array in between. Rows whose element count differs from the
 * layout's, null tensors and (with {@code nonfinite = fail}) NaN or infinite values stop the task
 * with a {@link BadInputException}.
 *
 * <p>Full batches share one data array and one label array: a batch is valid until the next call
 * to {@link #next()} (no per-batch garbage on long partitions).
 */
public final class BatchIterator implements Iterator<Batch> {
    private final Iterator<Row> rows;
    private final TensorLayout layout;
    private final int batchSize;
    private long rowsRead;
    private long nonFinite;
    // Full batches reuse these: a batch is read before the next one is asked for.
    private float[] fullData;
    private int[] fullLabels;

    BatchIterator(Iterator<Row> rows, TensorLayout layout, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size: expected >= 1, found " + batchSize);
        }
        this.rows = rows;
        this.layout = layout;
        this.batchSize = batchSize;
    }

    @Override
    public boolean hasNext() {
        return rows.hasNext();
    }

    @Override
    public Batch next() {
        if (!rows.hasNext()) {
            throw new NoSuchElementException();
        }
        int n = layout.elements();
        if (fullData == null) {
            fullData = new float[batchSize * n];
            fullLabels = layout.hasLabels() ? new int[batchSize] : null;
        }
        float[] data = fullData;
        int[] labels = fullLabels;
        int size = 0;
        while (size < batchSize && rows.hasNext()) {
            Row row = rows.next();
            decode(row.get(0), data, size * n);
            if (labels != null) {
                labels[size] = label(row.get(1));
            }
            size++;
            rowsRead++;
        }
        if (size < batchSize) { // the partition's last batch: trim to what was read
            data = java.util.Arrays.copyOf(data, size * n);
            labels = labels == null ? null : java.util.Arrays.copyOf(labels, size);
        }
        long[] rowShape = layout.rowShapeUnsafe();
        long[] shape = new long[rowShape.length + 1];
        shape[0] = size;
        System.arraycopy(rowShape, 0, shape, 1, rowShape.length);
        return new Batch(data, shape, labels);
    }

    /** Rows consumed so far. */
    public long rowsRead() {
        return rowsRead;
    }

    /** NaN and infinite input values seen so far (float encodings; uint8 has none). */
    public long nonFiniteCount() {
        return nonFinite;
    }

    private void decode(Object value, float[] dst, int offset) {
        int n = layout.elements();
        if (value == null) {
            throw bad("is null");
        }
        switch (layout.encoding()) {
            case UINT8 -> {
                byte[] bytes = (byte[]) value;
                checkCount(bytes.length);
                layout.normalization().applyRow(bytes, dst, offset);
            }
            case FLOAT32_LE -> {
                byte[] bytes = (byte[]) value;
                if (bytes.length % 4 != 0) {
                    throw bad("has " + bytes.length + " bytes: expected a multiple of 4 (float32)");
                }
                checkCount(bytes.length / 4);
                ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(dst, offset, n);
                checkFinite(dst, offset, n);
            }
            case FLOAT_ARRAY -> {
                copyFloats(value, dst, offset);
                checkFinite(dst, offset, n);
            }
            default -> throw new IllegalStateException(layout.encoding().name());
        }
    }

    /** Spark hands array columns over as a Scala sequence of boxed floats; rows built by hand may hold float[]. */
    private void copyFloats(Object value, float[] dst, int offset) {
        int n = layout.elements();
        if (value instanceof float[] a) {
            checkCount(a.length);
            System.arraycopy(a, 0, dst, offset, n);
        } else if (value instanceof scala.collection.mutable.ArraySeq.ofFloat s) {
            checkCount(s.length());
            System.arraycopy(s.array(), 0, dst, offset, n);
        } else if (value instanceof scala.collection.immutable.ArraySeq.ofFloat s) {
            checkCount(s.length());
            System.arraycopy(s.unsafeArray(), 0, dst, offset, n);
        } else if (value instanceof scala.collection.mutable.ArraySeq.ofRef<?> s) {
            // what Spark's Row holds for a Parquet array<float> (elements nullable, so boxed)
            Object[] a = (Object[]) s.array();
            checkCount(a.length);
            for (int i = 0; i < n; i++) {
                dst[offset + i] = element(a[i], i);
            }
        } else if (value instanceof scala.collection.Seq<?> s) {
            checkCount(s.length());
            for (int i = 0; i < n; i++) {
                dst[offset + i] = element(s.apply(i), i);
            }
        } else if (value instanceof List<?> list) {
            checkCount(list.size());
            for (int i = 0; i < n; i++) {
                dst[offset + i] = element(list.get(i), i);
            }
        } else {
            throw bad("holds a " + value.getClass().getName() + ": expected an array of floats");
        }
    }

    private float element(Object e, int index) {
        if (e == null) {
            throw bad("has a null at element " + index);
        }
        return ((Number) e).floatValue();
    }

    private void checkCount(int found) {
        if (found != layout.elements()) {
            throw bad("has " + found + " elements: expected " + layout.elements());
        }
    }

    private void checkFinite(float[] dst, int offset, int n) {
        for (int i = offset, end = offset + n; i < end; i++) {
            if (!Float.isFinite(dst[i])) {
                if (layout.nonFinite() == NonFinite.FAIL) {
                    throw bad("holds " + dst[i] + " at element " + (i - offset)
                            + ": expected finite values (quantpipe.data.nonfinite = fail)");
                }
                nonFinite++;
            }
        }
    }

    private static int label(Object v) {
        if (v == null) {
            return -1;
        }
        return ((Number) v).intValue(); // TensorDataset casts the label column to int
    }

    private BadInputException bad(String what) {
        return new BadInputException("column '" + layout.column() + "', row " + rowsRead
                + " of this partition " + what);
    }
}
