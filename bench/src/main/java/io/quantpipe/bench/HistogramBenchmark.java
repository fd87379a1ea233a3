package io.quantpipe.bench;

import io.quantpipe.quant.observe.Histogram;
import io.quantpipe.quant.observe.MinMax;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Observer cost per activation value: histogram and min/max updates over 10M realistic
 * activations (post-ReLU: half zeros, a long right tail; signed: Gaussian with heavy-tailed
 * outliers), fed in batches of 64K values as a model's output tensor would arrive, and the cost of
 * merging two default-resolution histograms. Scores are in values (or merges) per second, one thread.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class HistogramBenchmark {
    static final int VALUES = 10_000_000;
    static final int BATCH = 65_536;

    @Param({"postRelu", "signed"})
    public String data;

    float[] values;
    Histogram histogram;
    MinMax minMax;
    Histogram left;
    Histogram right;

    @Setup(Level.Trial)
    public void makeData() {
        Random rnd = new Random(42);
        values = new float[VALUES];
        for (int i = 0; i < VALUES; i++) {
            double g = rnd.nextGaussian();
            if (data.equals("postRelu")) {
                values[i] = (float) Math.max(0, g * 1.7 + (rnd.nextInt(1000) == 0 ? 20 : 0));
            } else {
                values[i] = (float) (g * 0.8 * (rnd.nextInt(500) == 0 ? 15 : 1));
            }
        }
        left = new Histogram();
        left.update(values, 0, VALUES / 2);
        right = new Histogram();
        right.update(values, VALUES / 2, VALUES / 2);
    }

    @Setup(Level.Iteration)
    public void fresh() {
        histogram = new Histogram();
        minMax = new MinMax();
    }

    @Benchmark
    @OperationsPerInvocation(VALUES)
    public long histogramUpdate() {
        for (int off = 0; off < VALUES; off += BATCH) {
            histogram.update(values, off, Math.min(BATCH, VALUES - off));
        }
        return histogram.totalCount();
    }

    @Benchmark
    @OperationsPerInvocation(VALUES)
    public long minMaxUpdate() {
        for (int off = 0; off < VALUES; off += BATCH) {
            minMax.update(values, off, Math.min(BATCH, VALUES - off));
        }
        return minMax.count();
    }

    @Benchmark
    public long histogramMerge() {
        Histogram h = left.copy();
        h.merge(right);
        return h.totalCount();
    }
}
