package io.quantpipe.jobs.data;

import io.quantpipe.jobs.config.QuantpipeConfig;
import io.quantpipe.jobs.spark.TestSpark;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReaderBatchTest {
    private static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void spark() {
        spark = TestSpark.session();
    }

    @Test
    void rowsPerBatchKeepTheTensorDataNear128KiB() {
        assertEquals(167, ReaderBatch.rows(784)); // 28x28 uint8
        assertEquals(41, ReaderBatch.rows(784 * 4)); // 28x28 float32
        assertEquals(4, ReaderBatch.rows(32 * 1024));
        assertEquals(1, ReaderBatch.rows(224 * 224 * 3 * 4)); // never below one row
        assertEquals(4096, ReaderBatch.rows(16)); // never above Spark's default
        assertEquals(4096, ReaderBatch.rows(0));
    }

    private TensorDataset uint8Images(int rows) {
        StructType schema = new StructType().add("image", DataTypes.BinaryType, false);
        List<Row> data = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            byte[] image = new byte[784];
            image[i % 784] = (byte) i;
            data.add(RowFactory.create((Object) image));
        }
        String path = dir.resolve("images").toString();
        spark.createDataFrame(data, schema).coalesce(1).write().parquet(path);
        return TensorDataset.open(spark, path, QuantpipeConfig.defaults(), 784);
    }

    /** The SQL metric updates of the tasks {@code action} runs, by metric name. */
    private static Map<String, List<Long>> taskMetrics(Runnable action) throws InterruptedException {
        Map<String, List<Long>> updates = new ConcurrentHashMap<>();
        CountDownLatch jobEnd = new CountDownLatch(1);
        SparkListener listener = new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                end.taskInfo().accumulables().foreach(a -> {
                    if (a.name().isDefined() && a.update().isDefined() && a.update().get() instanceof Number n) {
                        updates.computeIfAbsent(a.name().get(), k -> new CopyOnWriteArrayList<>()).add(n.longValue());
                    }
                    return null;
                });
            }

            @Override
            public void onJobEnd(SparkListenerJobEnd end) {
                jobEnd.countDown();
            }
        };
        spark.sparkContext().addSparkListener(listener);
        try {
            action.run();
            assertTrue(jobEnd.await(60, TimeUnit.SECONDS));
        } finally {
            spark.sparkContext().removeSparkListener(listener);
        }
        return updates;
    }

    /** How many batches the vectorized reader handed on while counting {@code ReaderBatch.javaRDD(ds)}. */
    private static long inputBatches(TensorDataset ds) throws InterruptedException {
        Map<String, List<Long>> m = taskMetrics(() -> assertEquals(1000, ReaderBatch.javaRDD(ds.frame(), ds.layout()).count()));
        return m.getOrDefault("number of input batches", List.of()).stream().mapToLong(Long::longValue).sum();
    }

    @Test
    void theScanReadsBatchesSizedToTheRowsAndTheSessionSettingIsRestored() throws InterruptedException {
        TensorDataset ds = uint8Images(1000);
        String before = spark.conf().get(ReaderBatch.KEY);
        assertEquals(6, inputBatches(ds)); // ceil(1000 / 167)
        assertEquals(before, spark.conf().get(ReaderBatch.KEY));
    }

    @Test
    void aBatchSizeTheUserChoseIsKept() throws InterruptedException {
        TensorDataset ds = uint8Images(1000);
        spark.conf().set(ReaderBatch.KEY, "100");
        try {
            assertEquals(10, inputBatches(ds));
            assertEquals("100", spark.conf().get(ReaderBatch.KEY));
        } finally {
            spark.conf().unset(ReaderBatch.KEY);
        }
    }

    @Test
    void theFirstRowIsReadInABatchOfOneRow() throws InterruptedException {
        TensorDataset ds = uint8Images(1000);
        List<Row> first = new ArrayList<>();
        Map<String, List<Long>> m = taskMetrics(() -> first.addAll(ReaderBatch.firstRow(ds.frame())));
        assertEquals(1, first.size());
        assertEquals(784, ((byte[]) first.get(0).get(0)).length);
        // The scan's row count: with Spark's 4,096-row batches the whole 1,000-row file is decoded.
        long decoded = m.get("number of output rows").stream().mapToLong(Long::longValue).max().orElseThrow();
        assertTrue(decoded <= 2, "rows decoded for the first row: " + decoded);
    }
}
