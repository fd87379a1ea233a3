package io.quantpipe.quant.tensor;

import io.quantpipe.quant.BadInputException;

/**
 * ONNX DynamicQuantizeLinear: uint8 quantization with parameters from the tensor's own range,
 * {@code scale = (max(0, max x) - min(0, min x)) / 255},
 * {@code zp = saturate(rint(0 - min(0, min x) / scale))}, {@code y = saturate(rint(x / scale) + zp)}.
 * An all-zero tensor gets scale 1 and zero point 0, as in ONNX Runtime. Float32 arithmetic throughout,
 * matching the ONNX conformance vectors bit for bit.
 */
public final class DynamicQuantizeLinear {
    private final int[] y;
    private final QuantParams params;

    private DynamicQuantizeLinear(int[] y, QuantParams params) {
        this.y = y;
        this.params = params;
    }

    /** Quantizes {@code x}; NaN or infinite values are rejected (they have no meaningful range). */
    public static DynamicQuantizeLinear apply(float[] x) {
        float min = 0f;
        float max = 0f;
        for (int i = 0; i < x.length; i++) {
            float v = x[i];
            if (!Float.isFinite(v)) {
                throw new BadInputException("expected finite values to quantize, found " + v + " at index " + i);
            }
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        QuantParams params = ScaleZeroPoint.fromRange(min, max, QuantSpec.uint8Affine());
        return new DynamicQuantizeLinear(Quantizer.of(params).quantize(x), params);
    }

    /** Quantized values, 0..255. */
    public int[] y() {
        return y.clone();
    }

    public float scale() {
        return params.scale(0);
    }

    public int zeroPoint() {
        return params.zeroPoint(0);
    }

    /** Per-tensor uint8 parameters that dequantize {@link #y()}. */
    public QuantParams params() {
        return params;
    }
}
