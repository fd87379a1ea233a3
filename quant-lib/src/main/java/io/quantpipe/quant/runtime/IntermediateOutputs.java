package io.quantpipe.quant.runtime;

import io.quantpipe.quant.ConfigException;
import io.quantpipe.quant.onnx.proto.OnnxIr.GraphProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.ModelProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.NodeProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.ValueInfoProto;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Makes intermediate tensors observable by adding them to the graph outputs, the way ONNX Runtime's
 * own calibration tool does. Only the requested tensors are added, so ORT keeps its freedom to fuse
 * and free everything else.
 */
public final class IntermediateOutputs {
    private IntermediateOutputs() {
    }

    /**
     * A copy of the model whose graph also outputs the named tensors. Each must be produced by a
     * top-level node or be a graph input; names already among the outputs are left as they are.
     * The added output carries the type recorded in {@code value_info} when there is one and is
     * otherwise a bare name, which ONNX Runtime accepts and types by inference.
     */
    public static ModelProto expose(ModelProto model, Collection<String> tensorNames) {
        GraphProto graph = model.getGraph();
        Set<String> available = new HashSet<>();
        for (NodeProto n : graph.getNodeList()) {
            available.addAll(n.getOutputList());
        }
        graph.getInputList().forEach(v -> available.add(v.getName()));
        available.remove("");
        Set<String> present = new HashSet<>();
        graph.getOutputList().forEach(v -> present.add(v.getName()));
        Map<String, ValueInfoProto> typed = new HashMap<>();
        graph.getValueInfoList().forEach(v -> typed.put(v.getName(), v));

        GraphProto.Builder g = graph.toBuilder();
        for (String name : new LinkedHashSet<>(tensorNames)) {
            if (!available.contains(name)) {
                throw new ConfigException("tensor '" + name + "': expected the output of a node or a graph input in graph '"
                        + graph.getName() + "', found none");
            }
            if (present.add(name)) {
                g.addOutput(typed.getOrDefault(name, ValueInfoProto.newBuilder().setName(name).build()));
            }
        }
        return model.toBuilder().setGraph(g).build();
    }
}
