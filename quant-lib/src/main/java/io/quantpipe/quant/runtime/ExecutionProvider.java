package io.quantpipe.quant.runtime;

import io.quantpipe.quant.ConfigException;
import java.util.Arrays;
import java.util.Locale;

/**
 * Where ONNX Runtime executes a model. {@code CUDA} needs the GPU build of ONNX Runtime
 * ({@code onnxruntime_gpu}) on the classpath and a GPU; the default build has the CPU provider only.
 */
public enum ExecutionProvider {
    CPU,
    CUDA;

    /** The provider named in a configuration, case-insensitive ("cpu" or "cuda"). */
    public static ExecutionProvider parse(String name) {
        for (ExecutionProvider p : values()) {
            if (p.name().equalsIgnoreCase(name == null ? "" : name.trim())) {
                return p;
            }
        }
        throw new ConfigException("execution provider: expected one of "
                + Arrays.toString(values()).toLowerCase(Locale.ROOT) + ", found '" + name + "'");
    }
}
