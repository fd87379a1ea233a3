package io.quantpipe.quant.calibrate;

import io.quantpipe.quant.BadInputException;
import io.quantpipe.quant.io.ScaleTable;
import io.quantpipe.quant.io.TensorRtCache;
import io.quantpipe.quant.observe.CalibrationState;
import io.quantpipe.quant.observe.ObserverConfig;
import io.quantpipe.quant.onnx.BatchNormFolder;
import io.quantpipe.quant.onnx.Opsets;
import io.quantpipe.quant.onnx.QdqOptions;
import io.quantpipe.quant.onnx.QdqWriter;
import io.quantpipe.quant.onnx.QuantizationPlan;
import io.quantpipe.quant.onnx.proto.OnnxIr.ModelProto;
import io.quantpipe.quant.runtime.ModelRunner;
import io.quantpipe.quant.runtime.RunnerOptions;
import io.quantpipe.quant.tensor.QuantParams;
import io.quantpipe.quant.tensor.QuantSpec;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Calibration on one machine: folds BatchNormalization, plans where Q/DQ go, runs batches through
 * the instrumented FP32 model and keeps the mergeable state of every observed tensor; then gives
 * the scale table of every method and writes the int8 model. The Spark job runs the same pieces per
 * partition ({@link #plan}, {@link ActivationObserver}) and merges the states.
 *
 * <pre>{@code
 * try (CalibrationSession s = CalibrationSession.open(model, ObserverConfig.defaults(), RunnerOptions.defaults())) {
 *     for (batch : batches) s.observe(batch, shape);
 *     ScaleTable table = s.table(CalibrationMethod.defaults(), QdqPreset.CPU.activationSpec());
 *     ModelProto int8 = s.int8Model(new EntropyCalibrator(), QdqOptions.of(QdqPreset.CPU));
 * }
 * }</pre>
 */
public final class CalibrationSession implements AutoCloseable {
    private final QuantizationPlan plan;
    private final ModelRunner runner;
    private final ActivationObserver observer;
    private final CalibrationState state = new CalibrationState();

    private CalibrationSession(QuantizationPlan plan, ModelRunner runner, ActivationObserver observer) {
        this.plan = plan;
        this.runner = runner;
        this.observer = observer;
    }

    /** Plans the FP32 model (BatchNormalization folded) and opens a runner that outputs every observed tensor. */
    public static CalibrationSession open(ModelProto fp32, ObserverConfig config, RunnerOptions options) {
        QuantizationPlan plan = plan(fp32);
        ModelRunner runner = ModelRunner.create(ActivationObserver.instrument(plan.model(), plan.observedTensors()), options);
        try {
            return new CalibrationSession(plan, runner, new ActivationObserver(runner, inputName(plan.model()),
                    plan.observedTensors(), config));
        } catch (RuntimeException e) {
            runner.close();
            throw e;
        }
    }

    /** The quantization plan of an FP32 model after BatchNormalization folding: the same on every machine. */
    public static QuantizationPlan plan(ModelProto fp32) {
        Opsets.requireSupported(fp32);
        return QuantizationPlan.of(BatchNormFolder.fold(fp32).model());
    }

    /** The model's single input (quantpipe calibrates single-input models). */
    public static String inputName(ModelProto model) {
        var initializers = new java.util.HashSet<String>();
        model.getGraph().getInitializerList().forEach(t -> initializers.add(t.getName()));
        List<String> inputs = model.getGraph().getInputList().stream().map(v -> v.getName())
                .filter(n -> !initializers.contains(n)).toList();
        if (inputs.size() != 1) {
            throw new BadInputException("model: expected exactly one input besides initializers, found " + inputs.size() + " " + inputs);
        }
        return inputs.get(0);
    }

    /** Runs one batch and updates the state of every observed tensor. */
    public void observe(float[] batch, long[] shape) {
        observer.observe(batch, shape, state);
    }

    public QuantizationPlan plan() {
        return plan;
    }

    public CalibrationState state() {
        return state;
    }

    /** Scale rows of every method for every observed tensor. */
    public ScaleTable table(List<Calibrator> methods, QuantSpec spec) {
        return CalibrationTables.compute(state, methods, spec);
    }

    /** The QDQ int8 model with activation ranges from {@code method}. */
    public ModelProto int8Model(Calibrator method, QdqOptions options) {
        return int8Model(plan, state, method, options);
    }

    /** The QDQ int8 model of a plan from a (merged) state. */
    public static ModelProto int8Model(QuantizationPlan plan, CalibrationState state, Calibrator method, QdqOptions options) {
        Map<String, QuantParams> params = CalibrationTables.activationParams(state, method, options.preset().activationSpec());
        Map<String, String> provenance = new TreeMap<>(options.provenance());
        provenance.putIfAbsent("quantpipe.calibration.method", CalibrationMethod.spec(method));
        provenance.putIfAbsent("quantpipe.calibration.rows", Long.toString(state.rows()));
        return new QdqWriter(options.withProvenance(provenance)).write(plan.keepingFp32(options.keepFp32()), params);
    }

    /**
     * TensorRT's calibration cache for every quantized tensor (shape-op outputs share their source's
     * scale), from int8 symmetric parameters of {@code method}.
     */
    public static TensorRtCache tensorRtCache(QuantizationPlan plan, CalibrationState state, Calibrator method, String algorithm) {
        Map<String, QuantParams> params = CalibrationTables.activationParams(state, method, QuantSpec.int8Symmetric());
        Map<String, Float> scales = new TreeMap<>();
        for (String t : plan.quantizedTensors()) {
            QuantParams p = params.get(plan.paramsSource(t));
            if (p != null) {
                scales.put(t, p.scale(0));
            }
        }
        return new TensorRtCache(TensorRtCache.DEFAULT_VERSION, algorithm, scales);
    }

    @Override
    public void close() {
        runner.close();
    }
}
