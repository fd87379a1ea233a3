package io.quantpipe.quant.runtime;

import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import io.quantpipe.quant.ConfigException;
import java.util.Arrays;
import java.util.Locale;

/**
 * ONNX Runtime's graph optimization levels. {@code BASIC} folds constants and removes redundant
 * nodes and is hardware independent; {@code EXTENDED} adds fusions (e.g. Conv+Relu); {@code ALL}
 * also rewrites layouts for the local CPU, so a model saved at that level is tied to the machine.
 */
public enum GraphOptimization {
    DISABLED(OptLevel.NO_OPT),
    BASIC(OptLevel.BASIC_OPT),
    EXTENDED(OptLevel.EXTENDED_OPT),
    ALL(OptLevel.ALL_OPT);

    final OptLevel ortLevel;

    GraphOptimization(OptLevel ortLevel) {
        this.ortLevel = ortLevel;
    }

    /** The level named in a configuration, case-insensitive ("basic", "all", ...). */
    public static GraphOptimization parse(String name) {
        for (GraphOptimization g : values()) {
            if (g.name().equalsIgnoreCase(name == null ? "" : name.trim())) {
                return g;
            }
        }
        throw new ConfigException("graph optimization: expected one of "
                + Arrays.toString(values()).toLowerCase(Locale.ROOT) + ", found '" + name + "'");
    }
}
