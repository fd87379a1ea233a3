package io.quantpipe.quant.onnx;

import io.quantpipe.quant.ConfigException;
import io.quantpipe.quant.onnx.GraphIndex.Use;
import io.quantpipe.quant.onnx.proto.OnnxIr.ModelProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.NodeProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.TensorProto;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Where a QDQ model quantizes, read from the FP32 graph alone ("graph mode", in the sense of
 * PyTorch FX and ONNX Runtime's static quantizer: no hand-placed stubs). The plan says which
 * activation tensors get a QuantizeLinear / DequantizeLinear pair (and so which to observe during
 * calibration), which nodes run quantized, which initializers become int8 weights or int32 biases,
 * and which nodes stay FP32 and why.
 *
 * <p>Rules, following ONNX Runtime's QDQ quantizer where it is right:
 * <ul>
 *   <li>Quantized nodes: Conv, Gemm and MatMul whose weight is an initializer (a MatMul followed by an
 *       Add of a 1-D initializer of N elements is one unit, that initializer its bias); Add (residual
 *       connections included), Mul and Concat of float tensors; MaxPool, AveragePool,
 *       GlobalAveragePool. Their float activation inputs are quantized, and so is their output when a
 *       node reads it.</li>
 *   <li>A Relu or Clip (constant bounds) that is the only reader of a Conv / Gemm / MatMul (+ bias)
 *       or Add output is fused: it is observed after the activation, with no pair in between, so that
 *       ONNX Runtime can drop it into the QuantizeLinear (its ReluQuantFusion / ClipQuantFusion). Add
 *       is included because ResNet's residual Add is followed by Relu.</li>
 *   <li>Shape operators (Reshape, Flatten, Transpose, Squeeze, Unsqueeze, Identity) and MaxPool do not
 *       change the set of values, so their output takes the parameters of their input: it is an
 *       {@linkplain #aliases() alias}, not observed on its own. Its input is quantized too, which
 *       gives the DQ -> Reshape -> Q pattern ONNX Runtime runs on int8 directly.</li>
 *   <li>Everything else stays FP32 and is listed in {@link #fp32Nodes()} with a reason; nodes whose
 *       outputs are all non-float (shape arithmetic) and Constant nodes are not listed.</li>
 *   <li>Graph outputs: a tensor that no node reads is never quantized, so a final Gemm computes its
 *       logits in float from dequantized inputs (ONNX Runtime runs that as QGemm / MatMulIntegerToFloat
 *       with float output). A graph output that nodes also read is quantized for those readers only.</li>
 * </ul>
 *
 * <p>Nodes are named by {@code name}, or {@code "#<index>"} (position in {@code graph.node}) when
 * the name is empty. BatchNormalization is not folded here: run {@link BatchNormFolder} first, or it
 * stays FP32. Only the main graph is analysed; nodes with subgraphs stay FP32.
 */
public final class QuantizationPlan {

    /** What an initializer read by a quantized node becomes. */
    public enum Role {
        /** int8 symmetric, per output channel along {@link Weight#axis()}. */
        WEIGHT,
        /** int32, scale {@code s_input * s_weight[c]}, zero point 0, along axis 0. */
        BIAS,
        /** An operand of Add / Mul / Concat: quantized per tensor like an activation, from its own range. */
        CONSTANT
    }

    /**
     * An initializer a quantized node reads.
     *
     * @param initializer name of the FP32 initializer
     * @param role        what it becomes
     * @param axis        channel axis of per-channel parameters, -1 for per tensor
     * @param node        name of the quantized node (unit) it belongs to
     * @param nodeIndex   position in {@code graph.node} of the node that reads it (the bias Add of a
     *                    MatMul unit reads its bias)
     * @param slot        input position in that node
     */
    public record Weight(String initializer, Role role, int axis, String node, int nodeIndex, int slot) {
    }

    /**
     * A node (with what is fused into it) that runs quantized.
     *
     * @param name              node name
     * @param opType            its operator
     * @param index             position in {@code graph.node}
     * @param activationInputs  the float tensors it reads through a DequantizeLinear, in input order
     * @param weights           initializers it reads quantized
     * @param output            the tensor at the end of the unit: after a fused bias Add and activation
     * @param outputQuantized   true when {@code output} gets a QuantizeLinear / DequantizeLinear pair
     * @param sharesInputParams true when the output takes the parameters of the input (MaxPool)
     * @param fusedNodes        names of the bias Add and activation folded into the unit
     */
    public record QuantizedNode(String name, String opType, int index, List<String> activationInputs,
                                List<Weight> weights, String output, boolean outputQuantized,
                                boolean sharesInputParams, List<String> fusedNodes) {
        public QuantizedNode {
            activationInputs = List.copyOf(activationInputs);
            weights = List.copyOf(weights);
            fusedNodes = List.copyOf(fusedNodes);
        }
    }

    /** A Relu / Clip fused after {@code producer}: {@code input} is not quantized, {@code output} is. */
    public record FusedActivation(String node, String opType, String producer, String input, String output) {
    }

    /** A shape operator whose output shares the quantization parameters of its input. */
    public record Passthrough(String node, String opType, String input, String output) {
    }

    /** A node that stays FP32, for the report. */
    public record Fp32Node(String name, String opType, String reason) {
    }

    static final Set<String> PASSTHROUGH = Set.of("Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Identity");
    private static final Set<String> WEIGHTED = Set.of("Conv", "Gemm", "MatMul");
    private static final Set<String> ELEMENTWISE = Set.of("Add", "Mul", "Concat");
    private static final Set<String> POOLING = Set.of("MaxPool", "AveragePool", "GlobalAveragePool");
    private static final Set<String> FUSED_AFTER = Set.of("Conv", "Gemm", "MatMul", "Add");

    private final ModelProto model;
    private final Set<String> keptFp32;
    private final List<QuantizedNode> nodes;
    private final List<FusedActivation> fused;
    private final List<Passthrough> passthroughs;
    private final List<Fp32Node> fp32Nodes;
    private final List<String> observed;
    private final List<String> quantized;
    private final Map<String, String> aliases;

    private QuantizationPlan(Analysis a) {
        this.model = a.model;
        this.keptFp32 = Collections.unmodifiableSet(new TreeSet<>(a.kept));
        this.nodes = List.copyOf(a.units);
        this.fused = List.copyOf(a.fused);
        this.passthroughs = List.copyOf(a.activePassthroughs);
        this.fp32Nodes = List.copyOf(a.fp32);
        this.observed = List.copyOf(a.observed);
        this.quantized = List.copyOf(a.quantized);
        this.aliases = Collections.unmodifiableMap(new LinkedHashMap<>(a.aliases));
    }

    /** The plan of a model whose every supported node is quantized. */
    public static QuantizationPlan of(ModelProto model) {
        return of(model, Set.of());
    }

    /**
     * The plan of a model with the named nodes kept in FP32 (mixed precision). A kept node does not
     * ask for its inputs to be quantized; an input quantized for another reader reaches it through
     * that reader's DequantizeLinear.
     *
     * @throws ConfigException when a name is not a node of the graph
     */
    public static QuantizationPlan of(ModelProto model, Set<String> keepFp32) {
        return new QuantizationPlan(new Analysis(model, keepFp32));
    }

    /** The same model planned again with more nodes kept in FP32. */
    public QuantizationPlan keepingFp32(Set<String> nodeNames) {
        if (keptFp32.containsAll(nodeNames)) {
            return this;
        }
        Set<String> all = new HashSet<>(keptFp32);
        all.addAll(nodeNames);
        return of(model, all);
    }

    /** The FP32 model this plan was made from. */
    public ModelProto model() {
        return model;
    }

    public Set<String> keptFp32() {
        return keptFp32;
    }

    /**
     * The tensors to observe during calibration, in graph order (graph inputs first): one per set of
     * tensors sharing parameters. Activation parameters are given for exactly these.
     */
    public List<String> observedTensors() {
        return observed;
    }

    /** Every tensor that gets a QuantizeLinear / DequantizeLinear pair: the observed ones and their aliases. */
    public List<String> quantizedTensors() {
        return quantized;
    }

    /** Quantized tensor -> the observed tensor whose parameters it takes (outputs of shape ops and MaxPool). */
    public Map<String, String> aliases() {
        return aliases;
    }

    /**
     * The observed tensor whose parameters quantize {@code tensor}.
     *
     * @throws ConfigException when the tensor is not quantized by this plan
     */
    public String paramsSource(String tensor) {
        String alias = aliases.get(tensor);
        if (alias != null) {
            return alias;
        }
        if (observed.contains(tensor)) {
            return tensor;
        }
        throw new ConfigException("tensor '" + tensor + "': expected a tensor the plan quantizes, found it is not");
    }

    public List<QuantizedNode> nodes() {
        return nodes;
    }

    /** Every initializer read quantized, in node order. */
    public List<Weight> weights() {
        List<Weight> all = new ArrayList<>();
        nodes.forEach(n -> all.addAll(n.weights()));
        return all;
    }

    public List<FusedActivation> fusedActivations() {
        return fused;
    }

    /** Shape operators whose output is quantized with the parameters of their input. */
    public List<Passthrough> passthroughs() {
        return passthroughs;
    }

    /** Nodes computing on float tensors that stay FP32, with the reason. */
    public List<Fp32Node> fp32Nodes() {
        return fp32Nodes;
    }

    /** Name of a node as plans and reports refer to it. */
    static String label(NodeProto node, int index) {
        return node.getName().isEmpty() ? "#" + index : node.getName();
    }

    /** One pass over the graph; the plan keeps only its results. */
    private static final class Analysis {
        final ModelProto model;
        final GraphIndex index;
        final ElementTypes types;
        final Set<String> kept;
        final Set<String> graphInputs = new HashSet<>();
        final Set<Integer> claimed = new HashSet<>();
        final List<QuantizedNode> units = new ArrayList<>();
        final List<FusedActivation> fused = new ArrayList<>();
        final Map<String, Passthrough> passthroughByOutput = new HashMap<>();
        final List<Passthrough> activePassthroughs = new ArrayList<>();
        final List<Fp32Node> fp32 = new ArrayList<>();
        final Map<String, String> aliases = new LinkedHashMap<>();
        final List<String> observed = new ArrayList<>();
        final List<String> quantized = new ArrayList<>();
        final Map<String, Integer> position = new HashMap<>();

        Analysis(ModelProto model, Set<String> keepFp32) {
            this.model = model;
            this.index = GraphIndex.of(model);
            this.types = ElementTypes.of(model.getGraph());
            this.kept = new HashSet<>(keepFp32);
            model.getGraph().getInputList().forEach(v -> graphInputs.add(v.getName()));
            checkKept();
            numberTensors();
            List<NodeProto> graphNodes = model.getGraph().getNodeList();
            for (int i = 0; i < graphNodes.size(); i++) {
                if (!claimed.contains(i)) {
                    visit(i, graphNodes.get(i));
                }
            }
            placePairs();
        }

        private void checkKept() {
            Set<String> labels = new HashSet<>();
            List<NodeProto> graphNodes = model.getGraph().getNodeList();
            for (int i = 0; i < graphNodes.size(); i++) {
                labels.add(label(graphNodes.get(i), i));
            }
            for (String name : new TreeSet<>(kept)) {
                if (!labels.contains(name)) {
                    throw new ConfigException("node '" + name + "' to keep in FP32: expected a node of graph '"
                            + model.getGraph().getName() + "', found none by that name");
                }
            }
        }

        /** Graph order of tensors: graph inputs, then node outputs. */
        private void numberTensors() {
            int n = 0;
            for (var v : model.getGraph().getInputList()) {
                position.putIfAbsent(v.getName(), n++);
            }
            for (NodeProto node : model.getGraph().getNodeList()) {
                for (String out : node.getOutputList()) {
                    if (!out.isEmpty()) {
                        position.putIfAbsent(out, n++);
                    }
                }
            }
        }

        private void visit(int i, NodeProto node) {
            String name = label(node, i);
            boolean producesFloat = node.getOutputList().stream().anyMatch(types::isFloat);
            String op = node.getOpType();
            if (!Opsets.isDefaultDomain(node.getDomain()) || Attributes.hasSubgraph(node)) {
                fp32(node, name, producesFloat, "unsupported op");
                return;
            }
            if (kept.contains(name)) {
                fp32(node, name, producesFloat, "kept in FP32");
                return;
            }
            String reason;
            if (WEIGHTED.contains(op)) {
                reason = weighted(i, node, name);
            } else if (ELEMENTWISE.contains(op)) {
                reason = elementwise(i, node, name);
            } else if (POOLING.contains(op)) {
                reason = pooling(i, node, name);
            } else if (PASSTHROUGH.contains(op)) {
                reason = passthrough(node, name);
            } else if (op.equals("Constant")) {
                reason = null;
            } else {
                reason = "unsupported op";
            }
            if (reason != null) {
                fp32(node, name, producesFloat, reason);
            }
        }

        private void fp32(NodeProto node, String name, boolean producesFloat, String reason) {
            if (producesFloat) {
                fp32.add(new Fp32Node(name, node.getOpType(), reason));
            }
        }

        /** Conv / Gemm / MatMul with an initializer weight; returns why not, or null when quantized. */
        private String weighted(int i, NodeProto node, String name) {
            String op = node.getOpType();
            if (node.getInputCount() < 2 || !isActivation(node.getInput(0))) {
                return "first input is not a float activation";
            }
            TensorProto w = constant(node.getInput(1));
            int minRank = op.equals("Conv") ? 3 : 2;
            if (w == null || w.getDataType() != Tensors.FLOAT || w.getDimsCount() < minRank
                    || (!op.equals("Conv") && w.getDimsCount() != 2)) {
                return "weight is not a float initializer of rank " + (op.equals("Conv") ? ">= 3" : "2");
            }
            int axis;
            if (op.equals("Conv")) {
                axis = 0;
            } else if (op.equals("Gemm")) {
                axis = Attributes.intValue(node, "transB", 0) == 1 ? 0 : 1;
            } else {
                axis = 1;
            }
            long channels = w.getDims(axis);
            List<Weight> weights = new ArrayList<>();
            weights.add(new Weight(w.getName(), Role.WEIGHT, axis, name, i, 1));
            List<String> fusedNodes = new ArrayList<>();
            if (node.getInputCount() > 2 && !node.getInput(2).isEmpty()) {
                TensorProto b = constant(node.getInput(2));
                if (b == null) {
                    return (op.equals("Conv") ? "bias" : "input C") + " is not an initializer";
                }
                boolean plainGemm = !op.equals("Gemm")
                        || (Attributes.floatValue(node, "alpha", 1f) == 1f && Attributes.floatValue(node, "beta", 1f) == 1f);
                if (isVector(b, channels) && plainGemm) {
                    weights.add(new Weight(b.getName(), Role.BIAS, 0, name, i, 2));
                } else if (op.equals("Conv")) {
                    return "bias is not a float vector of " + channels + " elements";
                }
                // Otherwise a Gemm's C stays an FP32 initializer: alpha / beta scale it, or it is a matrix.
            }
            String output = node.getOutput(0);
            if (op.equals("MatMul")) {
                Use add = onlyReader(output);
                if (add != null && add.node().getOpType().equals("Add") && Opsets.isDefaultDomain(add.node().getDomain())
                        && !kept.contains(label(add.node(), add.nodeIndex()))) {
                    int biasSlot = 1 - add.slot();
                    TensorProto b = constant(add.node().getInput(biasSlot));
                    if (b != null && isVector(b, channels)) {
                        weights.add(new Weight(b.getName(), Role.BIAS, 0, name, add.nodeIndex(), biasSlot));
                        claimed.add(add.nodeIndex());
                        fusedNodes.add(label(add.node(), add.nodeIndex()));
                        output = add.node().getOutput(0);
                    }
                }
            }
            output = fuseActivation(name, op, output, fusedNodes);
            addUnit(node, name, i, List.of(node.getInput(0)), weights, output, false, fusedNodes);
            return null;
        }

        private String elementwise(int i, NodeProto node, String name) {
            String op = node.getOpType();
            if (!op.equals("Concat") && node.getInputCount() != 2) {
                return "expected two inputs";
            }
            List<String> activations = new ArrayList<>();
            List<Weight> constants = new ArrayList<>();
            for (int slot = 0; slot < node.getInputCount(); slot++) {
                String in = node.getInput(slot);
                if (in.isEmpty() || !types.isFloat(in)) {
                    return "inputs are not all float tensors";
                }
                if (constant(in) != null) {
                    constants.add(new Weight(in, Role.CONSTANT, -1, name, i, slot));
                } else {
                    activations.add(in);
                }
            }
            if (activations.isEmpty()) {
                return "every input is constant";
            }
            List<String> fusedNodes = new ArrayList<>();
            String output = fuseActivation(name, op, node.getOutput(0), fusedNodes);
            addUnit(node, name, i, activations, constants, output, false, fusedNodes);
            return null;
        }

        private String pooling(int i, NodeProto node, String name) {
            if (node.getInputCount() < 1 || !isActivation(node.getInput(0))) {
                return "input is not a float activation";
            }
            if (node.getOutputCount() > 1 && isRead(node.getOutput(1))) {
                return "MaxPool indices are used";
            }
            boolean shares = node.getOpType().equals("MaxPool");
            addUnit(node, name, i, List.of(node.getInput(0)), List.of(), node.getOutput(0), shares, List.of());
            return null;
        }

        private String passthrough(NodeProto node, String name) {
            if (node.getInputCount() < 1 || !isActivation(node.getInput(0)) || !types.isFloat(node.getOutput(0))) {
                return "input is not a float activation";
            }
            passthroughByOutput.put(node.getOutput(0), new Passthrough(name, node.getOpType(), node.getInput(0), node.getOutput(0)));
            return null;
        }

        /** Claims a Relu / Clip that alone reads {@code tensor}; returns the tensor after it. */
        private String fuseActivation(String producer, String producerOp, String tensor, List<String> fusedNodes) {
            if (!FUSED_AFTER.contains(producerOp)) {
                return tensor;
            }
            Use use = onlyReader(tensor);
            if (use == null || use.slot() != 0 || !Opsets.isDefaultDomain(use.node().getDomain())) {
                return tensor;
            }
            NodeProto act = use.node();
            String actName = label(act, use.nodeIndex());
            boolean relu = act.getOpType().equals("Relu");
            boolean clip = act.getOpType().equals("Clip") && constantBounds(act);
            if ((!relu && !clip) || kept.contains(actName) || act.getOutputCount() != 1) {
                return tensor;
            }
            claimed.add(use.nodeIndex());
            fusedNodes.add(actName);
            fused.add(new FusedActivation(actName, act.getOpType(), producer, tensor, act.getOutput(0)));
            return act.getOutput(0);
        }

        private boolean constantBounds(NodeProto clip) {
            for (int slot = 1; slot < clip.getInputCount(); slot++) {
                String in = clip.getInput(slot);
                if (!in.isEmpty() && constant(in) == null) {
                    return false;
                }
            }
            return true;
        }

        private void addUnit(NodeProto node, String name, int i, List<String> activations, List<Weight> weights,
                             String output, boolean shares, List<String> fusedNodes) {
            units.add(new QuantizedNode(name, node.getOpType(), i, activations, weights, output, isRead(output),
                    shares, fusedNodes));
        }

        /** Decides the quantized tensors, follows aliases to the observed ones. */
        private void placePairs() {
            Set<String> need = new LinkedHashSet<>();
            Map<String, String> sharesWith = new HashMap<>();
            for (QuantizedNode u : units) {
                need.addAll(u.activationInputs());
                if (u.outputQuantized()) {
                    need.add(u.output());
                    if (u.sharesInputParams()) {
                        sharesWith.put(u.output(), u.activationInputs().get(0));
                    }
                }
            }
            Deque<String> work = new ArrayDeque<>(need);
            Set<Passthrough> active = new LinkedHashSet<>();
            while (!work.isEmpty()) {
                String t = work.pop();
                Passthrough p = passthroughByOutput.get(t);
                if (p != null) {
                    sharesWith.put(t, p.input());
                    active.add(p);
                    if (need.add(p.input())) {
                        work.push(p.input());
                    }
                }
            }
            Comparator<String> graphOrder = Comparator.comparingInt(t -> position.getOrDefault(t, Integer.MAX_VALUE));
            quantized.addAll(need);
            quantized.sort(graphOrder);
            Set<String> roots = new LinkedHashSet<>();
            for (String t : quantized) {
                String root = t;
                while (sharesWith.containsKey(root)) {
                    root = sharesWith.get(root);
                }
                roots.add(root);
                if (!root.equals(t)) {
                    aliases.put(t, root);
                }
            }
            observed.addAll(roots);
            observed.sort(graphOrder);
            activePassthroughs.addAll(active);
            activePassthroughs.sort(Comparator.comparing(p -> position.getOrDefault(p.output(), Integer.MAX_VALUE)));
        }

        /** The single node input reading the tensor, or null when there are more, none, or it is a graph output. */
        private Use onlyReader(String tensor) {
            List<Use> uses = index.consumers(tensor);
            if (uses.size() != 1 || uses.get(0).slot() == GraphIndex.IMPLICIT || index.output(tensor).isPresent()) {
                return null;
            }
            return uses.get(0);
        }

        private boolean isRead(String tensor) {
            return !tensor.isEmpty() && index.consumers(tensor).stream().anyMatch(u -> u.slot() != GraphIndex.IMPLICIT);
        }

        /** A float tensor computed at run time (a graph input or a node output, not an initializer). */
        private boolean isActivation(String tensor) {
            return !tensor.isEmpty() && types.isFloat(tensor) && constant(tensor) == null;
        }

        /** The initializer of that name, unless a graph input of the same name may override it. */
        private TensorProto constant(String tensor) {
            if (graphInputs.contains(tensor)) {
                return null;
            }
            return index.initializer(tensor).orElse(null);
        }

        private static boolean isVector(TensorProto t, long length) {
            return t.getDataType() == Tensors.FLOAT && t.getDimsCount() == 1 && t.getDims(0) == length;
        }
    }
}
