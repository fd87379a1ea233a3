package io.quantpipe.quant.calibrate;

import io.quantpipe.quant.observe.CalibrationState;
import io.quantpipe.quant.observe.ObserverConfig;
import io.quantpipe.quant.observe.TensorStats;
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
 * observer per task (it is not thread-safe); the runner may be shared (ONNX Runtime sessions take concurrent runs).
 */
public final class ActivationObserver {
    private final ModelRunner runner;
    private final String inputName;
    private final List<String> tensors;
    private final ObserverConfig config;
    private float[] copy = new float[0];

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
        // Outputs arrive as views into memory the runner reuses. Long per-tensor runs are observed
        // from there (a chunk at a time); the rest is copied into one array this observer reuses.
        runner.runEach(Map.of(inputName, FloatTensor.of(batch, shape)), tensors, (name, values, outShape) -> {
            TensorStats stats = state.tensor(name, config);
            if (!stats.tryUpdateInPlace(values)) {
                int n = values.remaining();
                if (copy.length < n) {
                    copy = new float[n];
                }
                values.get(values.position(), copy, 0, n);
                stats.update(copy, n, outShape);
            }
        });
        state.addRows(shape[0]);
    }

    public List<String> tensors() {
        return tensors;
    }
}
