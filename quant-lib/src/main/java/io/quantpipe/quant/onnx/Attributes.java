package io.quantpipe.quant.onnx;

import io.quantpipe.quant.onnx.proto.OnnxIr.AttributeProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.NodeProto;
import java.util.Optional;

/** Reading and making node attributes; type codes are {@code AttributeProto.AttributeType} of the ONNX IR. */
final class Attributes {
    static final int FLOAT = 1;
    static final int INT = 2;
    static final int TENSOR = 4;

    private Attributes() {
    }

    static Optional<AttributeProto> find(NodeProto node, String name) {
        for (AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals(name)) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    static long intValue(NodeProto node, String name, long fallback) {
        return find(node, name).map(AttributeProto::getI).orElse(fallback);
    }

    static float floatValue(NodeProto node, String name, float fallback) {
        return find(node, name).map(AttributeProto::getF).orElse(fallback);
    }

    /** True when an attribute holds a subgraph (If, Loop, Scan): such nodes are left as they are. */
    static boolean hasSubgraph(NodeProto node) {
        for (AttributeProto a : node.getAttributeList()) {
            if (a.hasG() || a.getGraphsCount() > 0) {
                return true;
            }
        }
        return false;
    }

    static AttributeProto ofInt(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(INT).setI(value).build();
    }

    static AttributeProto ofFloat(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(FLOAT).setF(value).build();
    }
}
