package io.quantpipe.bench;

import io.quantpipe.quant.observe.Histogram;
import io.quantpipe.quant.observe.MinMax;
import io.quantpipe.quant.observe.ObserverConfig;
import io.quantpipe.quant.observe.TensorStats;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;

/**
 * Observer throughput per CPU-second of the observing thread, for a shared machine where JMH's
 * wall-clock scores swing with other load: the same 10M activations and 64K-value batches as
 * {@link HistogramBenchmark}, 5 warm-up and 10 measured passes, median and range printed.
 */
public final class ObserverCpuThroughput {
    private ObserverCpuThroughput() {
    }

    public static void main(String[] args) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        // The library is used whenever it loads: "Java" in the status means the Java paths run.
        boolean nativeKernels = TensorStats.observePath().startsWith("native");
        System.out.println("observe path: " + TensorStats.observePath());
        HistogramBenchmark data = new HistogramBenchmark();
        for (String kind : new String[] {"postRelu", "signed"}) {
            data.data = kind;
            data.makeData();
            float[] v = data.values;
            // "two-pass" is MinMax then Histogram over each batch; "fused" is TensorStats' one pass over
            // the same 64K-value batches: with -Dquantpipe.observe.native=off the bit-key path
            // (BitKeyBinning), "fused-32K" that pass over runs too short for it (the exact loop),
            // "fused-256K" and "fused-1M" over longer runs (a batch of a large activation). With the
            // native kernels on, the fused passes are printed as "native", "native-256K" and "native-1M".
            String[] observers = nativeKernels
                    ? new String[] {"native", "native-256K", "native-1M"}
                    : new String[] {"histogram", "minmax", "two-pass", "fused-32K", "fused", "fused-256K", "fused-1M"};
            for (String observer : observers) {
                double[] rates = new double[15];
                long sink = 0;
                for (int rep = 0; rep < rates.length; rep++) {
                    Histogram h = new Histogram();
                    MinMax m = new MinMax();
                    TensorStats t = new TensorStats(new ObserverConfig(Histogram.DEFAULT_BINS_PER_SIDE, -1, false));
                    long t0 = threads.getCurrentThreadCpuTime();
                    int batch = switch (observer) {
                        case "fused-32K" -> 1 << 15;
                        case "fused-256K", "native-256K" -> 1 << 18;
                        case "fused-1M", "native-1M" -> 1 << 20;
                        default -> HistogramBenchmark.BATCH;
                    };
                    for (int off = 0; off < v.length; off += batch) {
                        int n = Math.min(batch, v.length - off);
                        switch (observer) {
                            case "histogram" -> h.update(v, off, n);
                            case "minmax" -> m.update(v, off, n);
                            case "two-pass" -> {
                                m.update(v, off, n);
                                h.update(v, off, n);
                            }
                            default -> t.update(v, off, n);
                        }
                    }
                    rates[rep] = v.length / ((threads.getCurrentThreadCpuTime() - t0) / 1e9);
                    sink += h.totalCount() + m.count() + t.minMax().count();
                }
                double[] measured = Arrays.copyOfRange(rates, 5, rates.length);
                Arrays.sort(measured);
                System.out.printf("%-10s %-8s median %4.0f M values per CPU-second (range %.0f-%.0f)%s%n", observer, kind,
                        measured[measured.length / 2] / 1e6, measured[0] / 1e6, measured[measured.length - 1] / 1e6,
                        sink == 42 ? " " : "");
            }
        }
    }
}
