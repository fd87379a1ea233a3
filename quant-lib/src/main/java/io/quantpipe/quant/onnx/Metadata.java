package io.quantpipe.quant.onnx;

import io.quantpipe.quant.onnx.proto.OnnxIr.ModelProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.StringStringEntryProto;
import java.util.LinkedHashMap;
import java.util.Map;

/** The model's {@code metadata_props}, merged key by key. */
final class Metadata {
    private Metadata() {
    }

    /**
     * Sets each key to its value: an existing entry keeps its place and takes the new value, new keys
     * come after the existing ones in the order given; other entries are kept as they are.
     */
    static void merge(ModelProto.Builder model, Map<String, String> keyValues) {
        Map<String, String> merged = new LinkedHashMap<>();
        for (StringStringEntryProto e : model.getMetadataPropsList()) {
            merged.put(e.getKey(), e.getValue());
        }
        merged.putAll(keyValues);
        model.clearMetadataProps();
        merged.forEach((k, v) -> model.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
    }
}
