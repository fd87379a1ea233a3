package io.quantpipe.quant.onnx;

import io.quantpipe.quant.BadInputException;
import io.quantpipe.quant.onnx.proto.OnnxIr.AttributeProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.GraphProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.ModelProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.NodeProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.TensorProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.ValueInfoProto;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Lookups over one graph by tensor name, for analysis and editing: which node produces a tensor,
 * which nodes consume it, and its initializer, graph input / output and value_info entries. Protobuf
 * messages are immutable, so an index stays true to the graph it was built from; rebuild it after
 * editing. Tensor names follow the ONNX IR: each is assigned once, and an empty name is an absent
 * optional input or output.
 */
public final class GraphIndex {
    /**
     * One node's use of a tensor: the node's position in {@code graph.node}, the node, and the input
     * or output position ({@link #IMPLICIT} when a subgraph of the node reads the tensor from the
     * enclosing scope).
     */
    public record Use(int nodeIndex, NodeProto node, int slot) {
    }

    /** The slot of a use by a node's subgraph (If / Loop / Scan bodies reading an outer tensor). */
    public static final int IMPLICIT = -1;

    private final GraphProto graph;
    private final OptionalLong defaultOpset;
    private final Map<String, Use> producers = new HashMap<>();
    private final Map<String, List<Use>> consumers = new HashMap<>();
    private final Map<String, TensorProto> initializers = new HashMap<>();
    private final Map<String, ValueInfoProto> inputs = new HashMap<>();
    private final Map<String, ValueInfoProto> outputs = new HashMap<>();
    private final Map<String, ValueInfoProto> valueInfos = new HashMap<>();

    private GraphIndex(GraphProto graph, OptionalLong defaultOpset) {
        this.graph = graph;
        this.defaultOpset = defaultOpset;
        for (TensorProto t : graph.getInitializerList()) {
            if (initializers.putIfAbsent(t.getName(), t) != null) {
                throw new BadInputException("expected unique initializer names, found '" + t.getName() + "' twice");
            }
        }
        graph.getInputList().forEach(v -> inputs.putIfAbsent(v.getName(), v));
        graph.getOutputList().forEach(v -> outputs.putIfAbsent(v.getName(), v));
        graph.getValueInfoList().forEach(v -> valueInfos.putIfAbsent(v.getName(), v));
        for (int i = 0; i < graph.getNodeCount(); i++) {
            NodeProto node = graph.getNode(i);
            for (int slot = 0; slot < node.getOutputCount(); slot++) {
                String name = node.getOutput(slot);
                if (name.isEmpty()) {
                    continue;
                }
                Use previous = producers.putIfAbsent(name, new Use(i, node, slot));
                if (previous != null) {
                    throw new BadInputException("expected each tensor produced once, found '" + name + "' produced by nodes "
                            + previous.nodeIndex() + " and " + i);
                }
            }
            for (int slot = 0; slot < node.getInputCount(); slot++) {
                String name = node.getInput(slot);
                if (!name.isEmpty()) {
                    consumers.computeIfAbsent(name, k -> new ArrayList<>()).add(new Use(i, node, slot));
                }
            }
            for (String name : outerNames(node)) {
                consumers.computeIfAbsent(name, k -> new ArrayList<>()).add(new Use(i, node, IMPLICIT));
            }
        }
    }

    /** Index of the model's main graph. */
    public static GraphIndex of(ModelProto model) {
        return new GraphIndex(model.getGraph(), Opsets.defaultDomainVersion(model));
    }

    /** Index of any graph (a subgraph, say), with the default-domain opset of the model holding it. */
    public static GraphIndex of(GraphProto graph, OptionalLong defaultOpset) {
        return new GraphIndex(graph, defaultOpset);
    }

    public GraphProto graph() {
        return graph;
    }

    /** Opset version of the default ONNX domain, empty when the model imports none. */
    public OptionalLong defaultOpset() {
        return defaultOpset;
    }

    /** The node writing the tensor (slot = output position); empty for graph inputs, initializers and unknown names. */
    public Optional<Use> producer(String tensor) {
        return Optional.ofNullable(producers.get(tensor));
    }

    /**
     * Every node reading the tensor, in graph order; a node reading it twice appears twice. Nodes
     * whose subgraphs read it come with slot {@link #IMPLICIT}. Graph outputs are not nodes: see
     * {@link #output}.
     */
    public List<Use> consumers(String tensor) {
        List<Use> uses = consumers.get(tensor);
        return uses == null ? List.of() : Collections.unmodifiableList(uses);
    }

    public Optional<TensorProto> initializer(String name) {
        return Optional.ofNullable(initializers.get(name));
    }

    public Optional<ValueInfoProto> input(String name) {
        return Optional.ofNullable(inputs.get(name));
    }

    public Optional<ValueInfoProto> output(String name) {
        return Optional.ofNullable(outputs.get(name));
    }

    /** The graph's {@code value_info} entry (intermediate tensors only; see {@link #input}, {@link #output}). */
    public Optional<ValueInfoProto> valueInfo(String name) {
        return Optional.ofNullable(valueInfos.get(name));
    }

    /** Names the node's subgraphs read from enclosing scopes, in first-use order. */
    private static Set<String> outerNames(NodeProto node) {
        Set<String> names = new LinkedHashSet<>();
        for (AttributeProto a : node.getAttributeList()) {
            if (a.hasG()) {
                collectOuterNames(a.getG(), names);
            }
            for (GraphProto g : a.getGraphsList()) {
                collectOuterNames(g, names);
            }
        }
        return names;
    }

    private static void collectOuterNames(GraphProto graph, Set<String> out) {
        Set<String> local = new HashSet<>();
        graph.getInputList().forEach(v -> local.add(v.getName()));
        graph.getInitializerList().forEach(t -> local.add(t.getName()));
        graph.getNodeList().forEach(n -> local.addAll(n.getOutputList()));
        for (NodeProto node : graph.getNodeList()) {
            for (String name : node.getInputList()) {
                if (!name.isEmpty() && !local.contains(name)) {
                    out.add(name);
                }
            }
            for (String name : outerNames(node)) {
                if (!local.contains(name)) {
                    out.add(name);
                }
            }
        }
        for (ValueInfoProto v : graph.getOutputList()) {
            if (!local.contains(v.getName())) {
                out.add(v.getName());
            }
        }
    }
}
