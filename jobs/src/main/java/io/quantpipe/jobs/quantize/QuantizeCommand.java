package io.quantpipe.jobs.quantize;

import io.quantpipe.jobs.DriverFiles;
import io.quantpipe.jobs.Job;
import io.quantpipe.jobs.JobContext;
import io.quantpipe.jobs.Location;
import io.quantpipe.jobs.config.ConfigResolver;
import io.quantpipe.jobs.config.QuantpipeConfig;
import io.quantpipe.jobs.evaluate.AccuracyFallback;
import io.quantpipe.quant.BadInputException;
import io.quantpipe.quant.ConfigException;
import io.quantpipe.quant.calibrate.CalibrationMethod;
import io.quantpipe.quant.calibrate.CalibrationSession;
import io.quantpipe.quant.calibrate.Calibrator;
import io.quantpipe.quant.calibrate.MinMaxCalibrator;
import io.quantpipe.quant.io.AtomicFiles;
import io.quantpipe.quant.io.TensorRtCache;
import io.quantpipe.quant.observe.CalibrationState;
import io.quantpipe.quant.onnx.DynamicQuantizer;
import io.quantpipe.quant.onnx.ModelFile;
import io.quantpipe.quant.onnx.QdqOptions;
import io.quantpipe.quant.onnx.QdqPreset;
import io.quantpipe.quant.onnx.QuantizationPlan;
import io.quantpipe.quant.onnx.proto.OnnxIr.ModelProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code quantpipe quantize}: writes the int8 model of a calibrated FP32 model. Runs on the driver
 * alone: the merged calibration state in {@code RUN/calibration.state} holds everything every method
 * and preset needs, so switching method or preset never re-reads the data.
 */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = "Writes the int8 QDQ model (and a TensorRT calibration cache) from a calibrate run.")
public final class QuantizeCommand implements Job {
    /** Where calibrate leaves the merged state. */
    public static final String STATE_FILE = "calibration.state";
    public static final String MODEL_FILE = "model.int8.onnx";
    public static final String CACHE_FILE = "calibration.cache";

    @Option(names = "--model", required = true, paramLabel = "M.onnx", description = "The FP32 model that was calibrated.")
    Location model;

    @Option(names = "--run", required = true, paramLabel = "RUN", description = "The calibrate run folder; outputs go there too.")
    String run;

    @Option(names = "--method", paramLabel = "M", description = "Calibration method (quantpipe.quantize.method), e.g. mse, entropy, percentile:99.999.")
    String method;

    @Option(names = "--preset", paramLabel = "cpu|tensorrt", description = "Target (quantpipe.quantize.preset).")
    String preset;

    @Option(names = "--keep-fp32", split = ",", paramLabel = "NODE", description = "Node names to leave in FP32 (quantpipe.quantize.keep-fp32).")
    List<String> keepFp32;

    @Option(names = "--dynamic", description = "Dynamic quantization instead: int8 weights, activations quantized at run time (Gemm/MatMul models); needs no calibration.")
    boolean dynamic;

    @Option(names = "--out", paramLabel = "FILE", description = "Where to write the int8 model (default RUN/" + MODEL_FILE + ").")
    String out;

    @Option(names = "--accuracy-budget", paramLabel = "P",
            description = "Keep the most damaging layers in FP32, one step at a time, until the top-1 drop on --data is at most P points"
                    + " (report in RUN).")
    Double accuracyBudget;

    @Option(names = "--data", paramLabel = "DATASET", description = "With --accuracy-budget: the labelled test set to measure the drop on.")
    String data;

    @Override
    public void configure(ConfigResolver config) {
        if (method != null) {
            config.option("quantpipe.quantize.method", method, "--method");
        }
        if (preset != null) {
            config.option("quantpipe.quantize.preset", preset, "--preset");
        }
        if (keepFp32 != null) {
            config.option("quantpipe.quantize.keep-fp32", keepFp32, "--keep-fp32");
        }
    }

    @Override
    public List<String> plan(QuantpipeConfig config) {
        List<String> plan = new ArrayList<>();
        Location target = target();
        if (dynamic) {
            plan.add("read " + model + ", quantize Gemm/MatMul weights to int8 per output channel, activations at run time");
            plan.add("write " + target);
            return plan;
        }
        plan.add("read " + model + " and the merged calibration state " + runDir().resolve(STATE_FILE));
        plan.add("fold BatchNormalization, plan Q/DQ placement, ranges of every observed tensor by "
                + config.quantizeMethod() + " for preset " + config.quantizePreset()
                + ", weights int8 per channel by " + config.getString("quantpipe.quantize.weight-range"));
        List<String> keep = config.getStringList("quantpipe.quantize.keep-fp32");
        if (!keep.isEmpty()) {
            plan.add("keep in FP32: " + String.join(", ", keep));
        }
        if (accuracyBudget != null) {
            plan.add("accuracy budget " + accuracyBudget + " points: score the int8 model on " + data
                    + " with per-layer error, keep the layer adding the most noise in FP32, repeat (at most "
                    + config.getInt("quantpipe.quantize.fallback.max-steps") + " steps); report in " + run);
        }
        plan.add("write " + target + " and " + runDir().resolve(CACHE_FILE));
        return plan;
    }

    private Location target() {
        return out != null ? Location.of(out, "--out") : runDir().resolve(MODEL_FILE);
    }

    private Location runDir() {
        return Location.of(run, "--run");
    }

    @Override
    public void run(JobContext context) throws IOException {
        QuantpipeConfig config = context.config();
        DriverFiles files = context.files();
        Location target = target();
        Path modelPath = files.readModel(model, "--model");
        ModelProto fp32 = DriverFiles.read(modelPath, model.toString());
        Path written = files.writable(target);
        if (accuracyBudget != null && (data == null || dynamic)) {
            throw new ConfigException("--accuracy-budget: expected --data DATASET and a calibrated (not --dynamic) model, found "
                    + (dynamic ? "--dynamic" : "no --data"));
        }
        Map<String, String> provenance = new TreeMap<>();
        provenance.put("quantpipe.source_model", model.fileName());
        provenance.put("quantpipe.version", version());
        if (dynamic) {
            ModelProto int8 = new DynamicQuantizer(DynamicQuantizer.Options.defaults()
                    .withKeepFp32(Set.copyOf(config.getStringList("quantpipe.quantize.keep-fp32")))
                    .withProvenance(provenance)).quantize(fp32);
            ModelFile.write(int8, written);
            files.publish(written, target);
            summary(context, modelPath, written, target, "dynamic", "cpu", List.of());
            return;
        }
        DriverFiles.Folder runFolder = files.folder(runDir());
        Path statePath = runFolder.fetch(STATE_FILE).orElseThrow(() -> new BadInputException(
                "--run " + run + ": expected " + STATE_FILE + " from `quantpipe calibrate`, found none"));
        CalibrationState state = CalibrationState.fromBytes(Files.readAllBytes(statePath));
        QdqPreset qdqPreset = QdqPreset.parse(config.quantizePreset());
        Calibrator calibrator = CalibrationMethod.parse(config.quantizeMethod());
        QuantizationPlan plan = CalibrationSession.plan(fp32);
        List<String> missing = plan.observedTensors().stream().filter(t -> !state.tensors().containsKey(t)).toList();
        if (!missing.isEmpty()) {
            throw new BadInputException("--run " + run + ": expected calibration of every tensor this model quantizes, found none for "
                    + missing.size() + " (e.g. '" + missing.get(0) + "'): was it calibrated with another model?");
        }
        Set<String> keep = new LinkedHashSet<>(config.getStringList("quantpipe.quantize.keep-fp32"));
        if (accuracyBudget != null) {
            keep = AccuracyFallback.forQuantize(context, modelPath, fp32, plan, state, calibrator,
                    QdqOptions.of(qdqPreset).withKeepFp32(keep).withWeightRange(config.quantizeWeightRange()), data,
                    accuracyBudget, runFolder);
        }
        provenance.put("quantpipe.calibration.method", CalibrationMethod.spec(calibrator));
        QdqOptions options = QdqOptions.of(qdqPreset).withKeepFp32(keep).withWeightRange(config.quantizeWeightRange())
                .withProvenance(provenance);
        ModelProto int8 = CalibrationSession.int8Model(plan, state, calibrator, options);
        ModelFile.write(int8, written);
        files.publish(written, target);
        String algorithm = calibrator instanceof MinMaxCalibrator ? "MinMaxCalibration" : TensorRtCache.DEFAULT_ALGORITHM;
        TensorRtCache cache = CalibrationSession.tensorRtCache(plan.keepingFp32(keep), state, calibrator, algorithm);
        AtomicFiles.write(runFolder.dir().resolve(CACHE_FILE), cache.toText().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        runFolder.publish(CACHE_FILE);
        summary(context, modelPath, written, target, CalibrationMethod.spec(calibrator), qdqPreset.configName(),
                plan.keepingFp32(keep).fp32Nodes().stream().map(n -> n.name() + " (" + n.opType() + ", " + n.reason() + ")").toList());
    }

    private static void summary(JobContext context, Path fp32, Path int8, Location target, String method, String preset,
                                List<String> fp32Nodes) throws IOException {
        long a = Files.size(fp32);
        long b = Files.size(int8);
        context.out().printf("int8 model: %s (%d bytes, %.1f%% of the FP32 model's %d)%n", target.isRemote() ? target : int8, b,
                100.0 * b / a, a);
        context.out().printf("method %s, preset %s%n", method, preset);
        if (!fp32Nodes.isEmpty()) {
            context.out().println("left in FP32: " + String.join("; ", fp32Nodes));
        }
    }

    private static String version() {
        String v = QuantizeCommand.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
