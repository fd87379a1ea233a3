package io.quantpipe.quant.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quantpipe.quant.ConfigException;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class QuantizerTest {

    @Test
    void quantizesHalfwayValuesToEven() {
        Quantizer q = Quantizer.of(QuantParams.perTensor(QuantType.INT8, 1f, 0));
        assertArrayEquals(new int[] {0, 2, 2, 0, -2, -2, 4},
                q.quantize(new float[] {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 3.5f}));
        // The tie is decided before the zero point is added: 0.5 -> 0, then + 3.
        Quantizer shifted = Quantizer.of(QuantParams.perTensor(QuantType.UINT8, 0.5f, 3));
        assertArrayEquals(new int[] {3, 5, 5}, shifted.quantize(new float[] {0.25f, 0.75f, 1.25f}));
    }

    @Test
    void saturatesAtBothEnds() {
        Quantizer u8 = Quantizer.of(QuantParams.perTensor(QuantType.UINT8, 1f, 128));
        assertArrayEquals(new int[] {255, 0, 255, 0, 255, 0, 255, 0, 128},
                u8.quantize(new float[] {127f, -128f, 127.5f, -128.5f, 1000f, -1000f,
                        Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN}));
        Quantizer i8 = Quantizer.of(QuantParams.perTensor(QuantType.INT8, 1f, 0));
        assertArrayEquals(new int[] {127, -128, 127, -128}, i8.quantize(new float[] {127.4f, -128.4f, 200f, -200f}));
        Quantizer i32 = Quantizer.of(QuantParams.perTensor(QuantType.INT32, 1f, 0));
        assertArrayEquals(new int[] {Integer.MAX_VALUE, Integer.MIN_VALUE}, i32.quantize(new float[] {1e12f, -1e12f}));
    }

    @Test
    void uint8AndInt8DifferByTheZeroPointShift() {
        float[] x = {-1f, -0.3f, 0f, 0.37f, 1f};
        int[] u8 = Quantizer.of(QuantParams.perTensor(QuantType.UINT8, 0.01f, 128)).quantize(x);
        int[] i8 = Quantizer.of(QuantParams.perTensor(QuantType.INT8, 0.01f, 0)).quantize(x);
        assertArrayEquals(new int[] {28, 98, 128, 165, 228}, u8);
        assertArrayEquals(new int[] {-100, -30, 0, 37, 100}, i8);
        // Stored as bytes, uint8 keeps its unsigned value.
        byte[] bytes = Quantizer.of(QuantParams.perTensor(QuantType.UINT8, 0.01f, 128)).quantizeToBytes(x);
        assertEquals((byte) 228, bytes[4]);
        float[] back = Quantizer.of(QuantParams.perTensor(QuantType.UINT8, 0.01f, 128)).dequantize(bytes);
        assertEquals(100 * 0.01f, back[4]);
    }

    @Test
    void narrowRangeSpecNeverProducesMinus128() {
        QuantParams p = ScaleZeroPoint.fromRange(-1f, 1f, QuantSpec.int8Symmetric());
        float[] clipped = {-1.2f, -1f, 1.2f};
        assertArrayEquals(new int[] {-127, -127, 127}, Quantizer.of(p, QuantSpec.int8Symmetric()).quantize(clipped));
        // Plain ONNX QuantizeLinear saturates to the type's full range.
        assertArrayEquals(new int[] {-128, -127, 127}, Quantizer.of(p).quantize(clipped));
    }

    @Test
    void dequantizesAsQMinusZeroPointTimesScale() {
        Quantizer q = Quantizer.of(QuantParams.perTensor(QuantType.UINT8, 0.1f, 10));
        assertArrayEquals(new float[] {-1f, 0f, 24.5f}, q.dequantize(new int[] {0, 10, 255}));
        assertEquals(-1f, q.dequantize(new int[] {0})[0]); // (0 - 10) * 0.1f in float32
        assertEquals((float) 245 * 0.1f, q.dequantize(new int[] {255})[0]);
    }

    @Test
    void quantizesPerAxisOnAxis0And1OfA3dTensor() {
        long[] shape = {2, 3, 2};
        float[] x = new float[12];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i - 5) * 10f;
        }
        float[] scales0 = {1f, 10f};
        float[] scales1 = {1f, 10f, 100f};
        int[] zp1 = {0, 1, -1};
        Quantizer axis0 = Quantizer.of(new QuantParams(QuantType.INT8, scales0, new int[2], 0));
        Quantizer axis1 = Quantizer.of(new QuantParams(QuantType.INT8, scales1, zp1, 1));
        int[] q0 = axis0.quantize(x, shape);
        int[] q1 = axis1.quantize(x, shape);
        for (int a = 0; a < 2; a++) {
            for (int b = 0; b < 3; b++) {
                for (int c = 0; c < 2; c++) {
                    int i = (a * 3 + b) * 2 + c;
                    assertEquals(clamp(Math.rint(x[i] / scales0[a])), q0[i], "axis 0 at " + a + "," + b + "," + c);
                    assertEquals(clamp(Math.rint(x[i] / scales1[b]) + zp1[b]), q1[i], "axis 1 at " + a + "," + b + "," + c);
                }
            }
        }
        assertEquals(-50, q0[0]); // x = -50, channel 0, scale 1
        assertEquals(6, q0[11]);  // x = 60, channel 1, scale 10
        float[] back = axis1.dequantize(q1, shape);
        assertEquals((q1[3] - 1) * 10f, back[3]); // element (0,1,1) is channel 1
    }

    private static int clamp(double v) {
        return (int) Math.max(-128, Math.min(127, v));
    }

    @Test
    void perAxisRequiresAShapeThatMatchesTheChannels() {
        Quantizer q = Quantizer.of(new QuantParams(QuantType.INT8, new float[] {1f, 2f}, new int[2], 1));
        assertThrows(ConfigException.class, () -> q.quantize(new float[4]));
        assertThrows(ConfigException.class, () -> q.quantize(new float[4], 4));
        assertThrows(ConfigException.class, () -> q.quantize(new float[4], 1, 4));
        assertThrows(ConfigException.class, () -> q.quantize(new float[4], 3, 2));
    }

    @Test
    void roundTripErrorIsAtMostHalfAScaleInsideTheRange() {
        SplittableRandom r = new SplittableRandom(3);
        for (QuantSpec spec : new QuantSpec[] {QuantSpec.uint8Affine(), QuantSpec.int8Symmetric(), QuantSpec.int8SymmetricPyTorch(),
                QuantSpec.uint8Affine().withReduceRange(true)}) {
            for (int trial = 0; trial < 100; trial++) {
                float lo = (float) -Math.scalb(r.nextDouble(), r.nextInt(-10, 10));
                float hi = (float) Math.scalb(r.nextDouble(), r.nextInt(-10, 10));
                QuantParams p = ScaleZeroPoint.fromRange(lo, hi, spec);
                float scale = p.scale(0);
                float[] x = new float[500];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) (lo + (hi - (double) lo) * r.nextDouble());
                }
                float[] y = Quantizer.of(p, spec).fakeQuantize(x);
                for (int i = 0; i < x.length; i++) {
                    double err = Math.abs((double) x[i] - y[i]);
                    // float32 rounding of x / scale and of (q - zp) * scale adds a few ulps at most.
                    double bound = scale / 2.0 + 4 * Math.ulp(Math.max(Math.abs(x[i]), scale));
                    assertTrue(err <= bound, spec + ": |" + x[i] + " - " + y[i] + "| = " + err + " > " + bound);
                }
            }
        }
    }

    @Test
    void fakeQuantizeEqualsDequantizeOfQuantize() {
        QuantParams p = new QuantParams(QuantType.UINT8, new float[] {0.03f, 0.07f}, new int[] {100, 20}, 0);
        float[] x = {-3f, -0.5f, 0.01f, 1f, 4f, 9f};
        Quantizer q = Quantizer.of(p);
        assertArrayEquals(q.dequantize(q.quantize(x, 2, 3), 2, 3), q.fakeQuantize(x, 2, 3));
    }

    @Test
    void bufferVariantsEqualArrayVariants() {
        QuantParams p = new QuantParams(QuantType.UINT8, new float[] {0.03f, 0.07f}, new int[] {100, 20}, 1);
        float[] x = {-3f, -0.5f, 0.01f, 1f, 4f, 9f};
        Quantizer q = Quantizer.of(p);
        ByteBuffer bytes = ByteBuffer.allocate(6);
        q.quantize(FloatBuffer.wrap(x), bytes, 3, 2);
        assertArrayEquals(q.quantizeToBytes(x, 3, 2), bytes.array());
        FloatBuffer back = FloatBuffer.allocate(6);
        q.dequantize(bytes, back, 3, 2);
        assertArrayEquals(q.dequantize(bytes.array(), 3, 2), back.array());
        assertArrayEquals(q.fakeQuantize(x, 3, 2), back.array());
    }
}
