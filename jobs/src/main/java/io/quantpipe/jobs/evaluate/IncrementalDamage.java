package io.quantpipe.jobs.evaluate;

import io.quantpipe.quant.eval.LayerError;
import io.quantpipe.quant.onnx.QuantizationPlan;
import io.quantpipe.quant.onnx.QuantizationPlan.Passthrough;
import io.quantpipe.quant.onnx.QuantizationPlan.QuantizedNode;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which quantized tensor adds the most quantization noise of its own, as opposed to noise it
 * inherits from the tensors it is computed from: the accuracy-aware fallback's choice of what to
 * move back to FP32 next.
 *
 * <p>A tensor's per-layer SQNR measures all the error accumulated up to it, so the deepest layers
 * always look worst. Following the usual model of quantization noise as additive and carried along
 * with the signal (Lin, Talathi and Annapureddy, "Fixed point quantization of deep convolutional
 * networks", ICML 2016: the output SQNR of a chain is the "parallel sum" of the stages' SQNRs,
 * {@code 1/sqnr_out = sum 1/sqnr_i} in linear terms), the noise-to-signal ratio of a tensor is
 * what it inherits plus what its own step adds. So for a tensor {@code T} computed by quantized node
 * {@code n} (its weights, the rounding and clipping of {@code T} itself):
 * <pre>
 *   nsr(x)         = 10^(-SQNR(x) / 10)                       (noise over signal power)
 *   inherited(T)   = max over n's activation inputs i of nsr(i)   (0 for an FP32 graph input)
 *   added(T)       = nsr(T) - inherited(T)
 *   incremental(T) = -10 log10(added(T)) dB,  +Inf when added(T) <= 0
 * </pre>
 * The lowest incremental SQNR is the most damaging step. Taking the worst input, not a weighted mix,
 * errs on the side of blaming a node less for noise that came in with an input (an Add of two
 * noisy branches). A quantized graph input has nothing to inherit; a shape operator's output inherits
 * its input's ratio and adds none. The node whose output is the logits (not quantized) is scored
 * with the SQNR of the model output.
 *
 * <p>Moving a tensor back to FP32 means keeping its producing node in FP32 and every quantized node
 * that reads it (directly or through shape operators): a node's output is quantized as long as its
 * producer is quantized and something reads it, so keeping only the producer would leave the
 * tensor's own rounding and clipping, which is what a calibration method gets wrong.
 */
final class IncrementalDamage {

    /**
     * One tensor's share of the damage and what keeping it in FP32 takes.
     *
     * @param tensor           the quantized tensor (FP32 name)
     * @param sqnrDb           its SQNR against the FP32 model
     * @param inheritedSqnrDb  the SQNR it inherits (worst input), +Inf when none
     * @param incrementalSqnrDb SQNR of the noise it adds itself
     * @param nodes            quantized nodes to keep in FP32 for it to be FP32: its producer and readers
     */
    record Culprit(String tensor, double sqnrDb, double inheritedSqnrDb, double incrementalSqnrDb, List<String> nodes) {
    }

    private IncrementalDamage() {
    }

    /**
     * Every measured tensor of the plan with its incremental SQNR, most damaging first; tensors whose
     * error was not measured are left out.
     *
     * @param plan         the plan of the evaluated model (nodes kept in FP32 excluded)
     * @param layers       per-layer errors of that model, by FP32 tensor name
     * @param logits       name of the model output
     * @param outputSqnrDb SQNR of the model output
     */
    static List<Culprit> rank(QuantizationPlan plan, List<LayerError> layers, String logits, double outputSqnrDb) {
        Map<String, Double> sqnr = new HashMap<>();
        layers.forEach(l -> sqnr.put(l.tensor(), l.sqnrDb()));
        sqnr.putIfAbsent(logits, outputSqnrDb);
        Map<String, QuantizedNode> producers = new HashMap<>();
        plan.nodes().forEach(n -> producers.put(n.output(), n));
        Map<String, String> passthroughInput = new HashMap<>();
        plan.passthroughs().forEach(p -> passthroughInput.put(p.output(), p.input()));

        List<String> tensors = new ArrayList<>(plan.quantizedTensors());
        plan.nodes().stream().filter(n -> !n.outputQuantized() && n.output().equals(logits)).forEach(n -> tensors.add(n.output()));
        List<Culprit> out = new ArrayList<>();
        for (String t : tensors) {
            Double s = sqnr.get(t);
            if (s == null || Double.isNaN(s)) {
                continue;
            }
            List<String> inputs;
            QuantizedNode producer = producers.get(t);
            if (producer != null) {
                inputs = producer.activationInputs();
            } else if (passthroughInput.containsKey(t)) {
                inputs = List.of(passthroughInput.get(t));
            } else {
                inputs = List.of(); // a graph input, or the output of a node kept in FP32
            }
            double inherited = 0;
            boolean known = true;
            for (String i : inputs) {
                Double si = sqnr.get(i);
                if (si == null || Double.isNaN(si)) {
                    known = false;
                } else {
                    inherited = Math.max(inherited, nsr(si));
                }
            }
            if (!known) {
                continue;
            }
            double added = nsr(s) - inherited;
            double incremental = added > 0 ? -10 * Math.log10(added) : Double.POSITIVE_INFINITY;
            List<String> nodes = fp32Nodes(plan, t, producer);
            if (!nodes.isEmpty()) {
                out.add(new Culprit(t, s, inherited > 0 ? -10 * Math.log10(inherited) : Double.POSITIVE_INFINITY,
                        incremental, nodes));
            }
        }
        out.sort(Comparator.comparingDouble(Culprit::incrementalSqnrDb).thenComparing(Culprit::tensor));
        return out;
    }

    /** Noise-to-signal power ratio of an SQNR in dB. */
    static double nsr(double sqnrDb) {
        return Math.pow(10, -sqnrDb / 10);
    }

    /** The quantized nodes that produce or read {@code tensor} (through shape operators too), in graph order. */
    static List<String> fp32Nodes(QuantizationPlan plan, String tensor, QuantizedNode producer) {
        Set<String> carriers = new LinkedHashSet<>();
        carriers.add(tensor);
        boolean grew = true;
        while (grew) {
            grew = false;
            for (Passthrough p : plan.passthroughs()) {
                if (carriers.contains(p.input()) && carriers.add(p.output())) {
                    grew = true;
                }
            }
        }
        List<String> nodes = new ArrayList<>();
        for (QuantizedNode n : plan.nodes()) {
            if (n == producer || n.activationInputs().stream().anyMatch(carriers::contains)) {
                nodes.add(n.name());
            }
        }
        return nodes;
    }
}
