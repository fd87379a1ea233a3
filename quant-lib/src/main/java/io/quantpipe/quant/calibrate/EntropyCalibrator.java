package io.quantpipe.quant.calibrate;

import io.quantpipe.quant.ConfigException;
import io.quantpipe.quant.observe.Histogram;
import io.quantpipe.quant.observe.MinMax;
import io.quantpipe.quant.tensor.QuantSpec;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Entropy calibration: TensorRT's KL-divergence threshold search (Migacz, "8-bit Inference with
 * TensorRT", GTC 2017), whose open versions are in ONNX Runtime, NVIDIA's pytorch-quantization and
 * NVIDIA's Model Optimizer.
 *
 * <p>On the histogram H of |x| (bins of width w, {@code n} = last non-empty bin + 1), every
 * candidate {@code i} in {@code [L, n]} ({@code L} = quantized levels, see below) is scored:
 * <ol>
 * <li>P = H[0, i) with the clipped mass {@code sum(H[i, n))} added to bin {@code i - 1};</li>
 * <li>Q = H[0, i) merged into L levels, bin {@code j} going to level {@code floor(j L / i)}
 *     (proportional, as Model Optimizer splits; TensorRT and ONNX Runtime give every level
 *     {@code floor(i / L)} bins and the remainder to the last one), and each level's mass spread
 *     evenly over its bins where P is non-empty (Q is zero where P is);</li>
 * <li>both smoothed: every empty bin gets {@code 1e-4} of a count (ONNX Runtime's eps), then
 *     normalised (ONNX Runtime takes the added mass back from the non-empty bins and asserts that
 *     stays below one count; renormalising is the same to first order and cannot fail);</li>
 * <li>the divergence of P and Q: KL(P||Q) (default), symmetric KL(P||Q) + KL(Q||P), or
 *     Jensen–Shannon.</li>
 * </ol>
 * The threshold is {@code i* w}, the right edge of the last bin kept, capped at the exact absMax, for
 * the candidate {@code i*} of least divergence; among equal divergences the <em>first</em> (smallest)
 * candidate wins, as in ONNX Runtime (Model Optimizer takes the last). Q is built from H, not from P,
 * so clipped mass shows up as a spike in P that Q lacks: that is what penalises clipping.
 *
 * <p><b>Zeros.</b> A spike of exact zeros (post-ReLU tensors) sits in bin 0, and spreading it over
 * the first level's bins in Q costs divergence that grows with the threshold: the search then clips
 * such tensors far harder than their tails suggest (for ReLU of N(0, 1), KL picks about 2.0 where
 * the 99.99th percentile is 3.7; symmetric KL and JS often pick the smallest candidate). With
 * {@link ZeroBin#SMOOTH} (default) bin 0's count is replaced by bin 1's before the search, as
 * pytorch-quantization and Model Optimizer do ({@code bins[0] = bins[1]}): zero is exact on every
 * grid, so the spike's error does not depend on the threshold, and the search then picks for ReLU
 * of N(0, 1) what it picks for its positive values alone (about 4.6 with 128 levels).
 * {@link ZeroBin#KEEP} searches the histogram as it is, as TensorRT's entropy calibrator and ONNX
 * Runtime do.
 *
 * <p><b>Levels.</b> {@code L} is the number of target levels covering {@code [0, threshold]}. Given
 * explicitly it is used as is (TensorRT: 128). {@link #AUTO_LEVELS} (default) takes it from the
 * target, as pytorch-quantization's {@code nbins = 1 << (num_bits - 1 + unsigned)} does: an affine
 * target on non-negative data (observed min >= 0) puts all {@code qmax - qmin + 1} levels on
 * {@code [0, threshold]} (256 for uint8, 128 for reduce-range uint8); otherwise only the
 * non-negative half, {@code ceil((qmax - qmin + 1) / 2)} (128 for int8 and uint8, 64 for reduce-range
 * int8). Targets wider than {@value #MAX_SEARCH_BINS} levels (int32) search with that many, which
 * leaves at most one candidate: they are not clipped.
 *
 * <p>When [0, absMax] spans fewer than L bins ({@code n < L}) there is no candidate, and the
 * threshold is the exact absMax; with the default histogram (at least {@code binsPerSide / 2} bins
 * over [0, absMax]) that happens only for fewer than 2L bins per side, or for no data or only zeros.
 * Sparse data (fewer non-empty bins than levels) is still searched: a few rare outliers far above a
 * narrow bulk are exactly what the search should clip.
 *
 * <p>Histograms over more than {@value #MAX_SEARCH_BINS} bins on [0, absMax] are first coarsened by
 * summing bin pairs (exactly what the coarser power-of-two grid would hold), bounding the search at
 * {@value #MAX_SEARCH_BINS} candidates of O(bins) additions each plus O(L) logarithms (O(bins)
 * logarithms for JS). Zero smoothing applies to bin 0 of that searched histogram.
 *
 * @param divergence how P and Q are compared
 * @param levels     number of quantized levels L, in [2, {@value #MAX_SEARCH_BINS}], or
 *                   {@link #AUTO_LEVELS} to take it from the target
 * @param zero       how bin 0, where exact zeros fall, enters the search
 */
public record EntropyCalibrator(Divergence divergence, int levels, ZeroBin zero) implements Calibrator {
    /** Levels taken from the target and the observed sign, see the class doc. */
    public static final int AUTO_LEVELS = 0;
    /** TensorRT's 128 levels: the non-negative half of int8. */
    public static final int DEFAULT_LEVELS = 128;
    /** Coarsest resolution the search keeps; TensorRT uses 2048 bins. */
    public static final int MAX_SEARCH_BINS = 4096;
    /** Mass, in counts, given to every empty bin before normalising (ONNX Runtime's eps). */
    static final double SMOOTHING = 1e-4;

    /** How the reference distribution P and its quantized version Q are compared. */
    public enum Divergence {
        /** KL(P || Q), TensorRT's choice. */
        KL("kl"),
        /** KL(P || Q) + KL(Q || P). */
        SYMMETRIC_KL("symmetric-kl"),
        /** Jensen–Shannon: (KL(P || M) + KL(Q || M)) / 2 with M = (P + Q) / 2; bounded by ln 2. */
        JS("js");

        private final String key;

        Divergence(String key) {
            this.key = key;
        }

        /** Name in method specs: kl, symmetric-kl, js. */
        public String key() {
            return key;
        }

        public static Divergence of(String key) {
            String k = key.trim().toLowerCase(Locale.ROOT);
            for (Divergence d : values()) {
                if (d.key.equals(k)) {
                    return d;
                }
            }
            throw new ConfigException("calibration method entropy: expected divergence kl, symmetric-kl or js, found '" + key + "'");
        }
    }

    /** How bin 0 of the |x| histogram, where exact zeros fall, enters the search. */
    public enum ZeroBin {
        /** Bin 0 takes bin 1's count, as pytorch-quantization and Model Optimizer do. */
        SMOOTH("smooth"),
        /** Bin 0 as counted, as TensorRT and ONNX Runtime do. */
        KEEP("keep");

        private final String key;

        ZeroBin(String key) {
            this.key = key;
        }

        /** Name in method specs: smooth, keep. */
        public String key() {
            return key;
        }

        public static ZeroBin of(String key) {
            String k = key.trim().toLowerCase(Locale.ROOT);
            for (ZeroBin z : values()) {
                if (z.key.equals(k)) {
                    return z;
                }
            }
            throw new ConfigException("calibration method entropy: expected zero smooth or keep, found '" + key + "'");
        }
    }

    public EntropyCalibrator {
        if (divergence == null) {
            throw new ConfigException("calibration method entropy: expected a divergence, found null");
        }
        if (levels != AUTO_LEVELS && (levels < 2 || levels > MAX_SEARCH_BINS)) {
            throw new ConfigException("calibration method entropy: expected levels auto or in [2, " + MAX_SEARCH_BINS + "], found " + levels);
        }
        if (zero == null) {
            throw new ConfigException("calibration method entropy: expected a zero-bin rule (smooth or keep), found null");
        }
    }

    /** The given divergence and levels, zeros smoothed. */
    public EntropyCalibrator(Divergence divergence, int levels) {
        this(divergence, levels, ZeroBin.SMOOTH);
    }

    /** KL, levels from the target, zeros smoothed. */
    public EntropyCalibrator() {
        this(Divergence.KL, AUTO_LEVELS, ZeroBin.SMOOTH);
    }

    /** Levels the search uses for this target and data: {@link #levels} unless it is {@link #AUTO_LEVELS}. */
    public int levelsFor(MinMax minMax, QuantSpec target) {
        if (levels != AUTO_LEVELS) {
            return levels;
        }
        if (target == null) {
            throw new ConfigException("calibration method entropy: expected a target spec to take levels from, found null");
        }
        long all = (long) target.qmax() - target.qmin() + 1;
        boolean unsigned = !target.symmetric() && !minMax.isEmpty() && minMax.min() >= 0;
        long l = unsigned ? all : (all + 1) / 2;
        return (int) Math.max(2, Math.min(l, MAX_SEARCH_BINS));
    }

    @Override
    public ClipRange calibrate(MinMax minMax, Histogram histogram, QuantSpec target) {
        ObservedState.check(name(), minMax, histogram);
        double absMax = minMax.absMax();
        long[] abs = histogram.absCounts();
        double w = histogram.binWidth();
        int n = ObservedState.lastNonEmpty(abs) + 1;
        while (n > MAX_SEARCH_BINS) {
            abs = sumPairs(abs, n);
            w *= 2;
            n = ObservedState.lastNonEmpty(abs) + 1;
        }
        int l = levelsFor(minMax, target);
        if (n < l) {
            return ClipRange.symmetric(absMax, minMax);
        }
        if (zero == ZeroBin.SMOOTH) {
            abs[0] = abs[1];        // n >= l >= 2: bin 1 exists and the last non-empty bin stays put
        }
        double[] d = divergences(abs, l, divergence);
        int best = 0;
        for (int c = 1; c < d.length; c++) {
            if (d[c] < d[best]) {       // strict: the first minimum wins
                best = c;
            }
        }
        return ClipRange.symmetric(Math.min((best + l) * w, absMax), minMax);
    }

    private static long[] sumPairs(long[] counts, int n) {
        long[] c = new long[(n + 1) / 2];
        for (int j = 0; j < n; j++) {
            c[j >> 1] += counts[j];
        }
        return c;
    }

    /**
     * Divergence of every candidate: element {@code c} scores keeping {@code i = levels + c} bins,
     * for {@code i} up to the last non-empty bin + 1. Requires that many bins to be at least levels.
     */
    static double[] divergences(long[] h, int levels, Divergence divergence) {
        int n = ObservedState.lastNonEmpty(h) + 1;
        if (n < levels) {
            throw new IllegalArgumentException("entropy search: expected at least " + levels + " bins up to the last non-empty one, found " + n);
        }
        long[] prefix = new long[n + 1];
        double[] logH = new double[n];
        double[] hLogH = new double[n];
        for (int j = 0; j < n; j++) {
            prefix[j + 1] = prefix[j] + h[j];
            if (h[j] > 0) {
                logH[j] = Math.log(h[j]);
                hLogH[j] = h[j] * logH[j];
            }
        }
        long total = prefix[n];
        Levels lv = new Levels(levels);
        double[] d = new double[n - levels + 1];
        for (int i = levels; i <= n; i++) {
            lv.fill(h, logH, hLogH, i, total, total - prefix[i]);
            d[i - levels] = switch (divergence) {
                case KL -> lv.klPQ();
                case SYMMETRIC_KL -> lv.klPQ() + lv.klQP();
                case JS -> lv.js(h);
            };
        }
        return d;
    }

    /**
     * P and Q of one candidate, summarised per level: within a level Q takes one value on P's
     * non-empty bins, so both KL directions need only per-level sums of P, P log P and log P.
     */
    private static final class Levels {
        final int count;
        final int[] start;          // first bin of each level; start[count] = i
        final long[] hMass;         // sum of H over the level: Q's mass
        final double[] pMass;       // sum of P over the level
        final int[] pNonEmpty;      // bins with P > 0
        final double[] sumPLogP;
        final double[] sumLogP;
        final double[] logQ;        // log of Q's normalised value on the level's P > 0 bins
        int bins;
        long lastP;                 // P[i-1]: H[i-1] plus the clipped mass
        int zerosP;
        double logA;                // -log of P's normaliser
        double logB;                // -log of Q's normaliser

        Levels(int count) {
            this.count = count;
            start = new int[count + 1];
            hMass = new long[count];
            pMass = new double[count];
            pNonEmpty = new int[count];
            sumPLogP = new double[count];
            sumLogP = new double[count];
            logQ = new double[count];
        }

        void fill(long[] h, double[] logH, double[] hLogH, int i, long total, long clipped) {
            bins = i;
            lastP = h[i - 1] + clipped;
            for (int k = 0; k <= count; k++) {
                start[k] = (int) ceilDiv((long) k * i, count);
            }
            int nonEmptyP = 0;
            int nonEmptyQ = 0;
            for (int k = 0; k < count; k++) {
                long m = 0;
                int nz = 0;
                double s1 = 0;
                double l1 = 0;
                int end = k == count - 1 ? i - 1 : start[k + 1];
                for (int j = start[k]; j < end; j++) {
                    if (h[j] > 0) {
                        m += h[j];
                        nz++;
                        s1 += hLogH[j];
                        l1 += logH[j];
                    }
                }
                double mp = m;
                if (k == count - 1) {
                    m += h[i - 1];
                    if (lastP > 0) {
                        double lp = Math.log(lastP);
                        nz++;
                        s1 += lastP * lp;
                        l1 += lp;
                        mp += lastP;
                    }
                }
                hMass[k] = m;
                pMass[k] = mp;
                pNonEmpty[k] = nz;
                sumPLogP[k] = s1;
                sumLogP[k] = l1;
                nonEmptyP += nz;
                if (m > 0) {
                    nonEmptyQ += nz;
                }
            }
            zerosP = i - nonEmptyP;
            logA = -Math.log(total + SMOOTHING * zerosP);
            logB = -Math.log((total - clipped) + SMOOTHING * (i - nonEmptyQ));
            for (int k = 0; k < count; k++) {
                double q = hMass[k] > 0 ? (double) hMass[k] / pNonEmpty[k] : SMOOTHING;
                logQ[k] = Math.log(q) + logB;
            }
        }

        /** KL(P || Q): sum of p log(p / q); bins where P is empty carry the smoothing mass on both sides. */
        double klPQ() {
            double a = Math.exp(logA);
            double kl = zerosP * SMOOTHING * a * (logA - logB);
            for (int k = 0; k < count; k++) {
                if (pNonEmpty[k] > 0) {
                    kl += a * (sumPLogP[k] + pMass[k] * (logA - logQ[k]));
                }
            }
            return kl;
        }

        /** KL(Q || P): sum of q log(q / p). */
        double klQP() {
            double a = Math.exp(logA);
            double b = Math.exp(logB);
            double kl = zerosP * SMOOTHING * b * (logB - logA);
            for (int k = 0; k < count; k++) {
                if (pNonEmpty[k] > 0) {
                    double q = Math.exp(logQ[k]);
                    kl += q * (pNonEmpty[k] * (logQ[k] - logA) - sumLogP[k]);
                }
            }
            return kl;
        }

        /**
         * Jensen–Shannon divergence, {@code sum (p log p + q log q - (p + q) log((p + q) / 2)) / 2}:
         * the first two sums per level, only the last one bin by bin.
         */
        double js(long[] h) {
            double a = Math.exp(logA);
            double b = Math.exp(logB);
            double js = zerosP * jsTerm(SMOOTHING * a, SMOOTHING * b);
            for (int k = 0; k < count; k++) {
                if (pNonEmpty[k] == 0) {
                    continue;
                }
                double q = Math.exp(logQ[k]);
                double sum = a * (sumPLogP[k] + pMass[k] * logA) + pNonEmpty[k] * q * logQ[k];
                for (int j = start[k]; j < start[k + 1]; j++) {
                    long pj = j == bins - 1 ? lastP : h[j];
                    if (pj > 0) {
                        double m = pj * a + q;
                        sum -= m * Math.log(m / 2);
                    }
                }
                js += sum / 2;
            }
            return js;
        }

        private static double jsTerm(double p, double q) {
            double m = (p + q) / 2;
            return (p * Math.log(p / m) + q * Math.log(q / m)) / 2;
        }
    }

    private static long ceilDiv(long x, long y) {
        return -Math.floorDiv(-x, y);
    }

    @Override
    public String name() {
        return "entropy";
    }

    @Override
    public Map<String, Object> parameters() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("divergence", divergence.key());
        p.put("levels", levels == AUTO_LEVELS ? "auto" : levels);
        p.put("zero", zero.key());
        return Collections.unmodifiableMap(p);
    }
}
