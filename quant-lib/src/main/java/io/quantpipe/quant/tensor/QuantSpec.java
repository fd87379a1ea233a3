package io.quantpipe.quant.tensor;

/**
 * How a tensor is quantized: element type, symmetric or affine, and range restrictions.
 *
 * <p>The effective integer range {@code [qmin, qmax]} is what scale and zero point are derived
 * from. {@code narrowRange} drops the most negative value of a signed type ([-127, 127] for int8):
 * with it a symmetric scale is {@code amax / 127}, the TensorRT / TFLite / ONNX Runtime convention;
 * without it, {@code amax / 127.5}, PyTorch's. Both follow from one formula,
 * {@code scale = amax / ((qmax - qmin) / 2)}. {@code reduceRange} keeps 7 bits ([0, 127] for uint8,
 * [-64, 63] for int8), for CPUs without VNNI where 8-bit products can overflow.
 *
 * @param type        element type
 * @param symmetric   zero point fixed at the middle of the range (0 for int8, 128 for uint8)
 * @param narrowRange signed types lose their most negative value
 * @param reduceRange use 7 bits instead of 8
 */
public record QuantSpec(QuantType type, boolean symmetric, boolean narrowRange, boolean reduceRange) {

    public QuantSpec {
        if (type == null) {
            throw new IllegalArgumentException("quantization type must be given, found null");
        }
        if (type == QuantType.INT32 && (!symmetric || reduceRange)) {
            throw new IllegalArgumentException("int32 is for bias only: symmetric, full range; found symmetric="
                    + symmetric + " reduceRange=" + reduceRange);
        }
    }

    /** uint8 affine activations: what ONNX Runtime's CPU int8 kernels take. */
    public static QuantSpec uint8Affine() {
        return new QuantSpec(QuantType.UINT8, false, false, false);
    }

    /** int8 symmetric, narrow range [-127, 127], scale amax/127: TensorRT and weights everywhere. */
    public static QuantSpec int8Symmetric() {
        return new QuantSpec(QuantType.INT8, true, true, false);
    }

    /** int8 symmetric over the full range [-128, 127], scale amax/127.5: PyTorch's qint8 default. */
    public static QuantSpec int8SymmetricPyTorch() {
        return new QuantSpec(QuantType.INT8, true, false, false);
    }

    /** int32 bias, zero point 0. */
    public static QuantSpec int32Bias() {
        return new QuantSpec(QuantType.INT32, true, false, false);
    }

    /** Lowest integer the quantizer produces. */
    public int qmin() {
        if (type == QuantType.INT32) {
            return type.min();
        }
        if (reduceRange) {
            return type.isSigned() ? (narrowRange ? -63 : -64) : 0;
        }
        return type.isSigned() && narrowRange ? type.min() + 1 : type.min();
    }

    /** Highest integer the quantizer produces. */
    public int qmax() {
        if (type == QuantType.INT32) {
            return type.max();
        }
        if (reduceRange) {
            return type.isSigned() ? 63 : 127;
        }
        return type.max();
    }

    public QuantSpec withReduceRange(boolean reduce) {
        return new QuantSpec(type, symmetric, narrowRange, reduce);
    }

    public QuantSpec withNarrowRange(boolean narrow) {
        return new QuantSpec(type, symmetric, narrow, reduceRange);
    }
}
