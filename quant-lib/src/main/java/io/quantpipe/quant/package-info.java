/** Quantization math, mergeable observers, calibrators, ONNX editing, ONNX Runtime and metrics; no Spark. */
package io.quantpipe.quant;
