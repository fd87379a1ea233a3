package io.quantpipe.jobs.spark;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.scheduler.StageInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tasks of the Spark jobs this thread starts while it is open, followed through the listener
 * bus. When a job fails, Spark reports the failure at once while the job's other tasks may still
 * be decoding, writing or committing: cleaning up after a failed write must wait for them, or what
 * they write lands in what was just removed. Jobs of other threads (a shared notebook context) are
 * not counted.
 *
 * <p>Spark's status tracker is no help here: it throttles its live updates and can report no
 * running task while two run.
 */
public final class JobTasks extends SparkListener implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JobTasks.class);
    private static final String KEY = "quantpipe.jobTasks.scope";
    /** How long to wait for the start of a job that ended before its start reached this listener. */
    private static final long FIRST_JOB_GRACE_MS = 1000;

    private final SparkContext sc;
    private final String scope = UUID.randomUUID().toString();
    private final String previous;
    private final Set<Integer> jobs = new HashSet<>();
    private final Set<Integer> endedJobs = new HashSet<>();
    private final Set<Integer> stages = new HashSet<>();
    private int running;

    private JobTasks(SparkContext sc) {
        this.sc = sc;
        this.previous = sc.getLocalProperty(KEY);
        sc.addSparkListener(this);
        sc.setLocalProperty(KEY, scope);
    }

    /** Follows the jobs this thread starts from now until {@link #close}. */
    public static JobTasks follow(SparkContext sc) {
        return new JobTasks(sc);
    }

    /**
     * Waits until every job started in this scope has ended and none of its tasks still runs, for
     * at most {@code timeout}; false if that did not happen in time.
     */
    public synchronized boolean awaitEnded(Duration timeout) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        long graceEnd = start + FIRST_JOB_GRACE_MS * 1_000_000;
        boolean logged = false;
        while (true) {
            long now = System.nanoTime();
            boolean ended = jobs.isEmpty() ? now >= graceEnd : endedJobs.size() == jobs.size() && running == 0;
            if (ended) {
                return true;
            }
            if (now >= deadline) {
                LOG.warn("{} tasks of this job still running after {} s; going on", running, timeout.toSeconds());
                return false;
            }
            if (!logged && running > 0) {
                LOG.info("waiting for {} running tasks of this job to stop", running);
                logged = true;
            }
            long until = jobs.isEmpty() ? Math.min(graceEnd, deadline) : deadline;
            wait(Math.max(1, (until - now) / 1_000_000));
        }
    }

    /** Tasks of this scope's jobs running now, as far as the listener bus has told. */
    public synchronized int running() {
        return running;
    }

    @Override
    public synchronized void onJobStart(SparkListenerJobStart e) {
        if (e.properties() != null && scope.equals(e.properties().getProperty(KEY))) {
            jobs.add(e.jobId());
            for (StageInfo s : scala.jdk.javaapi.CollectionConverters.asJava(e.stageInfos())) {
                stages.add(s.stageId());
            }
            notifyAll();
        }
    }

    @Override
    public synchronized void onJobEnd(SparkListenerJobEnd e) {
        if (jobs.contains(e.jobId())) {
            endedJobs.add(e.jobId());
            notifyAll();
        }
    }

    @Override
    public synchronized void onTaskStart(SparkListenerTaskStart e) {
        if (stages.contains(e.stageId())) {
            running++;
        }
    }

    @Override
    public synchronized void onTaskEnd(SparkListenerTaskEnd e) {
        if (stages.contains(e.stageId())) {
            running--;
            notifyAll();
        }
    }

    @Override
    public void close() {
        sc.setLocalProperty(KEY, previous);
        sc.removeSparkListener(this);
    }
}
