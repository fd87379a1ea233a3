package io.quantpipe.quant.eval;

import io.quantpipe.quant.io.StateCodec;
import io.quantpipe.quant.BadInputException;
import java.util.Arrays;

/**
 * Per-batch latencies of one model in nanoseconds, kept whole: batches are few (tens of thousands
 * at most, 8 bytes each), so quantiles are exact rather than sketched. Merging concatenates; the
 * samples are sorted before a quantile is read and before they are written, so results and bytes
 * do not depend on merge order.
 *
 * <p>Quantiles interpolate linearly between order statistics (Hyndman and Fan's type 7, the
 * default of NumPy and R): {@code q} maps to position {@code (n - 1) q} of the sorted samples.
 */
public final class LatencySamples {
    private long[] nanos = new long[16];
    private int size;
    private boolean sorted = true;
    private long totalNanos;

    LatencySamples() {
    }

    /** Records one batch's latency. */
    void add(long batchNanos) {
        if (batchNanos < 0) {
            throw new BadInputException("batch latency: expected nanoseconds >= 0, found " + batchNanos);
        }
        if (size == nanos.length) {
            nanos = Arrays.copyOf(nanos, size * 2);
        }
        if (size > 0 && batchNanos < nanos[size - 1]) {
            sorted = false;
        }
        nanos[size++] = batchNanos;
        totalNanos += batchNanos;
    }

    void merge(LatencySamples other) {
        if (other.size == 0) {
            return;
        }
        if (size + other.size > nanos.length) {
            nanos = Arrays.copyOf(nanos, Math.max(size + other.size, size * 2));
        }
        System.arraycopy(other.nanos, 0, nanos, size, other.size);
        size += other.size;
        sorted = false;
        totalNanos += other.totalNanos;
    }

    private void sort() {
        if (!sorted) {
            Arrays.sort(nanos, 0, size);
            sorted = true;
        }
    }

    /** Number of batches timed. */
    public int batches() {
        return size;
    }

    /** Sum of all batch latencies. */
    public long totalNanos() {
        return totalNanos;
    }

    /** The batch latencies in increasing order. */
    public long[] sortedNanos() {
        sort();
        return Arrays.copyOf(nanos, size);
    }

    /** The q-quantile (type 7) of batch latencies in nanoseconds; NaN without batches. */
    public double quantileNanos(double q) {
        if (!(q >= 0 && q <= 1)) {
            throw new IllegalArgumentException("quantile: expected q in [0, 1], found " + q);
        }
        if (size == 0) {
            return Double.NaN;
        }
        sort();
        double h = (size - 1) * q;
        int lo = (int) Math.floor(h);
        int hi = Math.min(lo + 1, size - 1);
        return nanos[lo] + (h - lo) * (nanos[hi] - nanos[lo]);
    }

    /** Median batch latency in milliseconds; NaN without batches. */
    public double medianMs() {
        return quantileNanos(0.5) / 1e6;
    }

    /** 95th percentile of batch latency in milliseconds; NaN without batches. */
    public double p95Ms() {
        return quantileNanos(0.95) / 1e6;
    }

    /** Mean batch latency in milliseconds; NaN without batches. */
    public double meanMs() {
        return size == 0 ? Double.NaN : totalNanos / 1e6 / size;
    }

    void write(StateCodec.Writer w) {
        sort();
        w.varint(size);
        long previous = 0;
        for (int i = 0; i < size; i++) {
            w.varint(nanos[i] - previous); // sorted, so the gaps are small and non-negative
            previous = nanos[i];
        }
    }

    static LatencySamples read(StateCodec.Reader r) {
        LatencySamples s = new LatencySamples();
        int n = r.varintInt(0, Integer.MAX_VALUE - 8, "batch count");
        long value = 0;
        for (int i = 0; i < n; i++) {
            value += r.varint(0, Long.MAX_VALUE - value, "latency gap");
            s.add(value);
        }
        return s;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LatencySamples l && Arrays.equals(l.sortedNanos(), sortedNanos());
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(sortedNanos());
    }
}
