package io.quantpipe.jobs.data;

import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.MetadataBuilder;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Column metadata quantpipe writes into a dataset's Spark schema (kept in the Parquet footer):
 * the tensor column's encoding and per-row shape, and the label column's class names.
 */
public final class DatasetMetadata {
    /** Tensor column: {@code uint8}, {@code float32le} or {@code float32}. */
    public static final String ENCODING = "quantpipe.encoding";
    /** Tensor column: per-row shape, e.g. {@code [1, 28, 28]} (row-major). */
    public static final String SHAPE = "quantpipe.shape";
    /** Label column: class names, index = label value. */
    public static final String LABELS = "quantpipe.labels";

    private DatasetMetadata() {
    }

    public static Metadata tensor(TensorEncoding encoding, long[] shape) {
        return new MetadataBuilder()
                .putString(ENCODING, encoding.metadataName())
                .putLongArray(SHAPE, shape.clone())
                .build();
    }

    public static Metadata labels(List<String> names) {
        MetadataBuilder b = new MetadataBuilder();
        if (!names.isEmpty()) {
            b.putStringArray(LABELS, names.toArray(new String[0]));
        }
        return b.build();
    }

    static Optional<String> encoding(Metadata m) {
        return m.contains(ENCODING) ? Optional.of(m.getString(ENCODING)) : Optional.empty();
    }

    static Optional<long[]> shape(Metadata m) {
        return m.contains(SHAPE) ? Optional.of(m.getLongArray(SHAPE)) : Optional.empty();
    }

    static List<String> labelNames(Metadata m) {
        return m.contains(LABELS) ? Arrays.asList(m.getStringArray(LABELS)) : List.of();
    }
}
