/**
 * Evaluation of an int8 model against its FP32 model as mergeable, order-independent state:
 * {@link io.quantpipe.quant.eval.EvaluationState} (accuracy, output agreement and error, latency)
 * and {@link io.quantpipe.quant.eval.LayerErrorState} (error per quantized tensor), both exact
 * under any partitioning thanks to {@link io.quantpipe.quant.eval.ExactSum}; results as long-format
 * {@link io.quantpipe.quant.eval.MetricRow}s.
 */
package io.quantpipe.quant.eval;
