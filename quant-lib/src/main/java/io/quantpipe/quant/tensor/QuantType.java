package io.quantpipe.quant.tensor;

/**
 * Integer element types a tensor is quantized to, with their full ranges and ONNX data type codes.
 */
public enum QuantType {
    INT8(-128, 127, 3),
    UINT8(0, 255, 2),
    /** Bias type: zero point always 0, scale = s_input * s_weight. */
    INT32(Integer.MIN_VALUE, Integer.MAX_VALUE, 6);

    private final int min;
    private final int max;
    private final int onnxDataType;

    QuantType(int min, int max, int onnxDataType) {
        this.min = min;
        this.max = max;
        this.onnxDataType = onnxDataType;
    }

    /** Smallest representable value of the full range. */
    public int min() {
        return min;
    }

    /** Largest representable value of the full range. */
    public int max() {
        return max;
    }

    /** {@code TensorProto.DataType} code of this type. */
    public int onnxDataType() {
        return onnxDataType;
    }

    public boolean isSigned() {
        return min < 0;
    }
}
