package io.quantpipe.jobs.evaluate;

import io.quantpipe.jobs.config.QuantpipeConfig;
import io.quantpipe.jobs.DriverFiles;
import io.quantpipe.jobs.Location;
import io.quantpipe.quant.BadInputException;
import io.quantpipe.quant.ConfigException;
import io.quantpipe.quant.calibrate.CalibrationMethod;
import io.quantpipe.quant.calibrate.CalibrationSession;
import io.quantpipe.quant.calibrate.CalibrationTables;
import io.quantpipe.quant.calibrate.Calibrator;
import io.quantpipe.quant.io.ScaleTable;
import io.quantpipe.quant.io.ScalesJson;
import io.quantpipe.quant.observe.CalibrationState;
import io.quantpipe.quant.observe.Histogram;
import io.quantpipe.quant.observe.TensorStats;
import io.quantpipe.quant.onnx.QdqOptions;
import io.quantpipe.quant.onnx.QdqPreset;
import io.quantpipe.quant.onnx.QuantizationPlan;
import io.quantpipe.quant.onnx.proto.OnnxIr.ModelProto;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * A {@code calibrate} run folder as evaluation reads it: the merged calibration state
 * ({@code calibration.state}), from which the int8 model of any method is written in memory and
 * whose per-tensor histograms the report draws, and the recorded scale table ({@code scales.json})
 * when there is one.
 */
public final class CalibrationRun {
    /** The merged state calibrate writes. */
    public static final String STATE_FILE = "calibration.state";
    static final String SCALES_JSON = "scales.json";

    private final Path dir;
    private final CalibrationState state;

    private CalibrationRun(Path dir, CalibrationState state) {
        this.dir = dir;
        this.state = state;
    }

    /** The run in {@code folder}, or empty when it holds no calibration state. */
    public static Optional<CalibrationRun> find(DriverFiles.Folder folder) {
        Optional<Path> file = folder.fetch(STATE_FILE);
        if (file.isEmpty()) {
            return Optional.empty();
        }
        folder.fetch(SCALES_JSON); // for recordedScales
        return Optional.of(new CalibrationRun(folder.dir(), read(file.get(), folder.where(STATE_FILE))));
    }

    /** The run in {@code folder}; bad input when it holds no calibration state. */
    public static CalibrationRun require(DriverFiles.Folder folder, String option) {
        return find(folder).orElseThrow(() -> new BadInputException(option + " " + folder.location() + ": expected "
                + STATE_FILE + " from `quantpipe calibrate`, found none"));
    }

    /** {@link #require(DriverFiles.Folder, String)} of a local folder. */
    public static CalibrationRun require(Path dir, String option) {
        try (DriverFiles local = DriverFiles.localOnly()) {
            return require(local.folder(Location.local(dir)), option);
        }
    }

    private static CalibrationState read(Path file, String name) {
        try {
            return CalibrationState.fromBytes(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + name + ": " + e.getMessage(), e);
        } catch (BadInputException e) {
            throw new BadInputException(name + ": " + e.getMessage(), e);
        }
    }

    public Path dir() {
        return dir;
    }

    public CalibrationState state() {
        return state;
    }

    /** Per-tensor histograms of every calibrated tensor, by name. */
    public Map<String, Histogram> histograms() {
        return histograms(state);
    }

    /** Per-tensor histograms of the tensors a plan quantizes, by name: those whose thresholds the model uses. */
    public Map<String, Histogram> histograms(QuantizationPlan plan) {
        Map<String, Histogram> all = histograms(state);
        all.keySet().retainAll(new HashSet<>(plan.observedTensors()));
        return all;
    }

    /** Per-tensor histograms of every tensor of a calibration state, by name. */
    public static Map<String, Histogram> histograms(CalibrationState state) {
        Map<String, Histogram> out = new TreeMap<>();
        for (Map.Entry<String, TensorStats> e : state.tensors().entrySet()) {
            if (e.getValue().histogram() != null) {
                out.put(e.getKey(), e.getValue().histogram());
            }
        }
        return out;
    }

    /** The scale table calibrate recorded, if it wrote {@code scales.json}. */
    public Optional<ScaleTable> recordedScales() {
        Path file = dir.resolve(SCALES_JSON);
        return Files.isRegularFile(file) ? Optional.of(ScalesJson.read(file)) : Optional.empty();
    }

    /** The scale table of {@code methods} for the preset's activations, computed from the state. */
    public ScaleTable scales(List<Calibrator> methods, QdqPreset preset) {
        return CalibrationTables.compute(state, methods, preset.activationSpec());
    }

    /** The scale table of {@code methods} for the tensors {@code plan} quantizes. */
    public static ScaleTable scales(CalibrationState state, QuantizationPlan plan, List<Calibrator> methods,
                                    QdqPreset preset) {
        Set<String> quantized = new HashSet<>(plan.observedTensors());
        return new ScaleTable(CalibrationTables.compute(state, methods, preset.activationSpec()).rows().stream()
                .filter(r -> quantized.contains(r.tensor())).toList());
    }

    /** Fails when the state lacks a tensor the plan quantizes (a run of another model). */
    public void requireCovers(QuantizationPlan plan, String option) {
        List<String> missing = plan.observedTensors().stream().filter(t -> !state.tensors().containsKey(t)).toList();
        if (!missing.isEmpty()) {
            throw new BadInputException(option + " " + dir + ": expected calibration of every tensor the model quantizes, found none for "
                    + missing.size() + " (e.g. '" + missing.get(0) + "'): was it calibrated with another model?");
        }
    }

    /** The int8 QDQ model of {@code method}, written in memory. */
    public ModelProto int8Model(QuantizationPlan plan, Calibrator method, QdqOptions options) {
        return CalibrationSession.int8Model(plan, state, method, options);
    }

    /** QDQ options from the configuration: preset, weight range and nodes kept in FP32. */
    public static QdqOptions qdqOptions(QuantpipeConfig config, Set<String> keepFp32) {
        Set<String> keep = new HashSet<>(config.getStringList("quantpipe.quantize.keep-fp32"));
        keep.addAll(keepFp32);
        return QdqOptions.of(QdqPreset.parse(config.quantizePreset())).withWeightRange(config.quantizeWeightRange())
                .withKeepFp32(keep);
    }

    /**
     * The report's name of each method, in order: its plain name ({@code entropy}), which the scale
     * table uses too, or its full spec when the list holds the same method twice with other parameters.
     */
    public static Map<String, Calibrator> names(List<Calibrator> methods) {
        Map<String, Integer> counts = new TreeMap<>();
        methods.forEach(c -> counts.merge(c.name(), 1, Integer::sum));
        Map<String, Calibrator> out = new LinkedHashMap<>();
        for (Calibrator c : methods) {
            String name = counts.get(c.name()) > 1 ? CalibrationMethod.spec(c) : c.name();
            if (out.put(name, c) != null) {
                throw new ConfigException("--methods: expected each method once, found '" + name + "' twice");
            }
        }
        return out;
    }
}
