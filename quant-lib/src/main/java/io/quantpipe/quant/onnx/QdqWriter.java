package io.quantpipe.quant.onnx;

import io.quantpipe.quant.ConfigException;
import io.quantpipe.quant.onnx.GraphIndex.Use;
import io.quantpipe.quant.onnx.QuantizationPlan.QuantizedNode;
import io.quantpipe.quant.onnx.QuantizationPlan.Role;
import io.quantpipe.quant.onnx.QuantizationPlan.Weight;
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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the QDQ form of an FP32 model (ONNX Runtime's "QDQ format", also what TensorRT reads for
 * explicit quantization): the graph keeps its float operators and gains
 * <ul>
 *   <li>a QuantizeLinear + DequantizeLinear pair on every tensor the {@link QuantizationPlan}
 *       quantizes, one pair per tensor whose DequantizeLinear output every reader then takes;
 *       per-tensor scale and zero point initializers, shared by a tensor and its aliases;</li>
 *   <li>weights stored as int8 initializers behind a DequantizeLinear only, symmetric per output
 *       channel (scale initializer of C values, int8 zero points of 0, {@code axis} attribute);</li>
 *   <li>biases stored as int32 with {@code scale[c] = s_input * s_weight[c]}, zero point 0, axis 0 (a
 *       bias that would saturate int32, which needs a weight channel of tiny scale, stays FP32);</li>
 *   <li>constant operands of Add / Mul / Concat stored in the activation type, per tensor, from their
 *       own min / max.</li>
 * </ul>
 * The FP32 initializers of quantized weights are dropped. Provenance goes to {@code metadata_props}.
 * The model must import the default ONNX domain at opset 13 or later (per-axis DequantizeLinear).
 * ONNX Runtime turns the DQ -> op -> Q patterns into its int8 kernels when it optimizes the graph.
 */
public final class QdqWriter {
    /** metadata_props key naming the format ({@code qdq}). */
    public static final String FORMAT_KEY = "quantpipe.format";
    /** metadata_props key naming the preset ({@code cpu}, {@code tensorrt}). */
    public static final String PRESET_KEY = "quantpipe.preset";
    /** metadata_props key naming the weight range function. */
    public static final String WEIGHT_RANGE_KEY = "quantpipe.weight_range";

    private final QdqOptions options;

    public QdqWriter(QdqOptions options) {
        if (options == null) {
            throw new ConfigException("QDQ writer: expected options, found null");
        }
        this.options = options;
    }

    public QdqOptions options() {
        return options;
    }

    /**
     * The QDQ model of the plan's FP32 model.
     *
     * @param plan             made from the FP32 model with BatchNormalization already folded; nodes of
     *                         {@link QdqOptions#keepFp32()} are taken out of it here
     * @param activationParams per-tensor parameters of every {@linkplain QuantizationPlan#observedTensors()
     *                         observed tensor}, of the preset's activation type; other entries are ignored
     * @throws ConfigException    when parameters are missing or do not fit the preset
     * @throws io.quantpipe.quant.BadInputException when the model's opset is below 13
     */
    public ModelProto write(QuantizationPlan plan, Map<String, QuantParams> activationParams) {
        QuantizationPlan p = plan.keepingFp32(options.keepFp32());
        Opsets.requireSupported(p.model());
        for (String t : p.observedTensors()) {
            checkActivation(t, activationParams.get(t));
        }
        return new Edit(p, activationParams).run();
    }

    private void checkActivation(String tensor, QuantParams params) {
        QuantSpec spec = options.preset().activationSpec();
        String where = "activation parameters of '" + tensor + "' (preset " + options.preset().configName() + ")";
        if (params == null) {
            throw new ConfigException(where + ": expected an entry for this observed tensor, found none");
        }
        if (params.perAxis()) {
            throw new ConfigException(where + ": expected per-tensor parameters, found per-axis along " + params.axis());
        }
        if (params.type() != spec.type()) {
            throw new ConfigException(where + ": expected type " + spec.type() + ", found " + params.type());
        }
        float scale = params.scale(0);
        if (!(scale > 0) || Float.isInfinite(scale)) {
            throw new ConfigException(where + ": expected a finite positive scale, found " + scale);
        }
        if (spec.symmetric() && params.zeroPoint(0) != ScaleZeroPoint.zeroPoint(0f, 0f, spec)) {
            throw new ConfigException(where + ": expected symmetric zero point " + ScaleZeroPoint.zeroPoint(0f, 0f, spec)
                    + ", found " + params.zeroPoint(0));
        }
    }

    /** One rewrite of one graph. */
    private final class Edit {
        private final QuantizationPlan plan;
        private final Map<String, QuantParams> activations;
        private final GraphProto graph;
        private final GraphIndex index;
        private final UniqueNames names;
        private final List<NodeProto> head = new ArrayList<>();
        private final Map<Integer, List<NodeProto>> after = new HashMap<>();
        private final Map<String, String> dequantized = new HashMap<>();
        private final Map<String, String> rawOutputs = new HashMap<>();
        private int pairs;
        private final Map<Long, String> slotInputs = new HashMap<>();
        private final List<TensorProto> added = new ArrayList<>();
        private final Map<String, String[]> activationInits = new HashMap<>();
        private final Map<String, QuantizedWeight> weights = new LinkedHashMap<>();

        /** A quantized initializer: its parameters and the DequantizeLinear output that replaces it. */
        private record QuantizedWeight(QuantParams params, String dequantized) {
        }

        Edit(QuantizationPlan plan, Map<String, QuantParams> activations) {
            this.plan = plan;
            this.activations = activations;
            this.graph = plan.model().getGraph();
            this.index = GraphIndex.of(plan.model());
            this.names = new UniqueNames(graph);
        }

        ModelProto run() {
            for (String t : plan.quantizedTensors()) {
                addPair(t);
            }
            for (QuantizedNode n : plan.nodes()) {
                QuantParams weightParams = null;
                for (Weight w : n.weights()) {
                    QuantizedWeight q = switch (w.role()) {
                        case WEIGHT -> weight(w);
                        case BIAS -> bias(w, n, weightParams);
                        case CONSTANT -> constant(w);
                    };
                    if (q == null) {
                        continue;    // left FP32
                    }
                    if (w.role() == Role.WEIGHT) {
                        weightParams = q.params();
                    }
                    slotInputs.put(slot(w.nodeIndex(), w.slot()), q.dequantized());
                }
            }
            GraphProto.Builder g = graph.toBuilder().clearNode().clearInitializer();
            g.addAllNode(head);
            for (int i = 0; i < graph.getNodeCount(); i++) {
                g.addNode(rewire(i, graph.getNode(i)));
                g.addAllNode(after.getOrDefault(i, List.of()));
            }
            for (TensorProto t : graph.getInitializerList()) {
                if (stillRead(t.getName())) {
                    g.addInitializer(t);
                }
            }
            g.addAllInitializer(added);
            ModelProto.Builder m = plan.model().toBuilder().setGraph(g);
            Map<String, String> provenance = new LinkedHashMap<>();
            provenance.put(FORMAT_KEY, "qdq");
            provenance.put(PRESET_KEY, options.preset().configName());
            provenance.put(WEIGHT_RANGE_KEY, options.weightRange().name());
            provenance.putAll(options.provenance());
            Metadata.merge(m, provenance);
            return m.build();
        }

        /** QuantizeLinear + DequantizeLinear right after the tensor is produced. */
        private void addPair(String tensor) {
            String source = plan.paramsSource(tensor);
            String[] qp = activationInits.computeIfAbsent(source, s -> {
                // Named by number: each is read three times, and long activation names would
                // otherwise cost more than the int8 weights save on small models.
                QuantParams params = activations.get(s);
                int j = activationInits.size();
                String scale = addInitializer(Tensors.ofFloats("qp" + j + "_scale", new float[] {params.scale(0)}));
                String zp = addInitializer(Tensors.ofInts("qp" + j + "_zp", params.type().onnxDataType(),
                        new int[] {params.zeroPoint(0)}));
                return new String[] {scale, zp};
            });
            Use producer = index.producer(tensor).orElse(null);
            // Inside the graph the DequantizeLinear takes over the tensor's name, so every reader
            // (and a per-layer comparison with the FP32 model) finds the dequantized value under the
            // original name; the producer's raw output and the quantized tensor get short internal
            // names, which keeps small models small. Graph inputs and outputs keep their names.
            boolean boundary = producer == null || index.input(tensor).isPresent() || index.output(tensor).isPresent();
            int k = pairs++;
            String raw = boundary ? tensor : names.fresh("qdq" + k + "_f");
            String q = names.fresh("qdq" + k + "_q");
            String dq = boundary ? names.fresh(tensor + "_dq") : tensor;
            List<NodeProto> pair = List.of(
                    NodeProto.newBuilder().setOpType("QuantizeLinear")
                            .addInput(raw).addInput(qp[0]).addInput(qp[1]).addOutput(q).build(),
                    NodeProto.newBuilder().setOpType("DequantizeLinear")
                            .addInput(q).addInput(qp[0]).addInput(qp[1]).addOutput(dq).build());
            if (producer == null) {
                head.addAll(pair);
            } else {
                after.computeIfAbsent(producer.nodeIndex(), x -> new ArrayList<>()).addAll(pair);
            }
            if (boundary) {
                dequantized.put(tensor, dq);
            } else {
                rawOutputs.put(tensor, raw);
            }
        }

        /** int8 symmetric per channel along the plan's axis. */
        private QuantizedWeight weight(Weight w) {
            return weights.computeIfAbsent(w.initializer() + "@" + w.axis(), k -> {
                TensorProto t = index.initializer(w.initializer()).orElseThrow();
                float[] values = Tensors.toFloats(t);
                long[] shape = Tensors.dims(t);
                WeightRangeFunction.Range range = options.weightRange().range(values, shape, w.axis());
                if (range.channels() != shape[w.axis()]) {
                    throw new ConfigException("weight range of '" + w.initializer() + "': expected " + shape[w.axis()]
                            + " channels along axis " + w.axis() + ", found " + range.channels());
                }
                QuantSpec spec = options.preset().weightSpec();
                QuantParams params = ScaleZeroPoint.perChannel(range.min(), range.max(), w.axis(), spec);
                int[] q = Quantizer.of(params, spec).quantize(values, shape);
                return dequantizeLinear(w.initializer(), Tensors.ofInts(null, QuantType.INT8.onnxDataType(), q, shape), params);
            });
        }

        /** int32 with scale s_input * s_weight[c]; null (left FP32) when a value would saturate. */
        private QuantizedWeight bias(Weight w, QuantizedNode n, QuantParams weightParams) {
            String input = plan.paramsSource(n.activationInputs().get(0));
            QuantParams params = ScaleZeroPoint.bias(activations.get(input).scale(0), weightParams);
            TensorProto t = index.initializer(w.initializer()).orElseThrow();
            float[] values = Tensors.toFloats(t);
            long[] shape = Tensors.dims(t);
            for (int c = 0; c < values.length; c++) {
                double q = Math.rint((double) values[c] / params.scale(params.perAxis() ? c : 0));
                if (Math.abs(q) > Integer.MAX_VALUE) {
                    return null;
                }
            }
            int[] q = Quantizer.of(params, QuantSpec.int32Bias()).quantize(values, shape);
            return dequantizeLinear(w.initializer(), Tensors.ofInts(null, QuantType.INT32.onnxDataType(), q, shape), params);
        }

        /** An Add / Mul / Concat operand, quantized like an activation from its exact range. */
        private QuantizedWeight constant(Weight w) {
            return weights.computeIfAbsent(w.initializer() + "@constant", k -> {
                TensorProto t = index.initializer(w.initializer()).orElseThrow();
                float[] values = Tensors.toFloats(t);
                WeightRangeFunction.Range range = WeightRangeFunction.minMax().range(values, Tensors.dims(t), -1);
                QuantSpec spec = options.preset().activationSpec();
                QuantParams params = ScaleZeroPoint.fromRange(range.min()[0], range.max()[0], spec);
                int[] q = Quantizer.of(params, spec).quantize(values);
                return dequantizeLinear(w.initializer(), Tensors.ofInts(null, spec.type().onnxDataType(), q, Tensors.dims(t)), params);
            });
        }

        /** Adds the quantized initializer, its scale and zero point, and the DequantizeLinear reading them. */
        private QuantizedWeight dequantizeLinear(String base, TensorProto quantized, QuantParams params) {
            String q = addInitializer(quantized.toBuilder().setName(base + "_q").build());
            long[] dims = params.perAxis() ? new long[] {params.channels()} : new long[0];
            String scale = addInitializer(Tensors.ofFloats(base + "_scale", params.scale(), dims));
            String out = names.fresh(base + "_dq");
            NodeProto.Builder dq = NodeProto.newBuilder().setOpType("DequantizeLinear").addInput(q).addInput(scale);
            // An int32 bias's zero point is 0, DequantizeLinear's default: leave it out. (Weights keep
            // theirs: ONNX Runtime fuses Gemm into QGemm only when the weight's zero point is given.)
            if (params.type() != QuantType.INT32 || !allZero(params.zeroPoint())) {
                dq.addInput(addInitializer(Tensors.ofInts(base + "_zp", params.type().onnxDataType(), params.zeroPoint(), dims)));
            }
            dq.addOutput(out);
            if (params.perAxis()) {
                dq.addAttribute(Attributes.ofInt("axis", params.axis()));
            }
            head.add(dq.build());
            return new QuantizedWeight(params, out);
        }

        private String addInitializer(TensorProto t) {
            String name = names.fresh(t.getName());
            added.add(t.toBuilder().setName(name).build());
            return name;
        }

        private static boolean allZero(int[] values) {
            for (int v : values) {
                if (v != 0) {
                    return false;
                }
            }
            return true;
        }

        /** The node reading quantized weights and dequantized activations instead of the FP32 tensors. */
        private NodeProto rewire(int i, NodeProto node) {
            NodeProto.Builder b = null;
            for (int o = 0; o < node.getOutputCount(); o++) {
                String raw = rawOutputs.get(node.getOutput(o));
                if (raw != null) {
                    if (b == null) {
                        b = node.toBuilder();
                    }
                    b.setOutput(o, raw);
                }
            }
            for (int s = 0; s < node.getInputCount(); s++) {
                String in = node.getInput(s);
                String replacement = slotInputs.getOrDefault(slot(i, s), dequantized.get(in));
                if (replacement != null) {
                    if (b == null) {
                        b = node.toBuilder();
                    }
                    b.setInput(s, replacement);
                }
            }
            return b == null ? node : b.build();
        }

        /** An initializer stays when a node input, subgraph or graph input / output still reads it as FP32. */
        private boolean stillRead(String name) {
            if (index.input(name).isPresent() || index.output(name).isPresent() || index.consumers(name).isEmpty()) {
                return true;
            }
            for (Use u : index.consumers(name)) {
                if (u.slot() == GraphIndex.IMPLICIT || !slotInputs.containsKey(slot(u.nodeIndex(), u.slot()))) {
                    return true;
                }
            }
            return false;
        }

        private static long slot(int nodeIndex, int slot) {
            return ((long) nodeIndex << 32) | slot;
        }
    }
}
