package io.quantpipe.jobs.data;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.RuntimeConfig;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.util.List;
import java.util.function.Supplier;

/**
 * Sizes the batches of Spark's vectorized Parquet reader to the tensor rows. The reader decodes
 * {@value #KEY} rows (4,096 unless set) per batch into on-heap column vectors, one set per task,
 * and grows a binary vector to twice what a batch holds: 6.4 MB for 28x28 uint8 images, 2.4 GB for
 * 224x224x3 float32 ones. Vectors larger than half a G1 region (512 KB with a 1 GB heap) are
 * humongous allocations, made again for every file a task opens, each of which can start a
 * concurrent GC cycle; at 224x224x3 float32 a batch would not fit a 2 GB heap at all. Batches of
 * about {@value #TARGET_BYTES} bytes of tensor data keep the vectors small; the reader's cost per
 * batch is negligible at that size. The first-row check
 * of a dataset, made before the row size is known, reads a batch of one row (a 4,096-row batch
 * would decode a whole file of large images for one row).
 *
 * <p>A value of {@value #KEY} other than Spark's default is the user's and is left alone.
 */
public final class ReaderBatch {
    static final String KEY = "spark.sql.parquet.columnarReaderBatchSize";
    static final int SPARK_DEFAULT = 4096;
    /** Tensor bytes per reader batch; twice this (the vector's growth) stays under 512 KB. */
    static final long TARGET_BYTES = 128 * 1024;

    private ReaderBatch() {
    }

    /** Rows per reader batch for rows of {@code rowBytes} bytes: at least 1, at most Spark's default. */
    static int rows(long rowBytes) {
        return (int) Math.max(1, Math.min(SPARK_DEFAULT, TARGET_BYTES / Math.max(1, rowBytes)));
    }

    /** Tensor bytes of one row as the reader holds it (array columns: 4 bytes per float). */
    static long rowBytes(TensorLayout layout) {
        return (long) layout.elements() * layout.encoding().bytesPerElement();
    }

    /**
     * The rows of {@code frame} (a checked dataset's frame, possibly repartitioned) as an RDD whose
     * Parquet scan reads batches sized to {@code layout}'s rows.
     */
    public static JavaRDD<Row> javaRDD(Dataset<Row> frame, TensorLayout layout) {
        return withBatchRows(frame.sparkSession(), rows(rowBytes(layout)), frame::javaRDD);
    }

    /**
     * The first row of {@code frame}, or none, read in a batch of one row: the row size is not
     * known yet, and a batch of 4,096 large images would not fit a small heap.
     */
    public static List<Row> firstRow(Dataset<Row> frame) {
        return withBatchRows(frame.sparkSession(), 1, () -> frame.limit(1).collectAsList());
    }

    /**
     * Runs {@code plan}, which plans a scan (the reader takes its batch size then), with batches of
     * {@code rows} rows unless the user chose a batch size; the session's setting is restored after.
     */
    private static <T> T withBatchRows(SparkSession spark, int rows, Supplier<T> plan) {
        RuntimeConfig conf = spark.conf();
        String before = conf.get(KEY, null);
        if (before != null && !before.equals(Integer.toString(SPARK_DEFAULT))) {
            return plan.get();
        }
        conf.set(KEY, Integer.toString(rows));
        try {
            return plan.get();
        } finally {
            if (before == null) {
                conf.unset(KEY);
            } else {
                conf.set(KEY, before);
            }
        }
    }
}
