package io.quantpipe.quant.onnx;

import io.quantpipe.quant.ConfigException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * How {@link QdqWriter} writes a model.
 *
 * @param preset      activation and weight types ({@code cpu} or {@code tensorrt})
 * @param weightRange per-channel weight range, {@link WeightRangeFunction#minMax()} by default
 * @param keepFp32    names of nodes left in FP32 (mixed precision)
 * @param provenance  key / values recorded in the model's {@code metadata_props}, in order
 */
public record QdqOptions(QdqPreset preset, WeightRangeFunction weightRange, Set<String> keepFp32,
                         Map<String, String> provenance) {

    public QdqOptions {
        if (preset == null || weightRange == null || keepFp32 == null || provenance == null) {
            throw new ConfigException("QDQ options: expected a preset, a weight range function, a keep-FP32 set and"
                    + " provenance, found null");
        }
        keepFp32 = Set.copyOf(keepFp32);
        provenance = Collections.unmodifiableMap(new LinkedHashMap<>(provenance));
    }

    /** The preset with min/max weight ranges, every supported node quantized, no provenance. */
    public static QdqOptions of(QdqPreset preset) {
        return new QdqOptions(preset, WeightRangeFunction.minMax(), Set.of(), Map.of());
    }

    public QdqOptions withWeightRange(WeightRangeFunction f) {
        return new QdqOptions(preset, f, keepFp32, provenance);
    }

    public QdqOptions withKeepFp32(Set<String> nodeNames) {
        return new QdqOptions(preset, weightRange, nodeNames, provenance);
    }

    public QdqOptions withProvenance(Map<String, String> keyValues) {
        return new QdqOptions(preset, weightRange, keepFp32, keyValues);
    }
}
