package io.quantpipe.quant.eval;

import java.util.Arrays;
import java.util.Random;

/** Random FP32 logits, an "int8" copy of them rounded to a coarse grid plus noise, and labels. */
final class RandomLogits {
    final int rows;
    final int classes;
    final float[] fp32;
    final float[] int8;
    final int[] labels;

    RandomLogits(long seed, int rows, int classes) {
        Random rnd = new Random(seed);
        this.rows = rows;
        this.classes = classes;
        fp32 = new float[rows * classes];
        int8 = new float[rows * classes];
        labels = new int[rows];
        float scale = 0.05f + rnd.nextFloat() * 0.2f;
        for (int i = 0; i < fp32.length; i++) {
            fp32[i] = (float) (rnd.nextGaussian() * 3);
            int8[i] = Math.round(fp32[i] / scale) * scale + (float) (rnd.nextGaussian() * 0.1);
        }
        for (int r = 0; r < rows; r++) {
            // Mostly the FP32 winner, so accuracies are high but not 1.
            labels[r] = rnd.nextDouble() < 0.8 ? argmax(fp32, r * classes, classes) : rnd.nextInt(classes);
        }
    }

    static int argmax(float[] v, int offset, int n) {
        int best = 0;
        for (int j = 1; j < n; j++) {
            if (v[offset + j] > v[offset + best]) {
                best = j;
            }
        }
        return best;
    }

    float[] fp32Rows(int from, int to) {
        return Arrays.copyOfRange(fp32, from * classes, to * classes);
    }

    float[] int8Rows(int from, int to) {
        return Arrays.copyOfRange(int8, from * classes, to * classes);
    }

    int[] labelRows(int from, int to) {
        return Arrays.copyOfRange(labels, from, to);
    }
}
