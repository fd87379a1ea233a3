package io.quantpipe.quant.report;

import io.quantpipe.quant.eval.EvaluationState;
import java.util.Objects;

/**
 * The merged evaluation of the int8 model one calibration method produced.
 *
 * @param method calibration method as the scale table names it (e.g. {@code "entropy"}), or
 *               {@code "int8"} when only one model was evaluated
 * @param state  the merged evaluation state
 */
public record MethodEvaluation(String method, EvaluationState state) {
    public MethodEvaluation {
        if (method == null || method.isEmpty()) {
            throw new IllegalArgumentException("a method evaluation needs a method name");
        }
        Objects.requireNonNull(state, "state");
    }
}
