package io.quantpipe.quant.calibrate;

import io.quantpipe.quant.observe.CalibrationState;
import io.quantpipe.quant.observe.ObserverConfig;
import io.quantpipe.quant.onnx.proto.OnnxIr.ModelProto;
import io.quantpipe.quant.runtime.FloatTensor;
import io.quantpipe.quant.runtime.IntermediateOutputs;
import io.quantpipe.quant.runtime.ModelRunner;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Runs batches through an FP32 model and folds the activations of the calibrated tensors into a
 * {@link CalibrationState}. Each activation lives only for the batch that produced it: memory does
 * not grow with the calibration set (ONNX Runtime's own calibrator keeps every batch's outputs).
 *
 * <p>The runner must be on a model {@link #instrument instrumented} to output the tensors. One
 * observer per task; the runner may be shared (ONNX Runtime sessions take concurrent runs).
 */
public final class ActivationObserver {
    private final ModelRunner runner;
    private final String inputName;
    private final List<String> tensors;
    private final ObserverConfig config;

    public ActivationObserver(ModelRunner runner, String inputName, Collection<String> tensors, ObserverConfig config) {
        this.runner = runner;
        this.inputName = inputName;
        this.tensors = List.copyOf(tensors);
        this.config = config;
    }

    /** The model with {@code tensors} added as graph outputs: what the runner must load. */
    public static byte[] instrument(ModelProto model, Collection<String> tensors) {
        return IntermediateOutputs.expose(model, tensors).toByteArray();
    }

    /** Runs one batch (row-major, {@code shape[0]} rows) and updates every tensor's state once. */
    public void observe(float[] batch, long[] shape, CalibrationState state) {
        // Outputs arrive as views into buffers the runner reuses: no per-batch activation garbage.
        runner.runEach(Map.of(inputName, FloatTensor.of(batch, shape)), tensors,
                (name, values, length, outShape) -> state.tensor(name, config).update(values, length, outShape));
        state.addRows(shape[0]);
    }

    public List<String> tensors() {
        return tensors;
    }
}
