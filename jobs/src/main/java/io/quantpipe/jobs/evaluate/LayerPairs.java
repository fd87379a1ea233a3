package io.quantpipe.jobs.evaluate;

import io.quantpipe.quant.onnx.proto.OnnxIr.GraphProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.ModelProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.NodeProto;
import io.quantpipe.quant.runtime.IntermediateOutputs;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which tensor of the FP32 model each quantized tensor of a candidate model stands for, so the two
 * activations can be compared ({@code --per-layer}).
 *
 * <p>A quantized activation is a {@code QuantizeLinear -> DequantizeLinear} pair in the candidate.
 * quantpipe's QDQ writer gives the DequantizeLinear output the FP32 tensor's name inside the graph
 * (a quantized graph input {@code X} becomes {@code X_dq}); other tools (ONNX Runtime's quantizer)
 * keep the FP32 name on the QuantizeLinear input instead. So a pair is matched by the
 * DequantizeLinear output when the FP32 graph has a tensor of that name, else by the
 * QuantizeLinear input. A candidate without such pairs (a pruned or QAT-exported float model) is
 * compared at every node output both graphs have by name. Tensors of one graph only are not
 * compared: a foreign model's per-layer error covers the names it shares with the FP32 model.
 */
final class LayerPairs {
    /** FP32 tensor name -> candidate tensor name, in candidate graph order. */
    private final LinkedHashMap<String, String> pairs;

    private LayerPairs(LinkedHashMap<String, String> pairs) {
        this.pairs = pairs;
    }

    /** The pairs of {@code candidate} against {@code fp32}. */
    static LayerPairs match(ModelProto fp32, ModelProto candidate) {
        Set<String> fp32Tensors = tensors(fp32.getGraph());
        LinkedHashMap<String, String> pairs = new LinkedHashMap<>();
        GraphProto g = candidate.getGraph();
        Map<String, NodeProto> producers = new HashMap<>();
        for (NodeProto n : g.getNodeList()) {
            n.getOutputList().forEach(o -> producers.put(o, n));
        }
        boolean qdq = false;
        for (NodeProto n : g.getNodeList()) {
            if (!n.getOpType().equals("DequantizeLinear") || n.getInputCount() < 1 || n.getOutputCount() < 1) {
                continue;
            }
            NodeProto q = producers.get(n.getInput(0));
            if (q == null || !q.getOpType().equals("QuantizeLinear") || q.getInputCount() < 1) {
                continue; // a weight's DequantizeLinear reads an initializer
            }
            qdq = true;
            String dq = n.getOutput(0);
            String fp32Name = fp32Tensors.contains(dq) ? dq : fp32Tensors.contains(q.getInput(0)) ? q.getInput(0) : null;
            if (fp32Name != null) {
                pairs.putIfAbsent(fp32Name, dq);
            }
        }
        if (!qdq) {
            Set<String> outputs = new HashSet<>();
            g.getOutputList().forEach(v -> outputs.add(v.getName()));
            for (NodeProto n : g.getNodeList()) {
                for (String o : n.getOutputList()) {
                    if (!o.isEmpty() && fp32Tensors.contains(o) && !outputs.contains(o)) {
                        pairs.putIfAbsent(o, o);
                    }
                }
            }
        }
        return new LayerPairs(pairs);
    }

    /** Node outputs and graph inputs of a graph. */
    private static Set<String> tensors(GraphProto g) {
        Set<String> names = new HashSet<>();
        g.getInputList().forEach(v -> names.add(v.getName()));
        g.getNodeList().forEach(n -> names.addAll(n.getOutputList()));
        names.remove("");
        return names;
    }

    /** Only the pairs whose FP32 tensor is in {@code keep}. */
    LayerPairs retain(Set<String> keep) {
        LinkedHashMap<String, String> out = new LinkedHashMap<>();
        pairs.forEach((a, b) -> {
            if (keep.contains(a)) {
                out.put(a, b);
            }
        });
        return new LayerPairs(out);
    }

    boolean isEmpty() {
        return pairs.isEmpty();
    }

    int size() {
        return pairs.size();
    }

    /** FP32 tensor names, in candidate graph order; layers are reported by these names. */
    List<String> fp32Tensors() {
        return List.copyOf(pairs.keySet());
    }

    /** Candidate tensor names, in the same order. */
    List<String> candidateTensors() {
        return List.copyOf(pairs.values());
    }

    /** The candidate tensor that stands for {@code fp32Tensor}. */
    String candidateTensor(String fp32Tensor) {
        return pairs.get(fp32Tensor);
    }

    /** The FP32 model with every paired tensor added to its outputs. */
    ModelProto instrumentFp32(ModelProto fp32) {
        return IntermediateOutputs.expose(fp32, new ArrayList<>(pairs.keySet()));
    }

    /** The candidate with every paired tensor added to its outputs. */
    ModelProto instrumentCandidate(ModelProto candidate) {
        return IntermediateOutputs.expose(candidate, new ArrayList<>(pairs.values()));
    }
}
