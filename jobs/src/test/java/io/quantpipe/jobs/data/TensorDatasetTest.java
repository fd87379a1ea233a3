package io.quantpipe.jobs.data;

import io.quantpipe.jobs.config.QuantpipeConfig;
import io.quantpipe.jobs.spark.TestSpark;
import io.quantpipe.quant.BadInputException;
import io.quantpipe.quant.ConfigException;
import org.apache.spark.SparkException;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TensorDatasetTest {
    private static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void spark() {
        spark = TestSpark.session();
    }

    /** Row i holds elements i*100 + j. */
    private static float[] values(int i, int elements) {
        float[] v = new float[elements];
        for (int j = 0; j < elements; j++) {
            v[j] = i * 100 + j + 0.25f;
        }
        return v;
    }

    private String write(String name, StructType schema, List<Row> rows) {
        String path = dir.resolve(name).toString();
        spark.createDataFrame(rows, schema).coalesce(1).write().parquet(path);
        return path;
    }

    private String floatArrays(int rows, int elements, boolean labels) {
        StructType schema = new StructType()
                .add("image", DataTypes.createArrayType(DataTypes.FloatType, false), false);
        if (labels) {
            schema = schema.add("label", DataTypes.LongType, true);
        }
        List<Row> out = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            out.add(labels ? RowFactory.create(values(i, elements), (long) (i % 3)) : RowFactory.create((Object) values(i, elements)));
        }
        return write("arrays", schema, out);
    }

    private static List<Batch> batches(TensorDataset ds, int batchSize) {
        List<Batch> out = new ArrayList<>();
        // A batch is valid until the next one is read: keep copies.
        ds.layout().batches(ds.frame().collectAsList().iterator(), batchSize).forEachRemaining(b -> out.add(
                new Batch(b.data().clone(), b.shape(), b.labels() == null ? null : b.labels().clone())));
        return out;
    }

    @Test
    void arrayRowsBecomeBatchesOfTheRequestedSize() {
        String path = floatArrays(5, 6, true);
        TensorDataset ds = TensorDataset.open(spark, path, QuantpipeConfig.defaults(), 6);
        assertEquals(TensorEncoding.FLOAT_ARRAY, ds.layout().encoding());
        assertEquals(5, ds.count());
        assertTrue(ds.hasLabels());
        List<Batch> batches = batches(ds, 2);
        assertEquals(List.of(2, 2, 1), batches.stream().map(Batch::size).toList());
        assertArrayEquals(new long[] {2, 6}, batches.get(0).shape());
        assertArrayEquals(new long[] {1, 6}, batches.get(2).shape());
        float[] all = new float[30];
        int[] labels = new int[5];
        int at = 0;
        for (Batch b : batches) {
            System.arraycopy(b.data(), 0, all, at * 6, b.data().length);
            System.arraycopy(b.labels(), 0, labels, at, b.size());
            at += b.size();
        }
        for (int i = 0; i < 5; i++) {
            assertArrayEquals(values(i, 6), Arrays.copyOfRange(all, i * 6, i * 6 + 6));
            assertEquals(i % 3, labels[i]);
        }
    }

    @Test
    void batchesAreBuiltInsideTasksToo() {
        String path = floatArrays(7, 4, false);
        TensorDataset ds = TensorDataset.open(spark, path, QuantpipeConfig.defaults(), 4);
        TensorLayout layout = ds.layout().withRowShape(1, 2, 2);
        List<Double> sums = ds.frame().repartition(3).javaRDD().mapPartitions(rows -> {
            List<Double> partial = new ArrayList<>();
            var it = layout.batches(rows, 2);
            while (it.hasNext()) {
                Batch b = it.next();
                if (b.shape().length != 4 || b.shape()[1] != 1 || b.labels() != null) {
                    throw new IllegalStateException(Arrays.toString(b.shape()));
                }
                double s = 0;
                for (float v : b.data()) {
                    s += v;
                }
                partial.add(s);
            }
            return partial.iterator();
        }).collect();
        double expected = 0;
        for (int i = 0; i < 7; i++) {
            for (float v : values(i, 4)) {
                expected += v;
            }
        }
        assertEquals(expected, sums.stream().mapToDouble(Double::doubleValue).sum(), 1e-9);
    }

    @Test
    void float32LittleEndianBinaryWithMetadataDecodesToTheSameFloats() {
        StructType schema = new StructType().add("image", DataTypes.BinaryType, false,
                DatasetMetadata.tensor(TensorEncoding.FLOAT32_LE, new long[] {2, 3}));
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ByteBuffer bb = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : values(i, 6)) {
                bb.putFloat(v);
            }
            rows.add(RowFactory.create((Object) bb.array()));
        }
        TensorDataset ds = TensorDataset.open(spark, write("f32", schema, rows), QuantpipeConfig.defaults(), 6);
        assertEquals(TensorEncoding.FLOAT32_LE, ds.layout().encoding());
        assertArrayEquals(new long[] {2, 3}, ds.layout().rowShape());
        assertEquals(false, ds.hasLabels());
        Batch b = batches(ds, 8).get(0);
        assertArrayEquals(new long[] {3, 2, 3}, b.shape());
        assertNull(b.labels());
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(values(i, 6), Arrays.copyOfRange(b.data(), i * 6, i * 6 + 6));
        }
    }

    @Test
    void uint8RowsAreNormalisedWithTheConfiguredMeanAndStd() {
        StructType schema = new StructType()
                .add("pixels", DataTypes.BinaryType, false, DatasetMetadata.tensor(TensorEncoding.UINT8, new long[] {2, 2, 2}))
                .add("y", DataTypes.ByteType, true);
        byte[] px = {0, 50, 100, (byte) 150, (byte) 200, (byte) 250, 7, 9};
        List<Row> rows = List.of(RowFactory.create(px, (byte) 4), RowFactory.create(px, null));
        QuantpipeConfig config = QuantpipeConfig.of("quantpipe.data.tensor-column=pixels", "quantpipe.data.label-column=y",
                "quantpipe.data.uint8.mean=[0.5, 0.25]", "quantpipe.data.uint8.std=[0.5, 2]");
        TensorDataset ds = TensorDataset.open(spark, write("u8", schema, rows), config, 8);
        Batch b = batches(ds, 4).get(0);
        assertArrayEquals(new int[] {4, -1}, b.labels());
        float[] mean = {0.5f, 0.25f};
        float[] std = {0.5f, 2f};
        for (int i = 0; i < 8; i++) {
            int c = i / 4;
            assertEquals(((px[i] & 0xFF) / 255f - mean[c]) / std[c], b.data()[i], "element " + i);
            assertEquals(b.data()[i], b.data()[8 + i]);
        }
    }

    @Test
    void binaryWithoutMetadataIsToldApartByTheExpectedElementCount() {
        StructType schema = new StructType().add("image", DataTypes.BinaryType, false);
        String path = write("plain", schema, List.of(RowFactory.create((Object) new byte[16])));
        assertEquals(TensorEncoding.UINT8, TensorDataset.open(spark, path, QuantpipeConfig.defaults(), 16).layout().encoding());
        assertEquals(TensorEncoding.FLOAT32_LE, TensorDataset.open(spark, path, QuantpipeConfig.defaults(), 4).layout().encoding());
        assertEquals(TensorEncoding.FLOAT32_LE,
                TensorDataset.open(spark, path, QuantpipeConfig.of("quantpipe.data.encoding=float32le"), TensorDataset.ANY_ELEMENT_COUNT)
                        .layout().encoding());
        BadInputException e = assertThrows(BadInputException.class,
                () -> TensorDataset.open(spark, path, QuantpipeConfig.defaults(), TensorDataset.ANY_ELEMENT_COUNT));
        assertEquals("binary tensor column 'image' of dataset " + path + ": expected quantpipe.encoding metadata or "
                + "quantpipe.data.encoding (uint8|float32le), found neither (16 bytes per row)", e.getMessage());
    }

    @Test
    void configuredShapeMustHoldTheRowsElements() {
        String path = floatArrays(2, 6, false);
        assertArrayEquals(new long[] {3, 2},
                TensorDataset.open(spark, path, QuantpipeConfig.of("quantpipe.data.shape=[3,2]"), 6).layout().rowShape());
        ConfigException e = assertThrows(ConfigException.class,
                () -> TensorDataset.open(spark, path, QuantpipeConfig.of("quantpipe.data.shape=[2,2]"), 6));
        assertEquals("quantpipe.data.shape [2, 2]: expected 6 elements (column 'image' of " + path + "), found 4",
                e.getMessage());
    }

    @Test
    void missingTensorColumnNamesTheColumnAndTheColumnsFound() {
        String path = floatArrays(2, 6, true);
        BadInputException e = assertThrows(BadInputException.class,
                () -> TensorDataset.open(spark, path, QuantpipeConfig.of("quantpipe.data.tensor-column=pixels"), 6));
        assertEquals("dataset " + path + ": expected a tensor column 'pixels' (quantpipe.data.tensor-column), "
                + "found columns [image, label]", e.getMessage());
    }

    @Test
    void wrongElementCountNamesExpectedAndFound() {
        String path = floatArrays(2, 6, false);
        BadInputException e = assertThrows(BadInputException.class,
                () -> TensorDataset.open(spark, path, QuantpipeConfig.defaults(), 784));
        assertEquals("tensor column 'image' of dataset " + path + ": expected 784 elements per row (the model input), "
                + "found 6", e.getMessage());
    }

    @Test
    void wrongColumnTypeNamesTheTypeFound() {
        StructType schema = new StructType().add("image", DataTypes.StringType, false);
        String path = write("strings", schema, List.of(RowFactory.create("not a tensor")));
        BadInputException e = assertThrows(BadInputException.class,
                () -> TensorDataset.open(spark, path, QuantpipeConfig.defaults(), 6));
        assertEquals("tensor column 'image' of dataset " + path + ": expected array<float> or binary, found string",
                e.getMessage());
    }

    @Test
    void nonIntegerLabelsAreRejected() {
        StructType schema = new StructType()
                .add("image", DataTypes.createArrayType(DataTypes.FloatType), false)
                .add("label", DataTypes.StringType, true);
        String path = write("strlabels", schema, List.of(RowFactory.create(new float[] {1f}, "cat")));
        BadInputException e = assertThrows(BadInputException.class,
                () -> TensorDataset.open(spark, path, QuantpipeConfig.defaults(), 1));
        assertEquals("label column 'label' of dataset " + path + ": expected an integer type, found string", e.getMessage());
    }

    @Test
    void emptyDatasetIsRejected() {
        StructType schema = new StructType().add("image", DataTypes.createArrayType(DataTypes.FloatType), false);
        String path = write("empty", schema, List.of());
        BadInputException e = assertThrows(BadInputException.class,
                () -> TensorDataset.open(spark, path, QuantpipeConfig.defaults(), 6));
        assertEquals("dataset " + path + ": expected at least one row in column 'image', found 0 rows", e.getMessage());
    }

    @Test
    void missingDatasetIsRejected() {
        String path = dir.resolve("nothing-here").toString();
        BadInputException e = assertThrows(BadInputException.class,
                () -> TensorDataset.open(spark, path, QuantpipeConfig.defaults(), 6));
        assertEquals("dataset not found: " + path, e.getMessage());
    }

    @Test
    void doubleArraysAreReadAsFloats() {
        StructType schema = new StructType().add("image", DataTypes.createArrayType(DataTypes.DoubleType), false);
        String path = write("doubles", schema, List.of(RowFactory.create((Object) new double[] {0.5, -2.0, 3.25})));
        TensorDataset ds = TensorDataset.open(spark, path, QuantpipeConfig.defaults(), 3);
        assertArrayEquals(new float[] {0.5f, -2f, 3.25f}, batches(ds, 1).get(0).data());
    }

    @Test
    void aShortRowLaterInTheDataStopsTheTaskWithBadInput() {
        StructType schema = new StructType().add("image", DataTypes.createArrayType(DataTypes.FloatType, false), false);
        List<Row> rows = List.of(RowFactory.create((Object) new float[] {1, 2, 3}), RowFactory.create((Object) new float[] {1, 2}));
        String path = write("ragged", schema, rows);
        TensorDataset ds = TensorDataset.open(spark, path, QuantpipeConfig.defaults(), 3);
        TensorLayout layout = ds.layout();
        SparkException e = assertThrows(SparkException.class, () -> ds.frame().javaRDD()
                .mapPartitions(it -> {
                    layout.batches(it, 4).forEachRemaining(b -> { });
                    return List.of(0).iterator();
                }).collect());
        Throwable cause = e;
        while (cause != null && !(cause instanceof BadInputException)) {
            cause = cause.getCause();
        }
        assertTrue(cause instanceof BadInputException, "cause chain of " + e);
        assertEquals("column 'image', row 1 of this partition has 2 elements: expected 3", cause.getMessage());
    }

    @Test
    void nonFiniteValuesAreCountedOrFail() {
        StructType schema = new StructType().add("image", DataTypes.createArrayType(DataTypes.FloatType, false), false);
        List<Row> rows = List.of(RowFactory.create((Object) new float[] {Float.NaN, 1, Float.POSITIVE_INFINITY}));
        String path = write("nan", schema, rows);
        TensorDataset counting = TensorDataset.open(spark, path, QuantpipeConfig.defaults(), 3);
        BatchIterator it = counting.layout().batches(counting.frame().collectAsList().iterator(), 2);
        it.next();
        assertEquals(2, it.nonFiniteCount());
        assertEquals(1, it.rowsRead());
        TensorDataset failing = TensorDataset.open(spark, path, QuantpipeConfig.of("quantpipe.data.nonfinite=fail"), 3);
        BadInputException e = assertThrows(BadInputException.class,
                () -> failing.layout().batches(failing.frame().collectAsList().iterator(), 2).next());
        assertEquals("column 'image', row 0 of this partition holds NaN at element 0: expected finite values "
                + "(quantpipe.data.nonfinite = fail)", e.getMessage());
    }

    @Test
    void labelNamesComeFromTheLabelMetadata() {
        StructType schema = new StructType()
                .add("image", DataTypes.createArrayType(DataTypes.FloatType), false)
                .add("label", DataTypes.IntegerType, true, DatasetMetadata.labels(List.of("cat", "dog")));
        String path = write("named", schema, List.of(RowFactory.create(new float[] {1f}, 1)));
        assertEquals(List.of("cat", "dog"), TensorDataset.open(spark, path, QuantpipeConfig.defaults(), 1).labelNames());
        assertEquals(Metadata.empty(), DatasetMetadata.labels(List.of()));
    }
}
