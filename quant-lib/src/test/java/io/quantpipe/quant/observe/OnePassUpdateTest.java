package io.quantpipe.quant.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class OnePassUpdateTest {

    /** Values with signed zeros, NaN, ±Inf, subnormals and range jumps mixed in. */
    private static float[] awkward(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            int k = r.nextInt(40);
            v[i] = switch (k) {
                case 0 -> Float.NaN;
                case 1 -> Float.POSITIVE_INFINITY;
                case 2 -> Float.NEGATIVE_INFINITY;
                case 3 -> -0.0f;
                case 4 -> 0.0f;
                case 5 -> Float.MIN_VALUE * r.nextInt(100);
                case 6 -> (float) (r.nextGaussian() * Math.scalb(1.0, r.nextInt(60) - 30));
                case 7 -> r.nextBoolean() ? Float.MAX_VALUE : -Float.MAX_VALUE;
                default -> (float) r.nextGaussian();
            };
        }
        return v;
    }

    @Test
    void onePassUpdateGivesTheSameStateAsMinMaxThenHistogram() {
        Random r = new Random(7);
        for (int trial = 0; trial < 200; trial++) {
            MinMax mmSeparate = new MinMax();
            Histogram hSeparate = new Histogram(64);
            MinMax mmFused = new MinMax();
            Histogram hFused = new Histogram(64);
            for (int batch = 0; batch < 5; batch++) {
                float[] v = trial % 3 == 0 ? onlyZeros(r, r.nextInt(50)) : awkward(r, r.nextInt(300));
                int off = v.length == 0 ? 0 : r.nextInt(v.length);
                int len = v.length - off;
                mmSeparate.update(v, off, len);
                hSeparate.update(v, off, len);
                hFused.updateWithMinMax(v, off, len, mmFused);
            }
            assertEquals(mmSeparate, mmFused, "trial " + trial);
            assertEquals(hSeparate, hFused, "trial " + trial);
        }
    }

    private static float[] onlyZeros(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextBoolean() ? -0.0f : 0.0f;
        }
        return v;
    }

    @Test
    void tensorStatsReadsOnlyTheGivenLengthOfALongerBuffer() {
        ObserverConfig config = new ObserverConfig(64, 1, true);
        float[] exact = awkward(new Random(3), 2 * 3 * 4);
        float[] buffer = new float[exact.length + 10];
        System.arraycopy(exact, 0, buffer, 0, exact.length);
        java.util.Arrays.fill(buffer, exact.length, buffer.length, 1e30f);
        TensorStats fromExact = new TensorStats(config);
        fromExact.update(exact, new long[] {2, 3, 4});
        TensorStats fromBuffer = new TensorStats(config);
        fromBuffer.update(buffer, exact.length, new long[] {2, 3, 4});
        assertEquals(fromExact, fromBuffer);
        assertEquals(exact.length, fromBuffer.minMax().count() + fromBuffer.minMax().nonFiniteCount());
    }

    private static java.nio.FloatBuffer direct(float[] v) {
        java.nio.FloatBuffer b = java.nio.ByteBuffer.allocateDirect(4 * v.length)
                .order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
        b.put(v).flip();
        return b;
    }

    @Test
    void longPerTensorRunsAreObservedInPlaceWithTheSameState() {
        Random r = new Random(5);
        float[] v = Datasets.make("gaussian", BitKeyBinning.MIN_LENGTH + 17, r);
        ObserverConfig perTensor = new ObserverConfig(4096, -1, false);
        TensorStats inPlace = new TensorStats(perTensor);
        java.nio.FloatBuffer b = direct(v);
        assertEquals(true, inPlace.tryUpdateInPlace(b));
        assertEquals(0, b.position());
        TensorStats copied = new TensorStats(perTensor);
        copied.update(v, new long[] {v.length});
        assertEquals(copied, inPlace);
    }

    @Test
    void shortRunsAndPerChannelStateAreLeftToTheCopyingUpdate() {
        Random r = new Random(6);
        TensorStats shortRun = new TensorStats(new ObserverConfig(4096, -1, false));
        // Shorter than both fast paths take (the native kernels' threshold is the lower one).
        int tooShort = Math.min(NativeBinning.MIN_LENGTH, BitKeyBinning.MIN_LENGTH) - 1;
        assertEquals(false, shortRun.tryUpdateInPlace(direct(Datasets.make("gaussian", tooShort, r))));
        assertEquals(0, shortRun.minMax().count());
        TensorStats perChannel = new TensorStats(new ObserverConfig(4096, 1, false));
        assertEquals(false, perChannel.tryUpdateInPlace(direct(Datasets.make("gaussian", BitKeyBinning.MIN_LENGTH * 2, r))));
        assertEquals(0, perChannel.minMax().count());
    }
}
