package io.quantpipe.quant.onnx;

import io.quantpipe.quant.ConfigException;
import io.quantpipe.quant.onnx.GraphIndex.Use;
import io.quantpipe.quant.onnx.proto.OnnxIr.GraphProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.ModelProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.NodeProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.TensorProto;
import io.quantpipe.quant.tensor.QuantParams;
import io.quantpipe.quant.tensor.QuantSpec;
import io.quantpipe.quant.tensor.QuantType;
import io.quantpipe.quant.tensor.Quantizer;
import io.quantpipe.quant.tensor.ScaleZeroPoint;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Dynamic quantization of Gemm / MatMul layers, as PyTorch's {@code quantize_dynamic} and ONNX
 * Runtime's {@code quantize_dynamic} do for Linear-dominated models (MLPs, LSTMs' projections,
 * transformers): weights are int8 ahead of time, activations are quantized at run time from their
 * own range, so no calibration is needed. Each {@code MatMul(A, W)} / {@code Gemm(A, W, C)} with a
 * constant weight becomes
 * <pre>
 *   A_q, A_scale, A_zp = DynamicQuantizeLinear(A)            (uint8, one per input tensor)
 *   acc = MatMulInteger(A_q, W_q, A_zp, W_zp)                 (int32)
 *   Y   = Cast(acc, float) * Mul(A_scale, W_scale) [+ C]
 * </pre>
 * which ONNX Runtime fuses into DynamicQuantizeMatMul / MatMulIntegerToFloat. Weights are int8
 * symmetric (zero point 0, [-127, 127]) and, by default, per output column: MatMulInteger takes an
 * N-element {@code b_zero_point} for a 2-D {@code B[K, N]} (ONNX MatMulInteger-10), and the column
 * scales multiply the float result. A Gemm weight with {@code transB = 1} is stored transposed;
 * {@code alpha} goes into the weight scale and {@code beta} into a constant {@code C}. Gemm with
 * {@code transA = 1} and nodes kept in FP32 are left as they are.
 */
public final class DynamicQuantizer {

    /**
     * @param perChannel  one scale per output column (default) rather than per tensor
     * @param reduceRange 7-bit weights ([-63, 63]) for CPUs whose u8s8 products can saturate (no VNNI)
     * @param keepFp32    names of nodes left in FP32
     * @param provenance  key / values recorded in {@code metadata_props}
     */
    public record Options(boolean perChannel, boolean reduceRange, Set<String> keepFp32, Map<String, String> provenance) {
        public Options {
            if (keepFp32 == null || provenance == null) {
                throw new ConfigException("dynamic quantization options: expected a keep-FP32 set and provenance, found null");
            }
            keepFp32 = Set.copyOf(keepFp32);
            provenance = Collections.unmodifiableMap(new LinkedHashMap<>(provenance));
        }

        /** Per-channel 8-bit weights, every Gemm / MatMul quantized, no provenance. */
        public static Options defaults() {
            return new Options(true, false, Set.of(), Map.of());
        }

        public Options withPerChannel(boolean b) {
            return new Options(b, reduceRange, keepFp32, provenance);
        }

        public Options withReduceRange(boolean b) {
            return new Options(perChannel, b, keepFp32, provenance);
        }

        public Options withKeepFp32(Set<String> names) {
            return new Options(perChannel, reduceRange, names, provenance);
        }

        public Options withProvenance(Map<String, String> keyValues) {
            return new Options(perChannel, reduceRange, keepFp32, keyValues);
        }
    }

    private final Options options;

    public DynamicQuantizer(Options options) {
        if (options == null) {
            throw new ConfigException("dynamic quantizer: expected options, found null");
        }
        this.options = options;
    }

    /**
     * The dynamically quantized model; nodes that do not qualify are copied unchanged.
     *
     * @throws io.quantpipe.quant.BadInputException when the model's opset is below 13
     */
    public ModelProto quantize(ModelProto model) {
        Opsets.requireSupported(model);
        GraphProto graph = model.getGraph();
        GraphIndex index = GraphIndex.of(model);
        ElementTypes types = ElementTypes.of(graph);
        UniqueNames names = new UniqueNames(graph);
        Set<String> graphInputs = new HashSet<>();
        graph.getInputList().forEach(v -> graphInputs.add(v.getName()));
        Set<String> labels = new HashSet<>();
        for (int i = 0; i < graph.getNodeCount(); i++) {
            labels.add(QuantizationPlan.label(graph.getNode(i), i));
        }
        for (String k : options.keepFp32()) {
            if (!labels.contains(k)) {
                throw new ConfigException("node '" + k + "' to keep in FP32: expected a node of graph '" + graph.getName()
                        + "', found none by that name");
            }
        }

        Map<String, String[]> quantizedInputs = new HashMap<>();
        List<TensorProto> added = new ArrayList<>();
        Set<Long> replacedSlots = new HashSet<>();
        GraphProto.Builder g = graph.toBuilder().clearNode().clearInitializer();
        int quantized = 0;
        for (int i = 0; i < graph.getNodeCount(); i++) {
            NodeProto node = graph.getNode(i);
            Layer layer = Layer.of(node, i, index, types, graphInputs, options.keepFp32());
            if (layer == null) {
                g.addNode(node);
                continue;
            }
            String a = node.getInput(0);
            String[] aq = quantizedInputs.get(a);
            if (aq == null) {
                aq = new String[] {names.fresh(a + "_quantized"), names.fresh(a + "_scale"), names.fresh(a + "_zero_point")};
                g.addNode(NodeProto.newBuilder().setOpType("DynamicQuantizeLinear").setName(names.fresh(a + "_DynamicQuantizeLinear"))
                        .addInput(a).addOutput(aq[0]).addOutput(aq[1]).addOutput(aq[2]));
                quantizedInputs.put(a, aq);
            }
            String base = QuantizationPlan.label(node, i);
            String[] w = quantizeWeight(layer, base, names, added);
            String acc = names.fresh(base + "_MatMulInteger_output");
            String accFloat = names.fresh(base + "_cast_output");
            String scale = names.fresh(base + "_scale_product");
            String output = node.getOutput(0);
            String product = layer.bias == null ? output : names.fresh(base + "_scaled_output");
            g.addNode(node(names, base + "_MatMulInteger", "MatMulInteger", List.of(aq[0], w[0], aq[2], w[2]), acc));
            g.addNode(node(names, base + "_Cast", "Cast", List.of(acc), accFloat).toBuilder()
                    .addAttribute(Attributes.ofInt("to", Tensors.FLOAT)).build());
            g.addNode(node(names, base + "_scale_Mul", "Mul", List.of(aq[1], w[1]), scale));
            g.addNode(node(names, base + "_output_Mul", "Mul", List.of(accFloat, scale), product));
            if (layer.bias != null) {
                String bias = layer.bias;
                if (layer.biasScale != 1f) {
                    float[] c = Tensors.toFloats(index.initializer(bias).orElseThrow());
                    for (int k = 0; k < c.length; k++) {
                        c[k] *= layer.biasScale;
                    }
                    bias = add(names, added, Tensors.ofFloats(base + "_bias", c, Tensors.dims(index.initializer(bias).orElseThrow())));
                    replacedSlots.add(slot(i, 2));
                }
                g.addNode(node(names, base + "_bias_Add", "Add", List.of(product, bias), output));
            }
            replacedSlots.add(slot(i, 1));
            quantized++;
        }
        if (quantized == 0) {
            return model;
        }
        for (TensorProto t : graph.getInitializerList()) {
            if (stillRead(index, t.getName(), replacedSlots)) {
                g.addInitializer(t);
            }
        }
        g.addAllInitializer(added);
        ModelProto.Builder m = model.toBuilder().setGraph(g);
        Map<String, String> provenance = new LinkedHashMap<>();
        provenance.put(QdqWriter.FORMAT_KEY, "dynamic");
        provenance.put("quantpipe.weight_granularity", options.perChannel() ? "per_channel" : "per_tensor");
        provenance.putAll(options.provenance());
        Metadata.merge(m, provenance);
        return m.build();
    }

    /** int8 W[K, N] and its scale and zero point initializers (N values each, or scalars). */
    private String[] quantizeWeight(Layer layer, String base, UniqueNames names, List<TensorProto> added) {
        float[] w = layer.weightKn;
        long[] shape = {layer.k, layer.n};
        QuantSpec spec = QuantSpec.int8Symmetric().withReduceRange(options.reduceRange());
        int axis = options.perChannel() ? 1 : -1;
        WeightRangeFunction.Range range = WeightRangeFunction.minMax().range(w, shape, axis);
        QuantParams params = axis < 0
                ? ScaleZeroPoint.fromRange(range.min()[0], range.max()[0], spec)
                : ScaleZeroPoint.perChannel(range.min(), range.max(), axis, spec);
        int[] q = Quantizer.of(params, spec).quantize(w, shape);
        float[] scale = params.scale();
        for (int c = 0; c < scale.length; c++) {
            scale[c] *= layer.alpha;    // exact when alpha is 1
        }
        long[] dims = axis < 0 ? new long[0] : new long[] {layer.n};
        return new String[] {
            add(names, added, Tensors.ofInts(base + "_weight_quantized", QuantType.INT8.onnxDataType(), q, shape)),
            add(names, added, Tensors.ofFloats(base + "_weight_scale", scale, dims)),
            add(names, added, Tensors.ofInts(base + "_weight_zero_point", QuantType.INT8.onnxDataType(), params.zeroPoint(), dims))};
    }

    private static String add(UniqueNames names, List<TensorProto> added, TensorProto t) {
        String name = names.fresh(t.getName());
        added.add(t.toBuilder().setName(name).build());
        return name;
    }

    private static NodeProto node(UniqueNames names, String name, String op, List<String> inputs, String output) {
        return NodeProto.newBuilder().setOpType(op).setName(names.fresh(name)).addAllInput(inputs).addOutput(output).build();
    }

    private static boolean stillRead(GraphIndex index, String name, Set<Long> replacedSlots) {
        if (index.input(name).isPresent() || index.output(name).isPresent() || index.consumers(name).isEmpty()) {
            return true;
        }
        for (Use u : index.consumers(name)) {
            if (u.slot() == GraphIndex.IMPLICIT || !replacedSlots.contains(slot(u.nodeIndex(), u.slot()))) {
                return true;
            }
        }
        return false;
    }

    private static long slot(int nodeIndex, int slot) {
        return ((long) nodeIndex << 32) | slot;
    }

    /** A Gemm / MatMul that qualifies, its weight as row-major [K, N], and how to apply alpha and C. */
    private static final class Layer {
        float[] weightKn;
        int k;
        int n;
        float alpha = 1f;
        String bias;
        float biasScale = 1f;

        static Layer of(NodeProto node, int i, GraphIndex index, ElementTypes types, Set<String> graphInputs, Set<String> kept) {
            String op = node.getOpType();
            if (!Opsets.isDefaultDomain(node.getDomain()) || !(op.equals("MatMul") || op.equals("Gemm"))
                    || kept.contains(QuantizationPlan.label(node, i)) || node.getInputCount() < 2) {
                return null;
            }
            String a = node.getInput(0);
            if (!types.isFloat(a) || index.initializer(a).isPresent() && !graphInputs.contains(a)) {
                return null;
            }
            String wName = node.getInput(1);
            TensorProto w = graphInputs.contains(wName) ? null : index.initializer(wName).orElse(null);
            if (w == null || w.getDataType() != Tensors.FLOAT || w.getDimsCount() != 2) {
                return null;
            }
            Layer layer = new Layer();
            float[] values = Tensors.toFloats(w);
            int rows = (int) w.getDims(0);
            int cols = (int) w.getDims(1);
            boolean transposed = false;
            if (op.equals("Gemm")) {
                if (Attributes.intValue(node, "transA", 0) != 0) {
                    return null;
                }
                transposed = Attributes.intValue(node, "transB", 0) == 1;
                layer.alpha = Attributes.floatValue(node, "alpha", 1f);
                float beta = Attributes.floatValue(node, "beta", 1f);
                if (node.getInputCount() > 2 && !node.getInput(2).isEmpty()) {
                    String c = node.getInput(2);
                    boolean constant = index.initializer(c).isPresent() && !graphInputs.contains(c);
                    if (!constant && beta != 1f) {
                        return null;
                    }
                    layer.bias = c;
                    layer.biasScale = beta;
                }
            }
            layer.k = transposed ? cols : rows;
            layer.n = transposed ? rows : cols;
            if (transposed) {
                float[] kn = new float[values.length];
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < cols; c++) {
                        kn[c * rows + r] = values[r * cols + c];
                    }
                }
                values = kn;
            }
            layer.weightKn = values;
            return layer;
        }
    }
}
