package io.quantpipe.quant.tensor;

import io.quantpipe.quant.BadInputException;
import io.quantpipe.quant.ConfigException;

/**
 * Scale and zero point from a float range {@code [min, max]}, the way ONNX Runtime computes them
 * ({@code GetQuantizationParameter} in its DynamicQuantizeLinear kernel, {@code compute_scale_zp} in
 * its quantization tool).
 *
 * <ul>
 *   <li>The range always contains 0: {@code lo = min(min, 0)}, {@code hi = max(max, 0)}, so that 0 is
 *       exactly representable (zero padding, ReLU outputs).</li>
 *   <li>Affine: {@code scale = (hi - lo) / (qmax - qmin)}, {@code zp = qmin - rint(lo / scale)} clamped
 *       to {@code [qmin, qmax]}.</li>
 *   <li>Symmetric: {@code amax = max(-lo, hi)}, {@code scale = amax / ((qmax - qmin) / 2)}: {@code amax/127}
 *       for narrow-range int8 (TensorRT, ONNX Runtime), {@code amax/127.5} for full-range int8 (PyTorch);
 *       {@code zp = rint((qmin + qmax) / 2)}: 0 for int8, 128 for uint8, 64 for reduce-range uint8.</li>
 *   <li>Degenerate range (only zeros, or a scale below the smallest normal float): scale 1, ONNX Runtime's
 *       choice (PyTorch uses float32 epsilon); the zero point is what the formula above gives for
 *       {@code lo = 0}: {@code qmin} for affine, the middle for symmetric.</li>
 * </ul>
 *
 * <p>Rounding mirrors ONNX Runtime bit for bit: the width {@code hi - lo} is rounded to float32 first
 * (as both ONNX Runtime and the ONNX reference compute it on float32 values), then divided in double
 * and rounded once to float32, which equals float32 division. The affine zero point is computed in
 * float32 from the stored scale, as ONNX Runtime's kernel does; this is what the ONNX
 * DynamicQuantizeLinear conformance vectors need. (ONNX Runtime's Python tool divides by the scale
 * before its float32 rounding, in double; the two can differ by one only when {@code lo / scale}
 * falls within a float32 rounding of a half.)
 */
public final class ScaleZeroPoint {

    private ScaleZeroPoint() {
    }

    /** Per-tensor parameters for values observed in {@code [min, max]}. */
    public static QuantParams fromRange(float min, float max, QuantSpec spec) {
        checkRange(min, max, -1);
        return QuantParams.perTensor(spec.type(), scale(min, max, spec), zeroPoint(min, max, spec));
    }

    /** Per-channel parameters along {@code axis}: channel {@code c} observed in {@code [mins[c], maxs[c]]}. */
    public static QuantParams perChannel(float[] mins, float[] maxs, int axis, QuantSpec spec) {
        if (mins.length != maxs.length || mins.length == 0) {
            throw new ConfigException("expected equally many non-zero channel minima and maxima, found "
                    + mins.length + " and " + maxs.length);
        }
        if (axis < 0) {
            throw new ConfigException("expected a non-negative channel axis, found " + axis);
        }
        float[] scale = new float[mins.length];
        int[] zeroPoint = new int[mins.length];
        for (int c = 0; c < mins.length; c++) {
            checkRange(mins[c], maxs[c], c);
            scale[c] = scale(mins[c], maxs[c], spec);
            zeroPoint[c] = zeroPoint(mins[c], maxs[c], spec);
        }
        return new QuantParams(spec.type(), scale, zeroPoint, axis);
    }

    /**
     * int32 bias parameters of a Conv / Gemm / MatMul: {@code scale[c] = inputScale * weightScale[c]}
     * (one float32 product, as ONNX Runtime's tool computes it), zero point 0; per tensor or along axis
     * 0 of the 1-D bias, following the weight.
     */
    public static QuantParams bias(float inputScale, QuantParams weight) {
        float[] scale = new float[weight.channels()];
        for (int c = 0; c < scale.length; c++) {
            scale[c] = inputScale * weight.scale(c);
        }
        return new QuantParams(QuantType.INT32, scale, new int[scale.length], weight.perAxis() ? 0 : -1);
    }

    /** Scale for {@code [min, max]} (0 included). */
    public static float scale(float min, float max, QuantSpec spec) {
        float lo = Math.min(min, 0f);
        float hi = Math.max(max, 0f);
        double steps = (double) spec.qmax() - spec.qmin();
        float scale;
        if (spec.symmetric()) {
            // 2 * amax is exact, so this is amax / ((qmax - qmin) / 2) rounded once.
            scale = (float) (2.0 * Math.max(-lo, hi) / steps);
        } else {
            float width = hi - lo;
            scale = (float) (width / steps);
        }
        if (scale < Float.MIN_NORMAL) {
            return 1f;
        }
        if (Float.isInfinite(scale)) {
            throw new BadInputException("expected a range narrower than the float32 maximum, found [" + min + ", " + max + "]");
        }
        return scale;
    }

    /** Zero point for {@code [min, max]} (0 included). */
    public static int zeroPoint(float min, float max, QuantSpec spec) {
        int qmin = spec.qmin();
        int qmax = spec.qmax();
        if (spec.symmetric()) {
            return (int) Math.rint(((double) qmin + qmax) / 2.0);
        }
        float lo = Math.min(min, 0f);
        float initial = (float) qmin - lo / scale(min, max, spec);
        return (int) Math.rint(Math.max(qmin, Math.min(qmax, initial)));
    }

    private static void checkRange(float min, float max, int channel) {
        if (!(min <= max) || Float.isInfinite(min) || Float.isInfinite(max)) {
            throw new BadInputException("expected a finite range with min <= max"
                    + (channel >= 0 ? " for channel " + channel : "") + ", found [" + min + ", " + max + "]");
        }
    }
}
