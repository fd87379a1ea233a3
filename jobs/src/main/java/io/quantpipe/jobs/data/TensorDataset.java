package io.quantpipe.jobs.data;

import io.quantpipe.jobs.config.QuantpipeConfig;
import io.quantpipe.quant.BadInputException;
import io.quantpipe.quant.ConfigException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import static org.apache.spark.sql.functions.col;

/**
 * A Parquet dataset checked against what the model needs before any task runs: the tensor column
 * exists and has an accepted type, rows hold the expected number of elements, there is at least one
 * row. Every failure is a {@link BadInputException} naming the column, the expected and the found.
 *
 * <p>Binary columns are told apart by the {@value DatasetMetadata#ENCODING} metadata that ingest
 * writes, or {@code quantpipe.data.encoding}; without either, a row of exactly the expected element
 * count in bytes is uint8 and one of four times that is float32.
 */
public final class TensorDataset {
    /** Pass as {@code expectedElements} when any element count is fine (e.g. inspecting a dataset). */
    public static final long ANY_ELEMENT_COUNT = -1;

    private final String path;
    private final Dataset<Row> frame;
    private final TensorLayout layout;
    private final List<String> labelNames;
    private Long count;

    private TensorDataset(String path, Dataset<Row> frame, TensorLayout layout, List<String> labelNames) {
        this.path = path;
        this.frame = frame;
        this.layout = layout;
        this.labelNames = labelNames;
    }

    /**
     * Opens and checks the dataset at {@code path}.
     *
     * @param expectedElements elements per row the model input takes, or {@link #ANY_ELEMENT_COUNT}
     */
    public static TensorDataset open(SparkSession spark, String path, QuantpipeConfig config, long expectedElements) {
        requireExists(spark, path);
        Dataset<Row> df;
        try {
            df = spark.read().parquet(path);
        } catch (Exception e) { // Spark's AnalysisException is checked in Scala's eyes only
            throw new BadInputException("dataset " + path + ": expected a Parquet directory, found "
                    + e.getClass().getSimpleName() + ": " + firstLine(e.getMessage()), e);
        }
        StructType schema = df.schema();
        String tensorName = config.tensorColumn();
        StructField tensor = field(schema, tensorName).orElseThrow(() -> new BadInputException(
                "dataset " + path + ": expected a tensor column '" + tensorName
                        + "' (quantpipe.data.tensor-column), found columns " + Arrays.toString(schema.fieldNames())));

        TensorEncoding encoding;
        Column tensorCol = col(tensorName);
        DataType type = tensor.dataType();
        if (type instanceof ArrayType at && at.elementType() instanceof NumericType) {
            encoding = TensorEncoding.FLOAT_ARRAY;
            if (!at.elementType().equals(DataTypes.FloatType)) {
                tensorCol = tensorCol.cast(DataTypes.createArrayType(DataTypes.FloatType)); // e.g. array<double> from pandas
            }
        } else if (type instanceof BinaryType) {
            encoding = null; // decided from the first row below
        } else {
            throw new BadInputException("tensor column '" + tensorName + "' of dataset " + path
                    + ": expected array<float> or binary, found " + type.simpleString());
        }

        String labelName = config.labelColumn();
        Optional<StructField> label = field(schema, labelName);
        if (label.isPresent() && !isInteger(label.get().dataType())) {
            throw new BadInputException("label column '" + labelName + "' of dataset " + path
                    + ": expected an integer type, found " + label.get().dataType().simpleString());
        }
        Dataset<Row> frame = label.isPresent()
                ? df.select(tensorCol.as(tensorName, tensor.metadata()),
                        col(labelName).cast(DataTypes.IntegerType).as(labelName, label.get().metadata()))
                : df.select(tensorCol.as(tensorName, tensor.metadata()));

        List<Row> first = ReaderBatch.firstRow(frame);
        if (first.isEmpty()) {
            throw new BadInputException("dataset " + path + ": expected at least one row in column '"
                    + tensorName + "', found 0 rows");
        }
        Object value = first.get(0).get(0);
        if (value == null) {
            throw new BadInputException("tensor column '" + tensorName + "' of dataset " + path
                    + ": expected a tensor in the first row, found null");
        }
        if (encoding == null) {
            encoding = binaryEncoding(config, tensor, tensorName, path, ((byte[]) value).length, expectedElements);
        }
        long found = encoding == TensorEncoding.FLOAT_ARRAY ? arrayLength(value)
                : ((byte[]) value).length / encoding.bytesPerElement();
        if (encoding.isBinary() && ((byte[]) value).length % encoding.bytesPerElement() != 0) {
            throw new BadInputException("tensor column '" + tensorName + "' of dataset " + path
                    + ": expected a multiple of 4 bytes per row (float32le), found " + ((byte[]) value).length);
        }
        if (expectedElements >= 0 && found != expectedElements) {
            throw new BadInputException("tensor column '" + tensorName + "' of dataset " + path + ": expected "
                    + expectedElements + " elements per row (the model input), found " + found);
        }

        long[] rowShape = rowShape(config, tensor, tensorName, path, found);
        Uint8Normalization norm = encoding == TensorEncoding.UINT8
                ? Uint8Normalization.of(config, Math.toIntExact(found)) : null;
        if (norm != null && norm.channels() > 1 && rowShape.length == 3 && rowShape[0] != norm.channels()) {
            throw new ConfigException("quantpipe.data.uint8.mean/std: expected one value per channel of "
                    + Arrays.toString(rowShape) + " (" + rowShape[0] + "), found " + norm.channels());
        }
        TensorLayout layout = new TensorLayout(tensorName, encoding, rowShape, label.isPresent(), norm,
                config.nonFinite());
        List<String> names = label.map(f -> DatasetMetadata.labelNames(f.metadata())).orElse(List.of());
        return new TensorDataset(path, frame, layout, names);
    }

    /** The tensor column (0) and, when present, the label column (1, as int), nothing else. */
    public Dataset<Row> frame() {
        return frame;
    }

    public TensorLayout layout() {
        return layout;
    }

    public String path() {
        return path;
    }

    public boolean hasLabels() {
        return layout.hasLabels();
    }

    /** Class names from the label column's metadata (index = label), empty when not recorded. */
    public List<String> labelNames() {
        return labelNames;
    }

    /** Number of rows (a Spark job the first time). */
    public long count() {
        if (count == null) {
            count = frame.count();
        }
        return count;
    }

    private static TensorEncoding binaryEncoding(QuantpipeConfig config, StructField tensor, String name,
                                                 String path, int bytes, long expected) {
        String configured = config.dataEncoding();
        if (!"auto".equals(configured)) {
            return TensorEncoding.fromMetadata(configured, name);
        }
        Optional<String> meta = DatasetMetadata.encoding(tensor.metadata());
        if (meta.isPresent()) {
            TensorEncoding e = TensorEncoding.fromMetadata(meta.get(), name);
            if (!e.isBinary()) {
                throw new BadInputException("tensor column '" + name + "' of dataset " + path
                        + ": expected binary metadata uint8 or float32le, found " + meta.get());
            }
            return e;
        }
        if (expected >= 0 && bytes == expected) {
            return TensorEncoding.UINT8;
        }
        if (expected >= 0 && bytes == 4 * expected) {
            return TensorEncoding.FLOAT32_LE;
        }
        throw new BadInputException("binary tensor column '" + name + "' of dataset " + path
                + ": expected " + DatasetMetadata.ENCODING + " metadata or quantpipe.data.encoding (uint8|float32le)"
                + (expected >= 0 ? " or rows of " + expected + " or " + 4 * expected + " bytes" : "")
                + ", found neither (" + bytes + " bytes per row)");
    }

    private static long[] rowShape(QuantpipeConfig config, StructField tensor, String name, String path, long found) {
        Optional<long[]> configured = config.shape();
        if (configured.isPresent()) {
            long[] s = configured.get();
            if (TensorLayout.product(s) != found) {
                throw new ConfigException("quantpipe.data.shape " + Arrays.toString(s) + ": expected "
                        + found + " elements (column '" + name + "' of " + path + "), found "
                        + TensorLayout.product(s));
            }
            return s;
        }
        Optional<long[]> meta = DatasetMetadata.shape(tensor.metadata());
        if (meta.isPresent()) {
            long[] s = meta.get();
            if (TensorLayout.product(s) != found) {
                throw new BadInputException("tensor column '" + name + "' of dataset " + path + ": expected "
                        + TensorLayout.product(s) + " elements per row (metadata shape " + Arrays.toString(s)
                        + "), found " + found);
            }
            return s;
        }
        return new long[] {found};
    }

    private static long arrayLength(Object v) {
        if (v instanceof scala.collection.Seq<?> s) {
            return s.length();
        }
        if (v instanceof float[] a) {
            return a.length;
        }
        if (v instanceof List<?> l) {
            return l.size();
        }
        throw new IllegalStateException("unexpected array value " + v.getClass());
    }

    private static boolean isInteger(DataType t) {
        return t instanceof IntegerType || t instanceof LongType || t instanceof ShortType || t instanceof ByteType;
    }

    private static Optional<StructField> field(StructType schema, String name) {
        return Arrays.stream(schema.fields()).filter(f -> f.name().equals(name)).findFirst();
    }

    private static void requireExists(SparkSession spark, String path) {
        try {
            Path p = new Path(path);
            FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (!fs.exists(p)) {
                throw new BadInputException("dataset not found: " + path);
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new BadInputException("dataset " + path + ": cannot be listed: " + firstLine(e.getMessage()), e);
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }
}
