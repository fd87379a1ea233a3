package io.quantpipe.jobs.ingest;

import io.quantpipe.jobs.spark.JobTasks;
import io.quantpipe.quant.ConfigException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;

import java.io.IOException;
import java.time.Duration;
import java.util.UUID;

/**
 * Writes a dataset so that it appears complete or not at all: Spark writes to a hidden temporary
 * directory beside the target, which is renamed to the target once every task has finished. An
 * existing non-empty target is refused unless overwriting; the old one is removed only after the
 * new one is in place. A failed write waits for its job's other tasks before removing the
 * temporary directory, so that nothing they still write outlives the failure.
 */
final class DatasetWriter {
    /** How long a failed write waits for its other tasks before removing what they wrote. */
    private static final Duration TASK_DRAIN_TIMEOUT = Duration.ofSeconds(60);

    private DatasetWriter() {
    }

    /** Fails before any work if {@code out} exists, is not empty, and overwriting was not asked for. */
    static void checkTarget(FileSystem fs, Path out, boolean overwrite) throws IOException {
        if (!overwrite && fs.exists(out) && !isEmptyDirectory(fs, out)) {
            throw new ConfigException("--out " + out + ": expected a new or empty directory, found an existing "
                    + (fs.getFileStatus(out).isDirectory() ? "dataset" : "file") + " (add --overwrite to replace it)");
        }
    }

    static void write(Dataset<Row> rows, FileSystem fs, Path out, boolean overwrite) throws IOException {
        checkTarget(fs, out, overwrite);
        Path parent = out.getParent();
        if (parent != null) {
            fs.mkdirs(parent);
        }
        String id = UUID.randomUUID().toString();
        Path tmp = new Path(parent, "." + out.getName() + ".tmp-" + id);
        try (JobTasks tasks = JobTasks.follow(rows.sparkSession().sparkContext())) {
            try {
                rows.write().mode(SaveMode.ErrorIfExists).parquet(tmp.toString());
            } catch (Throwable failure) {
                // The job failed on one task while others may still be writing or committing under
                // tmp: removed now, their files would land in a directory that outlives the failure.
                awaitQuietly(tasks);
                throw failure;
            }
            Path old = null;
            if (fs.exists(out)) {
                old = new Path(parent, "." + out.getName() + ".old-" + id);
                rename(fs, out, old);
            }
            rename(fs, tmp, out);
            if (old != null) {
                fs.delete(old, true);
            }
        } finally {
            if (fs.exists(tmp)) {
                fs.delete(tmp, true);
            }
        }
    }

    private static void awaitQuietly(JobTasks tasks) {
        try {
            tasks.awaitEnded(TASK_DRAIN_TIMEOUT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void rename(FileSystem fs, Path from, Path to) throws IOException {
        if (!fs.rename(from, to)) {
            throw new IOException("cannot rename " + from + " to " + to);
        }
    }

    private static boolean isEmptyDirectory(FileSystem fs, Path p) throws IOException {
        FileStatus status = fs.getFileStatus(p);
        return status.isDirectory() && fs.listStatus(p).length == 0;
    }
}
