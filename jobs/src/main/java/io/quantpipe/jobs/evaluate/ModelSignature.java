package io.quantpipe.jobs.evaluate;

import io.quantpipe.jobs.data.ModelInput;
import io.quantpipe.quant.BadInputException;
import io.quantpipe.quant.eval.EvaluationState;
import io.quantpipe.quant.runtime.ModelRunner;
import io.quantpipe.quant.runtime.TensorMeta;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a scored model takes and gives, as ONNX Runtime declares it: its single float input and its
 * outputs, the first of which holds the logits ({@code [N, classes...]}). Two models can be compared
 * row by row only when their signatures agree: same input and output names, element types, ranks
 * and every dimension both declare (a dynamic one, -1, matches any).
 */
final class ModelSignature {
    private static final int FLOAT = 1;

    private final String label;
    private final TensorMeta input;
    private final Map<String, TensorMeta> outputs;

    private ModelSignature(String label, TensorMeta input, Map<String, TensorMeta> outputs) {
        this.label = label;
        this.input = input;
        this.outputs = outputs;
    }

    /** The signature of a loaded model; {@code label} names it in errors (e.g. {@code "--fp32 m.onnx"}). */
    static ModelSignature of(String label, ModelRunner runner) {
        List<TensorMeta> inputs = runner.inputs();
        if (inputs.size() != 1) {
            throw new BadInputException(label + ": expected exactly one input, found " + inputs.size() + " "
                    + runner.inputNames());
        }
        TensorMeta in = inputs.get(0);
        if (in.elementType() != FLOAT) {
            throw new BadInputException(label + ": expected a float input (type 1), found input '" + in.name()
                    + "' of type " + in.elementType());
        }
        long[] dims = in.shape();
        if (dims.length == 0) {
            throw new BadInputException(label + ": expected input '" + in.name()
                    + "' to have a batch dimension, found a scalar or no shape");
        }
        if (dims[0] > 1) {
            throw new BadInputException(label + ": expected input '" + in.name()
                    + "' to have a dynamic (or 1) batch dimension, found shape " + Arrays.toString(dims));
        }
        Map<String, TensorMeta> outs = new LinkedHashMap<>();
        runner.outputs().forEach(o -> outs.put(o.name(), o));
        if (outs.isEmpty()) {
            throw new BadInputException(label + ": expected at least one output, found none");
        }
        return new ModelSignature(label, in, outs);
    }

    String inputName() {
        return input.name();
    }

    /** The declared input shape, batch dimension first (-1 = dynamic). */
    long[] inputDims() {
        return input.shape();
    }

    /** The input as it meets a dataset: expected elements per row, reshaping, batch size. */
    ModelInput input() {
        return new ModelInput(input.name(), input.shape(), label);
    }

    /** The output that holds the logits: the first one. */
    String logitsName() {
        return outputs.keySet().iterator().next();
    }

    /** Values per row of the logits: the product of the dimensions after the batch dimension. */
    int classes() {
        TensorMeta logits = outputs.get(logitsName());
        long[] dims = logits.shape();
        if (logits.elementType() != FLOAT) {
            throw new BadInputException(label + ": expected output '" + logits.name()
                    + "' (the logits) to be float (type 1), found type " + logits.elementType());
        }
        if (dims.length < 2) {
            throw new BadInputException(label + ": expected output '" + logits.name()
                    + "' (the logits) of shape [N, classes], found " + Arrays.toString(dims));
        }
        long classes = 1;
        for (int i = 1; i < dims.length; i++) {
            if (dims[i] < 1) {
                throw new BadInputException(label + ": expected output '" + logits.name()
                        + "' (the logits) to declare its class dimension, found shape " + Arrays.toString(dims));
            }
            classes = Math.multiplyExact(classes, dims[i]);
        }
        if (classes > EvaluationState.MAX_CLASSES) {
            throw new BadInputException(label + ": expected at most " + EvaluationState.MAX_CLASSES
                    + " values per row in output '" + logits.name() + "', found " + classes);
        }
        return (int) classes;
    }

    /**
     * Fails with a {@link BadInputException} naming the first difference when {@code candidate} does
     * not take and give what this model does.
     */
    void requireSameAs(ModelSignature candidate) {
        TensorMeta a = input;
        TensorMeta b = candidate.input;
        if (!a.name().equals(b.name())) {
            throw mismatch(candidate, "input '" + a.name() + "'", "input '" + b.name() + "'");
        }
        requireSameTensor(candidate, "input", a, b);
        if (!outputs.keySet().equals(candidate.outputs.keySet())) {
            throw mismatch(candidate, "outputs " + outputs.keySet(), "outputs " + candidate.outputs.keySet());
        }
        for (TensorMeta o : outputs.values()) {
            requireSameTensor(candidate, "output", o, candidate.outputs.get(o.name()));
        }
    }

    private void requireSameTensor(ModelSignature candidate, String role, TensorMeta a, TensorMeta b) {
        if (a.elementType() != b.elementType()) {
            throw mismatch(candidate, role + " '" + a.name() + "' of type " + a.elementType(),
                    "type " + b.elementType());
        }
        if (!compatible(a.shape(), b.shape())) {
            throw mismatch(candidate, role + " '" + a.name() + "' of shape " + Arrays.toString(a.shape()),
                    "shape " + Arrays.toString(b.shape()));
        }
    }

    private BadInputException mismatch(ModelSignature candidate, String expected, String found) {
        return new BadInputException(candidate.label + ": expected the inputs and outputs of " + label + ", "
                + expected + ", found " + found + " (-1 = dynamic)");
    }

    /** Same rank and equal dimensions wherever both are known; an undeclared shape matches any. */
    static boolean compatible(long[] a, long[] b) {
        if (a.length == 0 || b.length == 0) {
            return true;
        }
        if (a.length != b.length) {
            return false;
        }
        for (int i = 0; i < a.length; i++) {
            if (a[i] >= 0 && b[i] >= 0 && a[i] != b[i]) {
                return false;
            }
        }
        return true;
    }
}
