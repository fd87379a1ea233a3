package io.quantpipe.quant.tensor;

import java.util.Arrays;

/**
 * Scale(s) and zero point(s) of a quantized tensor: one pair per tensor ({@code axis == -1}) or one
 * per slice along {@code axis}, as ONNX QuantizeLinear / DequantizeLinear take them.
 */
public record QuantParams(QuantType type, float[] scale, int[] zeroPoint, int axis) {

    public QuantParams {
        if (scale.length != zeroPoint.length || scale.length == 0) {
            throw new IllegalArgumentException("scale and zero point must have the same non-zero length, found "
                    + scale.length + " and " + zeroPoint.length);
        }
        if (axis < 0 && scale.length != 1) {
            throw new IllegalArgumentException("per-tensor parameters take one scale, found " + scale.length);
        }
        scale = scale.clone();
        zeroPoint = zeroPoint.clone();
    }

    public static QuantParams perTensor(QuantType type, float scale, int zeroPoint) {
        return new QuantParams(type, new float[] {scale}, new int[] {zeroPoint}, -1);
    }

    public boolean perAxis() {
        return axis >= 0;
    }

    public int channels() {
        return scale.length;
    }

    @Override
    public float[] scale() {
        return scale.clone();
    }

    @Override
    public int[] zeroPoint() {
        return zeroPoint.clone();
    }

    public float scale(int channel) {
        return scale[channel];
    }

    public int zeroPoint(int channel) {
        return zeroPoint[channel];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof QuantParams p && p.type == type && p.axis == axis
                && Arrays.equals(p.scale, scale) && Arrays.equals(p.zeroPoint, zeroPoint);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * type.hashCode() + axis) + 31 * Arrays.hashCode(scale) + Arrays.hashCode(zeroPoint);
    }

    @Override
    public String toString() {
        return "QuantParams[" + type + ", scale=" + Arrays.toString(scale) + ", zeroPoint="
                + Arrays.toString(zeroPoint) + ", axis=" + axis + "]";
    }
}
