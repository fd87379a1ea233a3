package io.quantpipe.jobs.evaluate;

import io.quantpipe.jobs.Job;
import io.quantpipe.jobs.DriverFiles;
import io.quantpipe.jobs.JobContext;
import io.quantpipe.jobs.Location;
import io.quantpipe.jobs.config.ConfigResolver;
import io.quantpipe.jobs.config.QuantpipeConfig;
import io.quantpipe.quant.BadInputException;
import io.quantpipe.quant.ConfigException;
import io.quantpipe.quant.calibrate.CalibrationMethod;
import io.quantpipe.quant.calibrate.CalibrationSession;
import io.quantpipe.quant.calibrate.Calibrator;

import io.quantpipe.quant.onnx.QdqOptions;
import io.quantpipe.quant.onnx.QuantizationPlan;
import io.quantpipe.quant.onnx.proto.OnnxIr.ModelProto;
import io.quantpipe.quant.report.ReportInput;
import io.quantpipe.quant.report.ReportWriter;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code quantpipe evaluate}: scores int8 models against their FP32 model over a test set in one
 * Spark pass ({@link EvaluationPass}) and writes {@code report.json}, {@code report.html},
 * {@code metrics.parquet} and {@code layers.parquet} into RUN.
 *
 * <p>The candidate is a model file ({@code --int8}: quantpipe's, another tool's, a QAT export, a
 * pruned model; anything with the FP32 model's inputs and outputs), or the int8 model of every
 * method of a calibrate run ({@code --calibration RUN --methods ...}), each written in memory from
 * the run's merged state and scored side by side in the same pass (the FP32 model runs once per
 * batch). When RUN (or the calibration run) holds a calibrate run, the report draws its activation
 * histograms with each method's threshold.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Scores int8 models against the FP32 model over a test set and writes the report.")
public final class EvaluateCommand implements Job {
    private static final Logger LOG = LoggerFactory.getLogger(EvaluateCommand.class);
    private static final int WORST_LAYERS_PRINTED = 5;

    @Option(names = "--fp32", required = true, paramLabel = "M.onnx", description = "The FP32 model.")
    Location fp32;

    @Option(names = "--int8", paramLabel = "Q.onnx",
            description = "The model to score against it (any model with the same inputs and outputs).")
    Location int8;

    @Option(names = "--calibration", paramLabel = "RUN",
            description = "Instead of --int8: a calibrate run; the int8 model of each of --methods is scored.")
    Location calibration;

    @Option(names = "--methods", split = ",", paramLabel = "M",
            description = "With --calibration: methods to compare (default quantpipe.calibrate.methods).")
    List<String> methods;

    @Option(names = "--primary", paramLabel = "M",
            description = "With --calibration: the method the summary and --per-layer describe (default the first).")
    String primary;

    @Option(names = "--preset", paramLabel = "cpu|tensorrt", description = "With --calibration: target (quantpipe.quantize.preset).")
    String preset;

    @Option(names = "--data", required = true, paramLabel = "DATASET", description = "The test set (Parquet).")
    String data;

    @Option(names = "--out", required = true, paramLabel = "RUN", description = "Run folder for the report (a calibrate run or new).")
    String out;

    @Option(names = "--per-layer", description = "Also compare every quantized tensor with the FP32 model's (layers.parquet).")
    boolean perLayer;

    @Option(names = "--require-labels", description = "A test set without labels is an error (quantpipe.evaluate.require-labels).")
    boolean requireLabels;

    @Option(names = "--partitions", paramLabel = "N", description = "Spark tasks over the test set (quantpipe.evaluate.partitions).")
    Integer partitions;

    @Override
    public void configure(ConfigResolver config) {
        if (partitions != null) {
            config.option("quantpipe.evaluate.partitions", partitions, "--partitions");
        }
        if (requireLabels) {
            config.option("quantpipe.evaluate.require-labels", true, "--require-labels");
        }
        if (preset != null) {
            config.option("quantpipe.quantize.preset", preset, "--preset");
        }
    }

    private void checkOptions() {
        if ((int8 == null) == (calibration == null)) {
            throw new ConfigException("evaluate: expected one of --int8 Q.onnx or --calibration RUN, found "
                    + (int8 == null ? "neither" : "both"));
        }
        if (int8 != null && (methods != null || primary != null)) {
            throw new ConfigException("evaluate: --methods and --primary go with --calibration RUN, found them with --int8");
        }
    }

    @Override
    public List<String> plan(QuantpipeConfig config) {
        checkOptions();
        List<String> plan = new ArrayList<>();
        plan.add("read " + fp32 + " and check it loads in ONNX Runtime");
        if (int8 != null) {
            plan.add("read " + int8 + " and check it has the inputs and outputs of " + fp32);
        } else {
            plan.add("write the int8 model of each of " + String.join(", ", methodSpecs(config)) + " from "
                    + calibration.resolve(CalibrationRun.STATE_FILE) + " (preset " + config.quantizePreset() + ")");
        }
        plan.add("check dataset " + data + " against the model input, and its labels against the classes"
                + (config.getBoolean("quantpipe.evaluate.require-labels") ? " (labels required)" : ""));
        int p = config.getInt("quantpipe.evaluate.partitions");
        plan.add("one pass in " + (p == 0 ? "the dataset's own partitions" : p + " partitions") + ", batches of "
                + config.evaluateBatchSize() + ": FP32 and every int8 model per batch"
                + (config.getBoolean("quantpipe.evaluate.latency") ? ", each run timed" : "")
                + (perLayer ? ", plus both models instrumented for per-layer error" : ""));
        plan.add("merge the partition states with treeAggregate; write report.json (last), report.html, metrics.parquet,"
                + " layers.parquet into " + out);
        return plan;
    }

    private List<String> methodSpecs(QuantpipeConfig config) {
        return methods != null ? methods : config.calibrateMethods();
    }

    @Override
    public void run(JobContext context) {
        checkOptions();
        QuantpipeConfig config = context.config();
        DriverFiles files = context.files();
        DriverFiles.Folder run = RunReport.folder(files, out, "--out");
        RunReport.invalidate(run);
        Path fp32File = files.readModel(fp32, "--fp32");
        ModelProto fp32Model = DriverFiles.read(fp32File, fp32.toString());
        EvaluationPass pass = EvaluationPass.of(fp32Model, "--fp32 " + fp32, config);

        List<EvaluationPass.Candidate> candidates = new ArrayList<>();
        ReportInput.Builder report = ReportInput.builder().title("Quantization report: " + fp32.fileName());
        long int8Bytes;
        String compared;
        if (int8 != null) {
            Path int8File = files.readModel(int8, "--int8");
            candidates.add(EvaluationPass.Candidate.of(ReportInput.DEFAULT_METHOD, DriverFiles.read(int8File, int8.toString()),
                    "--int8 " + int8));
            int8Bytes = size(int8File, int8);
            compared = ReportInput.DEFAULT_METHOD;
            // A calibrate run in RUN: draw its histograms with the thresholds it recorded.
            CalibrationRun.find(run).ifPresent(c -> {
                c.recordedScales().ifPresent(report::scales);
                report.histograms(c.histograms());
            });
        } else {
            CalibrationRun c = CalibrationRun.require(files.folder(calibration), "--calibration");
            QuantizationPlan plan = CalibrationSession.plan(fp32Model);
            c.requireCovers(plan, "--calibration");
            Map<String, Calibrator> named = CalibrationRun.names(CalibrationMethod.parseAll(methodSpecs(config)));
            QdqOptions options = CalibrationRun.qdqOptions(config, Set.of());
            compared = primary == null ? named.keySet().iterator().next() : primaryName(named);
            long bytes = -1;
            for (Map.Entry<String, Calibrator> m : named.entrySet()) {
                ModelProto model = c.int8Model(plan, m.getValue(), options);
                candidates.add(EvaluationPass.Candidate.of(m.getKey(), model, "int8 model of " + m.getKey()));
                if (m.getKey().equals(compared)) {
                    bytes = model.getSerializedSize();
                }
            }
            int8Bytes = bytes;
            QuantizationPlan mixed = plan.keepingFp32(options.keepFp32());
            report.primary(compared);
            report.scales(CalibrationRun.scales(c.state(), mixed, List.copyOf(named.values()), options.preset()));
            report.histograms(c.histograms(mixed));
            report.fp32Nodes(mixed.fp32Nodes().stream().map(n -> n.name() + " (" + n.opType() + ", " + n.reason() + ")")
                    .toList());
        }

        SparkSession spark = context.spark();
        EvaluationPass.Data test = pass.data(spark, data, config.getBoolean("quantpipe.evaluate.require-labels"));
        EvaluationPass.Result result = pass.run(spark, test, candidates, perLayer ? compared : null, "evaluate");
        result.states().forEach(report::evaluation);
        report.layers(result.layers());
        report.modelBytes(size(fp32File, fp32), int8Bytes);
        classNames(config, test, pass.classes()).ifPresent(report::classNames);
        ReportInput input = report.build();
        RunReport.write(input, run);
        RunReport.print(input, context.out(), WORST_LAYERS_PRINTED);
        context.out().printf(Locale.ROOT, "scored %d rows in %d partitions in %.3f s; wrote %s%n",
                test.rows(), result.partitions(), result.seconds(), run.where(ReportWriter.REPORT_JSON));
        LOG.info("evaluate: report in {}", run.location());
    }

    /**
     * Class names for the report: {@code quantpipe.evaluate.class-names} when set, else those the
     * dataset recorded with its labels, else none (the report shows indices).
     */
    static Optional<List<String>> classNames(QuantpipeConfig config, EvaluationPass.Data data, int classes) {
        List<String> configured = config.getStringList("quantpipe.evaluate.class-names");
        if (!configured.isEmpty()) {
            if (configured.size() != classes) {
                throw new ConfigException("quantpipe.evaluate.class-names: expected " + classes
                        + " names (the model scores " + classes + " classes), found " + configured.size());
            }
            return Optional.of(configured);
        }
        return data.labelNames().isEmpty() ? Optional.empty() : Optional.of(data.labelNames());
    }

    private String primaryName(Map<String, Calibrator> named) {
        if (named.containsKey(primary)) {
            return primary;
        }
        String spec = CalibrationMethod.spec(CalibrationMethod.parse(primary));
        for (Map.Entry<String, Calibrator> e : named.entrySet()) {
            if (CalibrationMethod.spec(e.getValue()).equals(spec)) {
                return e.getKey();
            }
        }
        throw new ConfigException("--primary: expected one of --methods " + named.keySet() + ", found '" + primary + "'");
    }

    private static long size(Path file, Location source) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new BadInputException(source + ": expected a readable model file, found: " + e.getMessage());
        }
    }
}
