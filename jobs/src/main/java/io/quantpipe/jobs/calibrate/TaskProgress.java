package io.quantpipe.jobs.calibrate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;

/**
 * Progress of one partition in the executor's log: a line every {@value #INTERVAL_SECONDS} s while
 * it runs and one when it ends, with rows done and rows per second.
 */
final class TaskProgress {
    private static final Logger LOG = LoggerFactory.getLogger(TaskProgress.class);
    static final long INTERVAL_SECONDS = 30;
    private static final long INTERVAL_NANOS = INTERVAL_SECONDS * 1_000_000_000L;

    private final int partition;
    private final int attempt;
    private final long start = System.nanoTime();
    private long nextReport = start + INTERVAL_NANOS;
    private long rows;

    TaskProgress(int partition, int attempt) {
        this.partition = partition;
        this.attempt = attempt;
    }

    void add(int n) {
        rows += n;
        long now = System.nanoTime();
        if (now >= nextReport) {
            nextReport = now + INTERVAL_NANOS;
            LOG.info("calibrate partition {}{}: {} rows so far, {}", partition, attemptLabel(), rows, rate(now));
        }
    }

    void done() {
        LOG.info("calibrate partition {}{}: {} rows done, {}", partition, attemptLabel(), rows, rate(System.nanoTime()));
    }

    private String attemptLabel() {
        return attempt == 0 ? "" : " (attempt " + attempt + ")";
    }

    private String rate(long now) {
        double seconds = (now - start) / 1e9;
        return String.format(Locale.ROOT, "%.1f s, %.0f rows/s", seconds, seconds > 0 ? rows / seconds : 0.0);
    }
}
