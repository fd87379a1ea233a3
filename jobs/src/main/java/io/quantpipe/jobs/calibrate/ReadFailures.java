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

    /** A {@link BadInputException} when {@code failure} says a file of the dataset could not be read, else null. */
    static BadInputException unreadableFile(Exception failure, String dataset) {
        for (Throwable c = failure; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof QuantpipeException) {
                return null; // already says what is wrong
            }
            if (c instanceof SparkThrowable s && s.getCondition() != null && s.getCondition().startsWith("FAILED_READ_FILE")) {
                String file = s.getMessageParameters().get("path");
                String why = c.getCause() == null ? firstLine(c.getMessage()) : firstLine(c.getCause().getMessage());
                return new BadInputException("dataset " + dataset + ": expected readable Parquet files, found "
                        + (file == null ? "an unreadable file" : file) + " unreadable: " + why, failure);
            }
        }
        return null;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }
}
