package io.quantpipe.quant.report;

import java.util.List;
import java.util.Objects;

/**
 * One step of an accuracy-driven fallback search: the layers kept in FP32 so far and what the int8
 * model scored with them.
 *
 * @param step       0 for the fully quantized model, then 1, 2, ...
 * @param fp32Layers tensors or nodes kept in FP32 at this step (cumulative)
 * @param int8Top1   int8 top-1 accuracy in [0, 1], NaN when unknown
 * @param top1Drop   FP32 top-1 minus int8 top-1, NaN when unknown
 * @param sqnrDb     output SQNR in dB, NaN when unknown
 */
public record FallbackStep(int step, List<String> fp32Layers, double int8Top1, double top1Drop, double sqnrDb) {
    public FallbackStep {
        if (step < 0) {
            throw new IllegalArgumentException("fallback step: expected a step >= 0, found " + step);
        }
        fp32Layers = List.copyOf(Objects.requireNonNull(fp32Layers, "fp32Layers"));
    }
}
