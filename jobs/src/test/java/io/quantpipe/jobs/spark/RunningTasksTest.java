package io.quantpipe.jobs.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.spark.SparkContext;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunningTasksTest {
    @TempDir
    Path dir;

    /** Starts a job of two tasks that each sleep, then leave a file named after their partition. */
    private JavaFutureAction<Void> sleepingJob(SparkContext sc, long sleepMs) throws InterruptedException {
        String folder = dir.toString();
        JavaFutureAction<Void> job = JavaSparkContext.fromSparkContext(sc).parallelize(List.of(1, 2), 2)
                .foreachPartitionAsync(it -> {
                    Thread.sleep(sleepMs);
                    Files.writeString(Path.of(folder, "done-" + TaskContext.getPartitionId()), "");
                });
        for (int i = 0; i < 500 && RunningTasks.count(sc) < 2; i++) {
            Thread.sleep(10);
        }
        assertEquals(2, RunningTasks.count(sc), "both tasks started");
        return job;
    }

    @Test
    void awaitNoneReturnsOnlyOnceTheRunningTasksHaveFinished() throws Exception {
        SparkContext sc = TestSpark.session().sparkContext();
        JavaFutureAction<Void> job = sleepingJob(sc, 700);
        assertFalse(Files.exists(dir.resolve("done-0")));
        assertTrue(RunningTasks.awaitNone(sc, Duration.ofSeconds(30)));
        assertTrue(Files.exists(dir.resolve("done-0")) && Files.exists(dir.resolve("done-1")));
        assertEquals(0, RunningTasks.count(sc));
        job.get();
    }

    @Test
    void awaitNoneGivesUpAtItsTimeout() throws Exception {
        SparkContext sc = TestSpark.session().sparkContext();
        JavaFutureAction<Void> job = sleepingJob(sc, 1500);
        assertFalse(RunningTasks.awaitNone(sc, Duration.ofMillis(100)));
        assertFalse(Files.exists(dir.resolve("done-0")), "returned before the tasks ended");
        job.get();
    }
}
