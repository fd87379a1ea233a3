package io.quantpipe.quant.onnx;

import io.quantpipe.quant.onnx.proto.OnnxIr.AttributeProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.GraphProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.NodeProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.TensorProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.ValueInfoProto;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Element type of every tensor of a graph, as far as it can be told without full shape inference:
 * declared types (initializers, inputs, outputs, value_info) first, then one forward pass with the
 * rules of the ONNX operators that change the element type (Shape gives int64, Cast gives {@code to},
 * comparisons give bool, ...); every other operator keeps the type of its first typed input. Enough
 * to keep int64 shape arithmetic (Shape -> Gather -> Concat -> Reshape) away from quantization.
 */
final class ElementTypes {
    static final int UNKNOWN = 0;
    private static final int BOOL = 9;
    private static final Set<String> TO_INT64 = Set.of("Shape", "Size", "NonZero", "ArgMax", "ArgMin",
            "NonMaxSuppression");
    private static final Set<String> TO_BOOL = Set.of("Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual",
            "Not", "And", "Or", "Xor", "IsNaN", "IsInf");

    private final Map<String, Integer> types = new HashMap<>();

    private ElementTypes(GraphProto graph) {
        for (TensorProto t : graph.getInitializerList()) {
            types.put(t.getName(), t.getDataType());
        }
        declare(graph.getInputList());
        declare(graph.getValueInfoList());
        declare(graph.getOutputList());
        for (NodeProto node : graph.getNodeList()) {
            for (int slot = 0; slot < node.getOutputCount(); slot++) {
                String out = node.getOutput(slot);
                if (!out.isEmpty() && !types.containsKey(out)) {
                    int t = infer(node, slot);
                    if (t != UNKNOWN) {
                        types.put(out, t);
                    }
                }
            }
        }
    }

    static ElementTypes of(GraphProto graph) {
        return new ElementTypes(graph);
    }

    /** The ONNX element type code, {@link #UNKNOWN} when it cannot be told. */
    int of(String tensor) {
        return types.getOrDefault(tensor, UNKNOWN);
    }

    boolean isFloat(String tensor) {
        return of(tensor) == Tensors.FLOAT;
    }

    private void declare(Iterable<ValueInfoProto> values) {
        for (ValueInfoProto v : values) {
            if (v.hasType() && v.getType().hasTensorType() && v.getType().getTensorType().getElemType() != UNKNOWN) {
                types.put(v.getName(), v.getType().getTensorType().getElemType());
            }
        }
    }

    private int infer(NodeProto node, int slot) {
        String op = Opsets.isDefaultDomain(node.getDomain()) ? node.getOpType() : "";
        if (op.isEmpty()) {
            return UNKNOWN;    // custom domains: nothing known about their types
        }
        if (TO_INT64.contains(op) || (op.equals("TopK") && slot == 1)) {
            return Tensors.INT64;
        }
        if (TO_BOOL.contains(op)) {
            return BOOL;
        }
        switch (op) {
            case "Cast":
                return (int) Attributes.intValue(node, "to", UNKNOWN);
            case "CastLike":
                return node.getInputCount() > 1 ? of(node.getInput(1)) : UNKNOWN;
            case "Constant":
                return constantType(node);
            case "ConstantOfShape":
                for (AttributeProto a : node.getAttributeList()) {
                    if (a.getName().equals("value") && a.hasT()) {
                        return a.getT().getDataType();
                    }
                }
                return Tensors.FLOAT;
            case "DequantizeLinear":
                return Tensors.FLOAT;
            case "QuantizeLinear":
                return node.getInputCount() > 2 && !node.getInput(2).isEmpty() ? of(node.getInput(2)) : Tensors.UINT8;
            case "DynamicQuantizeLinear":
                return slot == 1 ? Tensors.FLOAT : Tensors.UINT8;
            case "Where":
                return node.getInputCount() > 1 ? of(node.getInput(1)) : UNKNOWN;
            case "EyeLike":
            case "RandomNormal":
            case "RandomUniform":
            case "RandomNormalLike":
            case "RandomUniformLike":
                return (int) Attributes.intValue(node, "dtype", Tensors.FLOAT);
            default:
                for (String in : node.getInputList()) {
                    if (!in.isEmpty() && of(in) != UNKNOWN) {
                        return of(in);
                    }
                }
                return UNKNOWN;
        }
    }

    private static int constantType(NodeProto node) {
        for (AttributeProto a : node.getAttributeList()) {
            switch (a.getName()) {
                case "value":
                    return a.getT().getDataType();
                case "value_float":
                case "value_floats":
                    return Tensors.FLOAT;
                case "value_int":
                case "value_ints":
                    return Tensors.INT64;
                default:
                    break;
            }
        }
        return UNKNOWN;
    }
}
