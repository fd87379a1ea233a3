package io.quantpipe.jobs.calibrate;

import io.quantpipe.quant.BadInputException;
import io.quantpipe.quant.QuantpipeException;
import org.apache.spark.SparkThrowable;

/**
 * Spark reports a file it cannot read (a corrupt or truncated Parquet file among good ones) as a
 * task failure; this turns it into the bad-input error it is, naming the dataset and the file.
 */
final class ReadFailures {
    private ReadFailures() {
    }

    /** {@code failure} as a {@link BadInputException} when a dataset file could not be read, else unchanged. */
    static RuntimeException translate(Exception failure, String dataset) {
        for (Throwable c = failure; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof QuantpipeException) {
                break; // already says what is wrong
            }
            if (c instanceof SparkThrowable s && s.getCondition() != null && s.getCondition().startsWith("FAILED_READ_FILE")) {
                String cause = c.getCause() == null ? "" : ": " + firstLine(c.getCause().getMessage());
                return new BadInputException("dataset " + dataset + ": expected readable Parquet files, found "
                        + firstLine(c.getMessage()) + cause, failure);
            }
        }
        return failure instanceof RuntimeException r ? r : new IllegalStateException(failure.getMessage(), failure);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }
}
