package io.quantpipe.quant.observe;

import java.util.Random;

/** Activation-like float data with the awkward cases the mergeability properties must survive. */
final class Datasets {
    static final String[] KINDS = {
        "gaussian", "postRelu", "manyPowersOfTwo", "allNegative", "allZero", "subnormal", "hugeOutlier", "nonFinite", "signedZeros"
    };

    private Datasets() {
    }

    static float[] make(String kind, int n, Random rnd) {
        float[] x = new float[n];
        switch (kind) {
            case "gaussian" -> fill(x, i -> (float) rnd.nextGaussian());
            case "postRelu" -> fill(x, i -> (float) Math.max(0, rnd.nextGaussian() * 3));
            case "manyPowersOfTwo" -> fill(x, i -> (float) (rnd.nextGaussian() * Math.scalb(1.0, rnd.nextInt(40) - 20)));
            case "allNegative" -> fill(x, i -> (float) -(1e-3 + Math.abs(rnd.nextGaussian()) * 5));
            case "allZero" -> fill(x, i -> 0f);
            case "subnormal" -> fill(x, i -> Float.MIN_VALUE * (rnd.nextInt(1 << 20) - (1 << 19)));
            case "hugeOutlier" -> {
                fill(x, i -> (float) (rnd.nextGaussian() * 0.1));
                if (n > 0) {
                    x[rnd.nextInt(n)] = 3.0e30f;
                }
            }
            case "nonFinite" -> fill(x, i -> switch (rnd.nextInt(20)) {
                case 0 -> Float.NaN;
                case 1 -> Float.POSITIVE_INFINITY;
                case 2 -> Float.NEGATIVE_INFINITY;
                default -> (float) rnd.nextGaussian() * 7;
            });
            case "signedZeros" -> fill(x, i -> rnd.nextBoolean() ? 0.0f : -0.0f);
            default -> throw new IllegalArgumentException(kind);
        }
        return x;
    }

    private interface Gen {
        float at(int i);
    }

    private static void fill(float[] x, Gen g) {
        for (int i = 0; i < x.length; i++) {
            x[i] = g.at(i);
        }
    }

    /** Random cut points (empty chunks allowed) splitting [0, n). */
    static int[] cuts(int n, int chunks, Random rnd) {
        int[] c = new int[chunks + 1];
        for (int i = 1; i < chunks; i++) {
            c[i] = rnd.nextInt(n + 1);
        }
        c[chunks] = n;
        java.util.Arrays.sort(c);
        return c;
    }
}
