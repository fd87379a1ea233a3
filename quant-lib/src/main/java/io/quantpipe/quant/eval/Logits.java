package io.quantpipe.quant.eval;

/**
 * Per-row operations on logits (row-major {@code [rows, classes]}) that every metric shares. NaN
 * never wins: the prediction is the first index of the largest non-NaN value, and a row of NaN
 * only has no prediction ({@code -1}).
 */
final class Logits {
    private Logits() {
    }

    /** First index of the largest non-NaN value of the row at {@code offset}, or -1 when all are NaN. */
    static int argmax(float[] logits, int offset, int classes) {
        int best = -1;
        float bestValue = 0;
        for (int j = 0; j < classes; j++) {
            float v = logits[offset + j];
            if (v != v) {
                continue;
            }
            if (best < 0 || v > bestValue) {
                best = j;
                bestValue = v;
            }
        }
        return best;
    }

    /**
     * Rank of {@code label} when the row is sorted by decreasing value with ties broken by lower
     * index (the order {@link #argmax} agrees with): 0 when it is the prediction; {@code classes}
     * when its value is NaN. Top-k is correct when the rank is below k, whatever the sort
     * algorithm would have done with ties.
     */
    static int rank(float[] logits, int offset, int classes, int label) {
        float s = logits[offset + label];
        if (s != s) {
            return classes;
        }
        int rank = 0;
        for (int j = 0; j < classes; j++) {
            float v = logits[offset + j];
            if (v > s || (v == s && j < label)) {
                rank++;
            }
        }
        return rank;
    }

    /** Number of NaN and ±Inf values in the row. */
    static int nonFinite(float[] logits, int offset, int classes) {
        int n = 0;
        for (int j = 0; j < classes; j++) {
            if (!Float.isFinite(logits[offset + j])) {
                n++;
            }
        }
        return n;
    }

    /**
     * Log-softmax of the row into {@code out}, in double: {@code x - max - log(sum(exp(x - max)))},
     * which neither overflows nor loses the small probabilities. Finite rows only.
     */
    static void logSoftmax(float[] logits, int offset, int classes, double[] out) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < classes; j++) {
            max = Math.max(max, logits[offset + j]);
        }
        double sum = 0;
        for (int j = 0; j < classes; j++) {
            double z = logits[offset + j] - max;
            out[j] = z;
            sum += Math.exp(z);
        }
        double log = Math.log(sum);
        for (int j = 0; j < classes; j++) {
            out[j] -= log;
        }
    }
}
