package io.quantpipe.quant.onnx;

import io.quantpipe.quant.ConfigException;
import io.quantpipe.quant.tensor.QuantSpec;
import java.util.Arrays;
import java.util.Locale;

/**
 * Who runs the int8 model, and so how tensors are quantized. Weights are int8 symmetric per output
 * channel in [-127, 127] for both (ONNX Runtime's and TensorRT's convention); biases int32.
 */
public enum QdqPreset {
    /** uint8 affine activations: what ONNX Runtime's CPU int8 kernels (QLinearConv, QGemm, ...) take. */
    CPU(QuantSpec.uint8Affine()),
    /** int8 symmetric activations (zero point 0), as TensorRT requires of explicit Q/DQ networks. */
    TENSORRT(QuantSpec.int8Symmetric());

    private final QuantSpec activation;

    QdqPreset(QuantSpec activation) {
        this.activation = activation;
    }

    /** How activation parameters must be computed (for example by {@code ScaleZeroPoint.fromRange}). */
    public QuantSpec activationSpec() {
        return activation;
    }

    public QuantSpec weightSpec() {
        return QuantSpec.int8Symmetric();
    }

    /** The name used in configuration and metadata: {@code cpu}, {@code tensorrt}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The preset named in a configuration, case-insensitive. */
    public static QdqPreset parse(String name) {
        for (QdqPreset p : values()) {
            if (p.configName().equalsIgnoreCase(name == null ? "" : name.trim())) {
                return p;
            }
        }
        throw new ConfigException("preset: expected one of " + Arrays.toString(values()).toLowerCase(Locale.ROOT)
                + ", found '" + name + "'");
    }
}
