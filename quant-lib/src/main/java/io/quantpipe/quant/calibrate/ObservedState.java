package io.quantpipe.quant.calibrate;

import io.quantpipe.quant.BadInputException;
import io.quantpipe.quant.ConfigException;
import io.quantpipe.quant.observe.Histogram;
import io.quantpipe.quant.observe.MinMax;

/** Preconditions shared by the histogram methods. */
final class ObservedState {
    private ObservedState() {
    }

    /** Checks that both states are present and describe the same values. */
    static void check(String method, MinMax minMax, Histogram histogram) {
        if (minMax == null) {
            throw new IllegalArgumentException("calibration method " + method + ": expected a min/max state, found null");
        }
        if (histogram == null) {
            throw new ConfigException("calibration method " + method
                    + ": expected a histogram of the tensor, found only min/max (observe histograms or use minmax)");
        }
        if (histogram.totalCount() != minMax.count()) {
            throw new BadInputException("calibration method " + method + ": expected min/max and histogram of the same values, found "
                    + minMax.count() + " and " + histogram.totalCount() + " finite values");
        }
        if (!minMax.isEmpty() && !(minMax.absMax() < histogram.range())) {
            throw new BadInputException("calibration method " + method + ": expected |x| below the histogram range "
                    + histogram.range() + ", found " + minMax.absMax());
        }
    }

    /** Index of the last non-zero entry, -1 when all are zero. */
    static int lastNonEmpty(long[] counts) {
        for (int j = counts.length - 1; j >= 0; j--) {
            if (counts[j] != 0) {
                return j;
            }
        }
        return -1;
    }
}
