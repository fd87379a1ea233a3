package io.quantpipe.quant.calibrate;

import io.quantpipe.quant.observe.Histogram;
import io.quantpipe.quant.observe.MinMax;
import java.util.Random;

/** Observer states of one test tensor, and the sample generators the tests draw it from. */
record TensorState(MinMax minMax, Histogram histogram) {

    static TensorState of(float[] values) {
        return of(values, Histogram.DEFAULT_BINS_PER_SIDE);
    }

    static TensorState of(float[] values, int binsPerSide) {
        MinMax m = new MinMax();
        Histogram h = new Histogram(binsPerSide);
        // In batches, as an observer sees them.
        for (int off = 0; off < values.length; off += 65536) {
            int len = Math.min(65536, values.length - off);
            m.update(values, off, len);
            h.update(values, off, len);
        }
        return new TensorState(m, h);
    }

    static float[] gaussian(int n, double mean, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (mean + r.nextGaussian());
        }
        return x;
    }

    static float[] uniform(int n, double lo, double hi, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (lo + (hi - lo) * r.nextDouble());
        }
        return x;
    }

    /** Laplace(0, 1) by inverting its CDF. */
    static float[] laplace(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            double u = r.nextDouble() - 0.5;
            x[i] = (float) (-Math.signum(u) * Math.log(1 - 2 * Math.abs(u)));
        }
        return x;
    }

    static float[] withValues(float[] x, float... extra) {
        float[] y = java.util.Arrays.copyOf(x, x.length + extra.length);
        System.arraycopy(extra, 0, y, x.length, extra.length);
        return y;
    }

    static float[] relu(float[] x) {
        float[] y = x.clone();
        for (int i = 0; i < y.length; i++) {
            y[i] = Math.max(0f, y[i]);
        }
        return y;
    }
}
