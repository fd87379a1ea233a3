package io.quantpipe.jobs.calibrate;

import io.quantpipe.jobs.config.QuantpipeConfig;
import io.quantpipe.quant.ConfigException;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;

/**
 * The test-only switch {@value #KEY}: the first attempt of the listed partitions throws after half
 * of the partition's rows, so a test can check that Spark's task retries leave the tables
 * unchanged (no state of a failed attempt reaches the result).
 */
final class FaultInjection implements Serializable {
    static final String KEY = "quantpipe.test.fail-first-attempt-partitions";
    private static final long serialVersionUID = 1L;
    private static final FaultInjection OFF = new FaultInjection(new int[0]);

    private final int[] partitions; // sorted

    private FaultInjection(int[] partitions) {
        this.partitions = partitions;
    }

    static FaultInjection off() {
        return OFF;
    }

    static FaultInjection from(QuantpipeConfig config) {
        List<String> values = config.getStringList(KEY);
        int[] out = new int[values.size()];
        for (int i = 0; i < out.length; i++) {
            try {
                out[i] = Integer.parseInt(values.get(i));
            } catch (NumberFormatException e) {
                out[i] = -1;
            }
            if (out[i] < 0) {
                throw new ConfigException("configuration key '" + KEY + "' (from " + config.sourceOf(KEY)
                        + "): expected a list of partition numbers >= 0, found " + values);
            }
        }
        Arrays.sort(out);
        return new FaultInjection(out);
    }

    boolean isOn() {
        return partitions.length > 0;
    }

    /** Whether this attempt of this partition is to fail. */
    boolean targets(int partition, int attempt) {
        return attempt == 0 && Arrays.binarySearch(partitions, partition) >= 0;
    }

    RuntimeException failure(int partition, long rowsDone, long rows) {
        return new IllegalStateException("injected failure (" + KEY + ") in partition " + partition
                + ", attempt 0, after " + rowsDone + " of " + rows + " rows");
    }

    @Override
    public String toString() {
        return Arrays.toString(partitions);
    }
}
