package io.quantpipe.jobs.spark;

import org.apache.spark.Success$;
import org.apache.spark.TaskFailedReason;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.storage.RDDInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.jdk.javaapi.CollectionConverters;

import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The driver's view of a pass over a dataset (calibration, evaluation), in the log: partitions
 * done out of the total, rows read and the rate, and task attempts that failed (Spark retries them;
 * their partial states never reach the result). Listens only to the stages that compute the pass's RDD.
 */
public final class PassProgress extends SparkListener {
    private static final Logger LOG = LoggerFactory.getLogger(PassProgress.class);
    private static final long LOG_EVERY_NANOS = 5_000_000_000L;

    private final int rddId;
    private final int partitions;
    private final String name;
    private final Set<Integer> stages = ConcurrentHashMap.newKeySet();
    private final Set<Integer> jobs = ConcurrentHashMap.newKeySet();
    private final CountDownLatch ended = new CountDownLatch(1);
    private final long start = System.nanoTime();
    private long lastLog = start;
    private int done;
    private int failed;
    private long rows;

    public PassProgress(String name, int rddId, int partitions) {
        this.name = name;
        this.rddId = rddId;
        this.partitions = partitions;
    }

    @Override
    public void onJobStart(SparkListenerJobStart jobStart) {
        for (StageInfo stage : CollectionConverters.asJava(jobStart.stageInfos())) {
            for (RDDInfo rdd : CollectionConverters.asJava(stage.rddInfos())) {
                if (rdd.id() == rddId) {
                    stages.add(stage.stageId());
                    jobs.add(jobStart.jobId());
                }
            }
        }
    }

    @Override
    public synchronized void onTaskEnd(SparkListenerTaskEnd taskEnd) {
        if (!stages.contains(taskEnd.stageId())) {
            return;
        }
        if (taskEnd.reason() != Success$.MODULE$) {
            failed++;
            LOG.warn("{}: task for partition {} failed (attempt {}): {}; Spark retries it if attempts are left",
                    name, taskEnd.taskInfo().index(), taskEnd.taskInfo().attemptNumber(),
                    taskEnd.reason() instanceof TaskFailedReason r ? firstLine(r.toErrorString()) : taskEnd.reason());
            return;
        }
        done++;
        TaskMetrics m = taskEnd.taskMetrics();
        if (m != null) {
            rows += m.inputMetrics().recordsRead() + m.shuffleReadMetrics().recordsRead();
        }
        long now = System.nanoTime();
        if (done == partitions || now - lastLog >= LOG_EVERY_NANOS) {
            lastLog = now;
            double seconds = (now - start) / 1e9;
            LOG.info("{}: {}/{} partitions done, {} rows, {}", name, done, partitions, rows,
                    String.format(Locale.ROOT, "%.0f rows/s", seconds > 0 ? rows / seconds : 0.0));
        }
    }

    @Override
    public void onJobEnd(SparkListenerJobEnd jobEnd) {
        if (jobs.contains(jobEnd.jobId())) {
            ended.countDown();
        }
    }

    /**
     * Failed task attempts of the pass. Listener events arrive asynchronously; this waits (a few
     * seconds at most) until the end of the pass's job has been seen, so every task end before it is
     * counted.
     */
    public int failedAttempts() {
        try {
            if (!ended.await(10, TimeUnit.SECONDS)) {
                LOG.warn("{}: Spark's listener events lag; the count of failed task attempts may be short", name);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            return failed;
        }
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
