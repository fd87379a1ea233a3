package io.quantpipe.quant.observe;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * A slow, obviously-correct binning with exact decimal arithmetic, independent of
 * {@link Histogram}'s bit tricks: R doubles from 2^-126 until it exceeds max|x|, then each finite x
 * goes to floor(x / (R / bins)).
 */
final class ReferenceBinning {
    private ReferenceBinning() {
    }

    static int exponent(float[] x) {
        BigDecimal maxAbs = BigDecimal.ZERO;
        for (float v : x) {
            if (Float.isFinite(v)) {
                maxAbs = maxAbs.max(new BigDecimal(v).abs());
            }
        }
        int k = -126;
        while (pow2(k).compareTo(maxAbs) <= 0) {
            k++;
        }
        return k;
    }

    static long[] counts(float[] x, int bins) {
        int k = exponent(x);
        BigDecimal width = pow2(k).divide(BigDecimal.valueOf(bins));
        long[] c = new long[2 * bins];
        for (float v : x) {
            if (!Float.isFinite(v)) {
                continue;
            }
            int s = new BigDecimal(v).divide(width, 0, RoundingMode.FLOOR).intValueExact();
            c[s + bins]++;
        }
        return c;
    }

    private static BigDecimal pow2(int k) {
        return k >= 0 ? new BigDecimal(java.math.BigInteger.TWO.pow(k)) : BigDecimal.ONE.divide(new BigDecimal(java.math.BigInteger.TWO.pow(-k)));
    }
}
