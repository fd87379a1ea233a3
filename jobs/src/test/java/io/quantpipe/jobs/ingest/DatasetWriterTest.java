package io.quantpipe.jobs.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quantpipe.jobs.spark.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetWriterTest {
    @TempDir
    Path dir;

    /**
     * Partition 1 fails at once while partition 0 is still at work that does not stop on an interrupt
     * (as an image decode or a file write in progress). Spark fails the job without waiting for
     * partition 0; the write must wait for it before it removes its temporary directory, and leave
     * nothing behind.
     */
    @Test
    void failedWriteWaitsForItsOtherTasksAndLeavesNothingBehind() throws IOException {
        SparkSession spark = TestSpark.session();
        Path out = dir.resolve("out").resolve("ds");
        String marker = dir.resolve("partition-0-ended").toString();
        String started = dir.resolve("partition-0-started").toString();
        FlatMapFunction<Iterator<Integer>, Row> slowOrFailing = ids -> {
            List<Row> mine = new ArrayList<>();
            ids.forEachRemaining(i -> mine.add(RowFactory.create(i)));
            if (TaskContext.getPartitionId() == 1) {
                // Fail only once partition 0 is in its work: failing first would let Spark kill
                // partition 0 before it starts, and there would be nothing to wait for.
                long giveUp = System.nanoTime() + 10_000_000_000L;
                while (!Files.exists(Path.of(started)) && System.nanoTime() < giveUp) {
                    Thread.sleep(5);
                }
                throw new IllegalStateException("partition 1 fails");
            }
            Files.writeString(Path.of(started), "");
            // Work that does not stop on an interrupt (Spark interrupts the tasks of a failed job).
            long end = System.nanoTime() + 1_000_000_000L;
            while (System.nanoTime() < end) {
                Thread.onSpinWait();
            }
            Files.writeString(Path.of(marker), "");
            return mine.iterator();
        };
        JavaRDD<Row> rdd = JavaSparkContext.fromSparkContext(spark.sparkContext())
                .parallelize(List.of(1, 2, 3, 4), 2).mapPartitions(slowOrFailing);
        Dataset<Row> rows = spark.createDataFrame(rdd, new StructType().add("id", DataTypes.IntegerType, false));
        FileSystem fs = FileSystem.getLocal(spark.sparkContext().hadoopConfiguration());

        assertThrows(Exception.class, () -> DatasetWriter.write(rows, fs, new org.apache.hadoop.fs.Path(out.toUri()), false));
        assertTrue(Files.exists(Path.of(marker)), "the failed write returned while partition 0 still ran");
        try (var listing = Files.list(out.getParent())) {
            assertEquals(List.of(), listing.map(p -> p.getFileName().toString()).toList());
        }
    }
}
