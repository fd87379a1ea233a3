/**
 * Running ONNX models with ONNX Runtime's Java API: {@link io.quantpipe.quant.runtime.ModelRunner}
 * wraps one session, {@link io.quantpipe.quant.runtime.SessionCache} keeps one per model per JVM,
 * {@link io.quantpipe.quant.runtime.IntermediateOutputs} exposes activations as graph outputs.
 */
package io.quantpipe.quant.runtime;
