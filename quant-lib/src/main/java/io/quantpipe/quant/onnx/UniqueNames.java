package io.quantpipe.quant.onnx;

import io.quantpipe.quant.onnx.proto.OnnxIr.AttributeProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.GraphProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.NodeProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.TensorProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.ValueInfoProto;
import java.util.HashSet;
import java.util.Set;

/**
 * Hands out tensor and node names not yet used in a graph, so that added nodes never capture an
 * existing name: {@code base}, else {@code base_1}, {@code base_2}, ...
 */
final class UniqueNames {
    private final Set<String> used = new HashSet<>();

    UniqueNames(GraphProto graph) {
        collect(graph);
    }

    /** Subgraphs too: ONNX forbids a subgraph name that shadows an outer one. */
    private void collect(GraphProto graph) {
        for (TensorProto t : graph.getInitializerList()) {
            used.add(t.getName());
        }
        for (ValueInfoProto v : graph.getInputList()) {
            used.add(v.getName());
        }
        for (ValueInfoProto v : graph.getOutputList()) {
            used.add(v.getName());
        }
        for (ValueInfoProto v : graph.getValueInfoList()) {
            used.add(v.getName());
        }
        for (NodeProto n : graph.getNodeList()) {
            used.add(n.getName());
            used.addAll(n.getInputList());
            used.addAll(n.getOutputList());
            for (AttributeProto a : n.getAttributeList()) {
                if (a.hasG()) {
                    collect(a.getG());
                }
                a.getGraphsList().forEach(this::collect);
            }
        }
    }

    /** A name not used before, reserved from now on. */
    String fresh(String base) {
        String name = base;
        for (int k = 1; !used.add(name); k++) {
            name = base + "_" + k;
        }
        return name;
    }
}
