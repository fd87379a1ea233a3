package io.quantpipe.quant.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.quantpipe.quant.BadInputException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ScaleZeroPointTest {
    private static final QuantSpec UINT8_SYMMETRIC = new QuantSpec(QuantType.UINT8, true, false, false);
    private static final QuantSpec INT8_AFFINE = new QuantSpec(QuantType.INT8, false, false, false);

    private static void assertBits(float expected, float actual, String what) {
        assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(actual),
                what + ": expected " + expected + ", found " + actual);
    }

    @Test
    void rangeIsWidenedToContainZero() {
        QuantParams positive = ScaleZeroPoint.fromRange(2f, 5f, QuantSpec.uint8Affine());
        assertBits(5f / 255f, positive.scale(0), "scale of [0, 5]");
        assertEquals(0, positive.zeroPoint(0));
        QuantParams negative = ScaleZeroPoint.fromRange(-5f, -2f, QuantSpec.uint8Affine());
        assertBits(5f / 255f, negative.scale(0), "scale of [-5, 0]");
        assertEquals(255, negative.zeroPoint(0));
    }

    @Test
    void constantNonzeroRangeQuantizesToTheTopCode() {
        QuantParams p = ScaleZeroPoint.fromRange(3f, 3f, QuantSpec.uint8Affine());
        assertBits(3f / 255f, p.scale(0), "scale of [0, 3]");
        assertArrayEquals(new int[] {255, 0}, Quantizer.of(p).quantize(new float[] {3f, 0f}));
    }

    @Test
    void affineZeroPointIsQminMinusRoundedLowOverScale() {
        // [-1, 3]: scale 4/255, -lo/scale = 63.75 -> 64.
        QuantParams u8 = ScaleZeroPoint.fromRange(-1f, 3f, QuantSpec.uint8Affine());
        assertBits(4f / 255f, u8.scale(0), "uint8 scale");
        assertEquals(64, u8.zeroPoint(0));
        QuantParams i8 = ScaleZeroPoint.fromRange(-1f, 3f, INT8_AFFINE);
        assertBits(4f / 255f, i8.scale(0), "int8 scale");
        assertEquals(-128 + 64, i8.zeroPoint(0));
    }

    @Test
    void affineParametersEqualOnnxRuntimeFloat32FormulaOnRandomRanges() {
        // GetQuantizationParameter in ONNX Runtime: scale = (hi - lo) / 255 in float32,
        // zp = round(clamp(qmin - lo / scale)) in float32.
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 20_000; i++) {
            float lo = (float) -Math.scalb(r.nextDouble(), r.nextInt(-20, 10));
            float hi = (float) Math.scalb(r.nextDouble(), r.nextInt(-20, 10));
            float scale = (hi - lo) / 255f;
            int zp = (int) Math.rint(Math.max(0f, Math.min(255f, 0f - lo / scale)));
            QuantParams p = ScaleZeroPoint.fromRange(lo, hi, QuantSpec.uint8Affine());
            assertBits(scale, p.scale(0), "scale of [" + lo + ", " + hi + "]");
            assertEquals(zp, p.zeroPoint(0), "zero point of [" + lo + ", " + hi + "]");
        }
    }

    @Test
    void narrowRangeInt8DividesBy127AndFullRangeBy127AsPyTorchDoes() {
        QuantParams narrow = ScaleZeroPoint.fromRange(-0.5f, 1f, QuantSpec.int8Symmetric());
        QuantParams full = ScaleZeroPoint.fromRange(-0.5f, 1f, QuantSpec.int8SymmetricPyTorch());
        assertBits(0.007874016f, narrow.scale(0), "1/127");
        assertBits(0.007843138f, full.scale(0), "1/127.5");
        assertEquals(0, narrow.zeroPoint(0));
        assertEquals(0, full.zeroPoint(0));
        // PyTorch (observer._calculate_qparams): max_val_pos / (float(quant_max - quant_min) / 2) on float32 tensors.
        SplittableRandom r = new SplittableRandom(11);
        for (int i = 0; i < 20_000; i++) {
            float amax = (float) Math.scalb(0.5 + r.nextDouble(), r.nextInt(-30, 30));
            float pytorch = amax / (float) ((127.0 - -128.0) / 2);
            assertBits(pytorch, ScaleZeroPoint.fromRange(-amax, amax / 3, QuantSpec.int8SymmetricPyTorch()).scale(0), "amax " + amax);
            assertBits(amax / 127f, ScaleZeroPoint.fromRange(-amax / 3, amax, QuantSpec.int8Symmetric()).scale(0), "amax " + amax);
        }
    }

    @Test
    void symmetricUint8CentresOn128() {
        QuantParams p = ScaleZeroPoint.fromRange(-2f, 1f, UINT8_SYMMETRIC);
        assertBits(2f / 127.5f, p.scale(0), "uint8 symmetric scale");
        assertEquals(128, p.zeroPoint(0));
        // +-1 is +-63.75 steps from the centre.
        assertArrayEquals(new int[] {64, 128, 192}, Quantizer.of(p).quantize(new float[] {-1f, 0f, 1f}));
    }

    @Test
    void reduceRangeUsesSevenBits() {
        QuantParams u8 = ScaleZeroPoint.fromRange(-1f, 3f, QuantSpec.uint8Affine().withReduceRange(true));
        assertBits(4f / 127f, u8.scale(0), "reduce-range uint8 affine scale");
        assertEquals(32, u8.zeroPoint(0)); // 1 / (4/127) = 31.75
        QuantParams u8Symmetric = ScaleZeroPoint.fromRange(-2f, 1f, UINT8_SYMMETRIC.withReduceRange(true));
        assertBits(2f / 63.5f, u8Symmetric.scale(0), "reduce-range uint8 symmetric scale");
        assertEquals(64, u8Symmetric.zeroPoint(0)); // rint(63.5), half to even
        QuantSpec i8Spec = QuantSpec.int8SymmetricPyTorch().withReduceRange(true);
        QuantParams i8 = ScaleZeroPoint.fromRange(-2f, 1f, i8Spec);
        assertBits(2f / 63.5f, i8.scale(0), "reduce-range int8 symmetric scale");
        assertEquals(0, i8.zeroPoint(0));
        assertArrayEquals(new int[] {-64, 0, 63}, Quantizer.of(i8, i8Spec).quantize(new float[] {-2f, 0f, 2f}));
        assertArrayEquals(new int[] {0, 32, 127}, Quantizer.of(u8, QuantSpec.uint8Affine().withReduceRange(true))
                .quantize(new float[] {-1f, 0f, 3f}));
    }

    @Test
    void allZeroRangeGetsScaleOneAsInOnnxRuntime() {
        assertEquals(QuantParams.perTensor(QuantType.UINT8, 1f, 0), ScaleZeroPoint.fromRange(0f, 0f, QuantSpec.uint8Affine()));
        assertEquals(QuantParams.perTensor(QuantType.INT8, 1f, -128), ScaleZeroPoint.fromRange(0f, 0f, INT8_AFFINE));
        assertEquals(QuantParams.perTensor(QuantType.INT8, 1f, 0), ScaleZeroPoint.fromRange(0f, 0f, QuantSpec.int8Symmetric()));
        assertEquals(QuantParams.perTensor(QuantType.UINT8, 1f, 128), ScaleZeroPoint.fromRange(-0f, 0f, UINT8_SYMMETRIC));
        // A width too small for a normal float scale is treated the same way.
        assertEquals(1f, ScaleZeroPoint.fromRange(0f, Float.MIN_VALUE, QuantSpec.uint8Affine()).scale(0));
        QuantParams p = ScaleZeroPoint.fromRange(0f, 0f, INT8_AFFINE);
        assertArrayEquals(new float[] {0f}, Quantizer.of(p).fakeQuantize(new float[] {0f}));
    }

    @Test
    void perChannelParametersEqualPerTensorOnesOfEachChannel() {
        float[] mins = {-1f, 0.5f, -3f};
        float[] maxs = {1f, 2f, -1f};
        QuantParams p = ScaleZeroPoint.perChannel(mins, maxs, 1, QuantSpec.uint8Affine());
        assertEquals(1, p.axis());
        for (int c = 0; c < 3; c++) {
            QuantParams one = ScaleZeroPoint.fromRange(mins[c], maxs[c], QuantSpec.uint8Affine());
            assertEquals(one.scale(0), p.scale(c));
            assertEquals(one.zeroPoint(0), p.zeroPoint(c));
        }
    }

    @Test
    void biasScaleIsInputTimesWeightScaleWithZeroPointZero() {
        QuantParams w = ScaleZeroPoint.perChannel(new float[] {-1f, -0.3f}, new float[] {0.7f, 2f}, 0, QuantSpec.int8Symmetric());
        QuantParams b = ScaleZeroPoint.bias(0.02f, w);
        assertEquals(QuantType.INT32, b.type());
        assertEquals(0, b.axis());
        assertArrayEquals(new int[] {0, 0}, b.zeroPoint());
        assertBits(0.02f * (1f / 127f), b.scale(0), "bias scale 0");
        assertBits(0.02f * (2f / 127f), b.scale(1), "bias scale 1");
        QuantParams perTensor = ScaleZeroPoint.bias(0.5f, QuantParams.perTensor(QuantType.INT8, 0.25f, 0));
        assertEquals(QuantParams.perTensor(QuantType.INT32, 0.125f, 0), perTensor);
    }

    @Test
    void rejectsRangesThatAreNotFiniteIntervals() {
        assertThrows(BadInputException.class, () -> ScaleZeroPoint.fromRange(Float.NaN, 1f, QuantSpec.uint8Affine()));
        assertThrows(BadInputException.class, () -> ScaleZeroPoint.fromRange(2f, 1f, QuantSpec.uint8Affine()));
        assertThrows(BadInputException.class, () -> ScaleZeroPoint.fromRange(0f, Float.POSITIVE_INFINITY, QuantSpec.uint8Affine()));
        assertThrows(BadInputException.class, () -> ScaleZeroPoint.fromRange(-Float.MAX_VALUE, Float.MAX_VALUE, QuantSpec.uint8Affine()));
    }
}
