package io.quantpipe.quant.onnx;

import io.quantpipe.quant.onnx.GraphIndex.Use;
import io.quantpipe.quant.onnx.proto.OnnxIr.AttributeProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.GraphProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.ModelProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.NodeProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.TensorProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.ValueInfoProto;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Folds inference-mode BatchNormalization into the Conv or Gemm before it, as every deployment tool
 * does before quantizing (Jacob et al. 2018, section 3.2; ONNX Runtime's ConvBNFusion): with
 * {@code s = gamma / sqrt(var + eps)} per channel, {@code W'[c] = s[c] * W[c]} and
 * {@code b'[c] = s[c] * (b[c] - mean[c]) + beta[c]}. Folding first lets the weights be quantized
 * with the scale the network really applies.
 *
 * <p>A BatchNormalization is folded when its input is output 0 of a Conv or Gemm that nothing else
 * reads (and is not a graph output), its four parameters are float initializers of one value per
 * channel, training_mode is off and its optional outputs are unused. A Gemm's {@code alpha} stays;
 * its {@code C} (absent or a vector) absorbs {@code beta}, which becomes 1. The Conv / Gemm takes the
 * BatchNormalization's output name, so readers and graph outputs are unchanged. Arithmetic is in
 * double, stored as float. Weights shared with other nodes are copied, not changed in place.
 */
public final class BatchNormFolder {

    /** The folded model and the names of the BatchNormalization nodes removed ("#index" for unnamed nodes). */
    public record Result(ModelProto model, List<String> folded) {
        public Result {
            folded = List.copyOf(folded);
        }
    }

    private BatchNormFolder() {
    }

    /** Folds every foldable BatchNormalization; the model is returned as is when there is none. */
    public static Result fold(ModelProto model) {
        GraphProto graph = model.getGraph();
        GraphIndex index = GraphIndex.of(model);
        UniqueNames names = new UniqueNames(graph);
        Map<Integer, NodeProto> replaced = new HashMap<>();
        Set<Integer> removed = new HashSet<>();
        Map<String, TensorProto> changedInitializers = new HashMap<>();
        List<TensorProto> addedInitializers = new ArrayList<>();
        Set<String> renamedAway = new HashSet<>();
        Set<String> maybeUnused = new HashSet<>();
        List<String> folded = new ArrayList<>();

        for (int i = 0; i < graph.getNodeCount(); i++) {
            NodeProto bn = graph.getNode(i);
            Fold f = Fold.plan(index, bn);
            if (f == null || replaced.containsKey(f.producer.nodeIndex())) {
                continue;
            }
            NodeProto producer = f.producer.node();
            String weightName = producer.getInput(1);
            String biasName = producer.getInputCount() > 2 ? producer.getInput(2) : "";
            TensorProto newWeight = f.foldedWeight(index.initializer(weightName).orElseThrow());
            TensorProto newBias = f.foldedBias(biasName.isEmpty() ? null : index.initializer(biasName).orElseThrow());
            String weightOut = place(index, names, weightName, newWeight, f.producer.nodeIndex(), changedInitializers, addedInitializers);
            String biasOut = biasName.isEmpty()
                    ? placeNew(names, producer.getOutput(0) + "_bias", newBias, addedInitializers)
                    : place(index, names, biasName, newBias, f.producer.nodeIndex(), changedInitializers, addedInitializers);

            NodeProto.Builder p = producer.toBuilder().setInput(1, weightOut);
            while (p.getInputCount() < 3) {
                p.addInput("");
            }
            p.setInput(2, biasOut).setOutput(0, bn.getOutput(0));
            if (producer.getOpType().equals("Gemm")) {
                setAttribute(p, Attributes.ofFloat("beta", 1f));
            }
            replaced.put(f.producer.nodeIndex(), p.build());
            removed.add(i);
            maybeUnused.addAll(bn.getInputList().subList(1, 5));
            maybeUnused.add(weightName);
            maybeUnused.add(biasName);
            renamedAway.add(producer.getOutput(0));
            folded.add(QuantizationPlan.label(bn, i));
        }
        if (folded.isEmpty()) {
            return new Result(model, folded);
        }

        GraphProto.Builder g = graph.toBuilder().clearNode().clearInitializer();
        for (int i = 0; i < graph.getNodeCount(); i++) {
            if (!removed.contains(i)) {
                g.addNode(replaced.getOrDefault(i, graph.getNode(i)));
            }
        }
        GraphIndex edited = GraphIndex.of(g.build(), index.defaultOpset());
        for (TensorProto t : graph.getInitializerList()) {
            String name = t.getName();
            // BatchNormalization parameters and weights replaced by copies go when nothing reads them any more.
            boolean unused = maybeUnused.contains(name) && edited.consumers(name).isEmpty()
                    && edited.output(name).isEmpty() && edited.input(name).isEmpty();
            if (!unused) {
                g.addInitializer(changedInitializers.getOrDefault(name, t));
            }
        }
        addedInitializers.forEach(g::addInitializer);
        // The old Conv outputs no longer exist; their value_info would describe nothing.
        List<ValueInfoProto> infos = g.getValueInfoList().stream().filter(v -> !renamedAway.contains(v.getName())).toList();
        g.clearValueInfo().addAllValueInfo(infos);
        return new Result(model.toBuilder().setGraph(g).build(), folded);
    }

    /** Replaces the initializer in place when only this node reads it, else adds a copy under a new name. */
    private static String place(GraphIndex index, UniqueNames names, String name, TensorProto value, int nodeIndex,
                                Map<String, TensorProto> changed, List<TensorProto> added) {
        boolean onlyThisNode = index.consumers(name).stream().allMatch(u -> u.nodeIndex() == nodeIndex && u.slot() >= 0)
                && index.output(name).isEmpty() && index.input(name).isEmpty() && !changed.containsKey(name);
        if (onlyThisNode) {
            changed.put(name, value.toBuilder().setName(name).build());
            return name;
        }
        return placeNew(names, name + "_folded", value, added);
    }

    private static String placeNew(UniqueNames names, String base, TensorProto value, List<TensorProto> added) {
        String name = names.fresh(base);
        added.add(value.toBuilder().setName(name).build());
        return name;
    }

    private static void setAttribute(NodeProto.Builder node, AttributeProto attribute) {
        for (int k = 0; k < node.getAttributeCount(); k++) {
            if (node.getAttribute(k).getName().equals(attribute.getName())) {
                node.setAttribute(k, attribute);
                return;
            }
        }
        node.addAttribute(attribute);
    }

    /** One foldable BatchNormalization: its producer and per-channel {@code s} and shift. */
    private static final class Fold {
        final Use producer;
        final double[] scale;      // gamma / sqrt(var + eps)
        final double[] mean;
        final double[] beta;
        final int channels;

        private Fold(Use producer, double[] scale, double[] mean, double[] beta) {
            this.producer = producer;
            this.scale = scale;
            this.mean = mean;
            this.beta = beta;
            this.channels = scale.length;
        }

        /** The fold of {@code bn}, or null when it cannot be folded. */
        static Fold plan(GraphIndex index, NodeProto bn) {
            if (!bn.getOpType().equals("BatchNormalization") || !Opsets.isDefaultDomain(bn.getDomain())
                    || bn.getInputCount() != 5 || Attributes.intValue(bn, "training_mode", 0) != 0) {
                return null;
            }
            for (int k = 1; k < bn.getOutputCount(); k++) {
                String extra = bn.getOutput(k);
                if (!extra.isEmpty() && (!index.consumers(extra).isEmpty() || index.output(extra).isPresent())) {
                    return null;
                }
            }
            String x = bn.getInput(0);
            Use producer = index.producer(x).orElse(null);
            if (producer == null || producer.slot() != 0 || index.consumers(x).size() != 1 || index.output(x).isPresent()) {
                return null;
            }
            NodeProto p = producer.node();
            if (!Opsets.isDefaultDomain(p.getDomain()) || !(p.getOpType().equals("Conv") || p.getOpType().equals("Gemm"))) {
                return null;
            }
            double[][] params = new double[4][];
            for (int k = 0; k < 4; k++) {
                params[k] = vector(index, bn.getInput(k + 1), -1);
                if (params[k] == null || params[k].length != params[0].length) {
                    return null;
                }
            }
            int channels = params[0].length;
            TensorProto w = constant(index, p.getInputCount() > 1 ? p.getInput(1) : "");
            if (w == null || w.getDataType() != Tensors.FLOAT) {
                return null;
            }
            if (p.getOpType().equals("Conv")) {
                if (w.getDimsCount() < 3 || w.getDims(0) != channels) {
                    return null;
                }
            } else {
                int axis = Attributes.intValue(p, "transB", 0) == 1 ? 0 : 1;
                if (w.getDimsCount() != 2 || w.getDims(axis) != channels) {
                    return null;
                }
            }
            if (p.getInputCount() > 2 && !p.getInput(2).isEmpty() && vector(index, p.getInput(2), channels) == null) {
                return null;
            }
            double eps = Attributes.floatValue(bn, "epsilon", 1e-5f);
            double[] scale = new double[channels];
            for (int c = 0; c < channels; c++) {
                scale[c] = params[0][c] / Math.sqrt(params[3][c] + eps);
            }
            return new Fold(producer, scale, params[2], params[1]);
        }

        TensorProto foldedWeight(TensorProto w) {
            float[] v = Tensors.toFloats(w);
            long[] dims = Tensors.dims(w);
            NodeProto p = producer.node();
            boolean rows = p.getOpType().equals("Conv") || Attributes.intValue(p, "transB", 0) == 1;
            int inner = (int) (v.length / dims[0]);
            for (int i = 0; i < v.length; i++) {
                // Conv W[M, ...] and Gemm B[N, K] (transB) scale rows; Gemm B[K, N] scales columns.
                int c = rows ? i / inner : i % (int) dims[1];
                v[i] = (float) (v[i] * scale[c]);
            }
            return Tensors.ofFloats(w.getName(), v, dims);
        }

        /** {@code s * (gammaC - mean) + beta}, where a Gemm's C is multiplied by its beta first. */
        TensorProto foldedBias(TensorProto bias) {
            float[] b = bias == null ? new float[channels] : Tensors.toFloats(bias);
            double gemmBeta = producer.node().getOpType().equals("Gemm")
                    ? Attributes.floatValue(producer.node(), "beta", 1f) : 1.0;
            float[] out = new float[channels];
            for (int c = 0; c < channels; c++) {
                out[c] = (float) (scale[c] * (gemmBeta * b[c] - mean[c]) + beta[c]);
            }
            return Tensors.ofFloats(bias == null ? "" : bias.getName(), out, channels);
        }

        /** A float initializer of rank 1 (of {@code length} elements unless negative), in double. */
        private static double[] vector(GraphIndex index, String name, int length) {
            TensorProto t = constant(index, name);
            if (t == null || t.getDataType() != Tensors.FLOAT || t.getDimsCount() != 1
                    || (length >= 0 && t.getDims(0) != length)) {
                return null;
            }
            float[] f = Tensors.toFloats(t);
            double[] d = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                d[i] = f[i];
            }
            return d;
        }

        private static TensorProto constant(GraphIndex index, String name) {
            if (name.isEmpty() || index.input(name).isPresent()) {
                return null;
            }
            return index.initializer(name).orElse(null);
        }
    }
}
