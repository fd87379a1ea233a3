package io.quantpipe.jobs.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.spark.SparkContext;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobTasksTest {
    @TempDir
    Path dir;

    /** Submits, from this thread, a job of two tasks that sleep, then leave a file named after their partition. */
    private JavaFutureAction<Void> sleepingJob(SparkContext sc, String name, long sleepMs) {
        String folder = dir.toString();
        return JavaSparkContext.fromSparkContext(sc).parallelize(List.of(1, 2), 2)
                .foreachPartitionAsync(it -> {
                    Thread.sleep(sleepMs);
                    Files.writeString(Path.of(folder, name + "-" + TaskContext.getPartitionId()), "");
                });
    }

    @Test
    void awaitEndedReturnsOnlyOnceTheScopesTasksHaveFinished() throws Exception {
        SparkContext sc = TestSpark.session().sparkContext();
        JavaFutureAction<Void> job;
        try (JobTasks tasks = JobTasks.follow(sc)) {
            job = sleepingJob(sc, "mine", 700);
            assertFalse(Files.exists(dir.resolve("mine-0")));
            assertTrue(tasks.awaitEnded(Duration.ofSeconds(30)));
            assertTrue(Files.exists(dir.resolve("mine-0")) && Files.exists(dir.resolve("mine-1")));
            assertEquals(0, tasks.running());
        }
        job.get();
    }

    @Test
    void awaitEndedGivesUpAtItsTimeout() throws Exception {
        SparkContext sc = TestSpark.session().sparkContext();
        JavaFutureAction<Void> job;
        try (JobTasks tasks = JobTasks.follow(sc)) {
            job = sleepingJob(sc, "mine", 1500);
            assertFalse(tasks.awaitEnded(Duration.ofMillis(300)));
            assertFalse(Files.exists(dir.resolve("mine-0")), "returned before the tasks ended");
        }
        job.get();
    }

    @Test
    void jobsOfOtherThreadsAreNotWaitedFor() throws Exception {
        SparkContext sc = TestSpark.session().sparkContext();
        // Made before the scope opens: Spark's local properties pass to threads made later.
        ExecutorService otherThread = Executors.newSingleThreadExecutor();
        try {
            otherThread.submit(() -> { }).get();
            try (JobTasks tasks = JobTasks.follow(sc)) {
                JavaFutureAction<Void> other = otherThread.submit(() -> sleepingJob(sc, "other", 3000)).get();
                assertTrue(tasks.awaitEnded(Duration.ofSeconds(30)));
                assertFalse(Files.exists(dir.resolve("other-0")), "waited for another thread's job");
                other.get();
            }
        } finally {
            otherThread.shutdown();
        }
    }
}
