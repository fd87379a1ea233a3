package io.quantpipe.jobs.spark;

import java.time.Duration;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkExecutorInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tasks still running on the executors, as Spark's status tracker reports them. When a job fails,
 * Spark returns at once while its other tasks may still be finishing (writing or committing
 * files); cleaning up after a failed write must wait for them, or they write into what was just
 * removed.
 */
public final class RunningTasks {
    private static final Logger LOG = LoggerFactory.getLogger(RunningTasks.class);
    private static final long POLL_MS = 20;

    private RunningTasks() {
    }

    /** Tasks running now, summed over the driver and every executor. */
    public static int count(SparkContext sc) {
        int n = 0;
        for (SparkExecutorInfo e : sc.statusTracker().getExecutorInfos()) {
            n += e.numRunningTasks();
        }
        return n;
    }

    /**
     * Waits until no task runs, for at most {@code timeout}; false if some still ran then. Counts
     * tasks of every job, so a busy shared context (a notebook) costs the whole timeout.
     */
    public static boolean awaitNone(SparkContext sc, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean logged = false;
        for (int n = count(sc); n > 0; n = count(sc)) {
            if (System.nanoTime() >= deadline) {
                LOG.warn("{} tasks still running after {} s; going on", n, timeout.toSeconds());
                return false;
            }
            if (!logged) {
                LOG.info("waiting for {} running tasks to finish", n);
                logged = true;
            }
            try {
                Thread.sleep(POLL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }
}
