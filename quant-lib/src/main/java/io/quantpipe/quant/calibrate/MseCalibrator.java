package io.quantpipe.quant.calibrate;

import io.quantpipe.quant.ConfigException;
import io.quantpipe.quant.observe.Histogram;
import io.quantpipe.quant.observe.MinMax;
import io.quantpipe.quant.tensor.QuantSpec;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * MSE calibration: the symmetric threshold that minimises the expected squared error of
 * fake-quantizing the tensor, after NVIDIA Model Optimizer's MSE calibrator, with its error made
 * exact for a histogram.
 *
 * <p>Candidates are the |x| bin edges {@code i * w} from bin {@code startBin} (128) up to the exact
 * absMax, strided so that at most {@code maxCandidates} (1024) are tried, plus absMax itself. For a
 * candidate {@code t} the target's quantizer is set up as it would be for that range: symmetric
 * specs take {@code scale = t / ((qmax - qmin) / 2)}; affine ones take the observed range clipped to
 * {@code [-t, t]}, widened to contain 0, {@code scale = (hi - lo) / (qmax - qmin)},
 * {@code zp = qmin - rint(lo / scale)}. Its error sums, over the non-empty bins of the signed
 * histogram, the count times the mean of {@code (x - fq(x))^2} with the bin's values spread evenly
 * over the bin, integrated in closed form per quantization cell ({@link QuantGrid}); clipped values
 * integrate {@code (x - clip)^2}. The outermost bins are cut to the exact {@code [min, max]}.
 * Model Optimizer puts each bin's count at its centre, which misjudges error when bins are not much
 * narrower than the quantization step, and uses only the symmetric int8 grid.
 *
 * <p>The least error wins; among equal errors the first (smallest) candidate, as for entropy.
 * Histograms over more than {@value #MAX_ERROR_BINS} bins per side are coarsened by summing bin pairs
 * for the error sums. No finite values, or only zeros: [0, 0] with threshold 0.
 *
 * @param startBin      first |x| bin edge tried, at least 1
 * @param maxCandidates at most this many thresholds are tried, at least 2
 */
public record MseCalibrator(int startBin, int maxCandidates) implements Calibrator {
    /** Model Optimizer's first candidate bin. */
    public static final int DEFAULT_START_BIN = 128;
    public static final int DEFAULT_MAX_CANDIDATES = 1024;
    /** Resolution kept for the error sums. */
    public static final int MAX_ERROR_BINS = 4096;

    public MseCalibrator {
        if (startBin < 1) {
            throw new ConfigException("calibration method mse: expected start_bin >= 1, found " + startBin);
        }
        if (maxCandidates < 2) {
            throw new ConfigException("calibration method mse: expected max_candidates >= 2, found " + maxCandidates);
        }
    }

    public MseCalibrator() {
        this(DEFAULT_START_BIN, DEFAULT_MAX_CANDIDATES);
    }

    @Override
    public ClipRange calibrate(MinMax minMax, Histogram histogram, QuantSpec target) {
        ObservedState.check(name(), minMax, histogram);
        double absMax = minMax.absMax();
        if (absMax == 0) {
            return ClipRange.symmetric(0, minMax);
        }
        double[] t = candidates(histogram, absMax);
        Bins bins = Bins.of(histogram, minMax);
        int best = 0;
        double bestError = Double.POSITIVE_INFINITY;
        for (int c = 0; c < t.length; c++) {
            double e = bins.squaredError(grid(target, t[c], minMax));
            if (e < bestError) {        // strict: the first minimum wins
                bestError = e;
                best = c;
            }
        }
        return ClipRange.symmetric(t[best], minMax);
    }

    /** Thresholds tried, ascending: strided |x| bin edges from startBin, then absMax. */
    double[] candidates(Histogram histogram, double absMax) {
        double w = histogram.binWidth();
        int last = (int) Math.min(Math.floor(absMax / w), histogram.binsPerSide() - 1);
        int edges = Math.max(0, last - startBin + 1);
        int stride = edges == 0 ? 1 : (int) ((edges + maxCandidates - 2L) / (maxCandidates - 1));
        int kept = edges == 0 ? 0 : (edges + stride - 1) / stride;
        double[] t = new double[kept + 1];
        int c = 0;
        for (int i = startBin; i <= last; i += stride) {
            t[c++] = i * w;
        }
        if (c > 0 && t[c - 1] >= absMax) {
            c--;                        // absMax on a bin edge: do not try it twice
        }
        t[c++] = absMax;
        return c == t.length ? t : Arrays.copyOf(t, c);
    }

    /** The target's quantizer for the clip range of threshold {@code t}. */
    static QuantGrid grid(QuantSpec target, double t, MinMax minMax) {
        if (target.symmetric()) {
            return QuantGrid.symmetric(target, t);
        }
        ClipRange r = ClipRange.symmetric(t, minMax);
        return QuantGrid.affine(target, r.lo(), r.hi());
    }

    /** Expected squared error per value of quantizing the histogram's values with {@code grid}. */
    static double meanSquaredError(Histogram histogram, MinMax minMax, QuantGrid grid) {
        return Bins.of(histogram, minMax).squaredError(grid) / histogram.totalCount();
    }

    /** The non-empty signed bins as intervals cut to [min, max], with their counts. */
    private record Bins(double[] lo, double[] hi, long[] count) {
        static Bins of(Histogram histogram, MinMax minMax) {
            long[] c = histogram.counts();
            int b = histogram.binsPerSide();
            double w = histogram.binWidth();
            while (b > MAX_ERROR_BINS) {
                long[] coarse = new long[b];
                for (int s = -b; s < b; s++) {
                    coarse[(s >> 1) + b / 2] += c[s + b];
                }
                c = coarse;
                b /= 2;
                w *= 2;
            }
            int n = 0;
            for (long x : c) {
                if (x != 0) {
                    n++;
                }
            }
            double[] lo = new double[n];
            double[] hi = new double[n];
            long[] count = new long[n];
            int k = 0;
            for (int s = -b; s < b; s++) {
                if (c[s + b] != 0) {
                    lo[k] = Math.max(s * w, minMax.min());
                    hi[k] = Math.min((s + 1) * w, minMax.max());
                    count[k++] = c[s + b];
                }
            }
            return new Bins(lo, hi, count);
        }

        double squaredError(QuantGrid grid) {
            double sum = 0;
            for (int k = 0; k < count.length; k++) {
                sum += count[k] * grid.meanSquaredError(lo[k], hi[k]);
            }
            return sum;
        }
    }

    @Override
    public String name() {
        return "mse";
    }

    @Override
    public Map<String, Object> parameters() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("start_bin", startBin);
        p.put("max_candidates", maxCandidates);
        return Collections.unmodifiableMap(p);
    }
}
