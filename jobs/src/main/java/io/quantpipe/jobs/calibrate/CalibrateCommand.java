package io.quantpipe.jobs.calibrate;

import io.quantpipe.jobs.Job;
import io.quantpipe.jobs.JobContext;
import io.quantpipe.jobs.Location;
import io.quantpipe.jobs.Main;
import io.quantpipe.jobs.config.ConfigResolver;
import io.quantpipe.jobs.config.QuantpipeConfig;
import io.quantpipe.jobs.data.ReaderBatch;
import io.quantpipe.jobs.data.TensorDataset;
import io.quantpipe.jobs.data.TensorLayout;
import io.quantpipe.jobs.spark.JobDescription;
import io.quantpipe.jobs.spark.PassProgress;
import io.quantpipe.jobs.spark.Sparks;
import io.quantpipe.quant.BadInputException;
import io.quantpipe.quant.ConfigException;
import io.quantpipe.quant.calibrate.CalibrationMethod;
import io.quantpipe.quant.calibrate.CalibrationTables;
import io.quantpipe.quant.calibrate.Calibrator;
import io.quantpipe.quant.io.AtomicFiles;
import io.quantpipe.quant.io.ScaleTable;
import io.quantpipe.quant.io.ScalesJson;
import io.quantpipe.quant.io.ScalesParquet;
import io.quantpipe.quant.observe.CalibrationState;
import io.quantpipe.quant.onnx.QdqPreset;
import io.quantpipe.quant.runtime.RunnerOptions;
import io.quantpipe.quant.runtime.SessionCache;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * {@code quantpipe calibrate --model M.onnx --data DATASET --out RUN}: one pass over the calibration
 * set. Every partition runs the instrumented FP32 model on its rows and folds every calibrated
 * tensor into a mergeable state; the driver merges the partition states with {@code treeAggregate}
 * and computes the scale table of every method from the merged state. The tables equal those of
 * the single-machine {@code CalibrationSession} on the same rows, bit for bit, for any partitioning,
 * row order or task retry.
 *
 * <p>Writes into RUN (all at once, see {@link RunFolder}): {@code scales.json}, {@code scales.parquet}
 * (every method, per tensor, with the configured preset's activation spec),
 * {@code histograms.parquet} ({@link HistogramsParquet}), {@code calibration.state} (the merged
 * {@link CalibrationState} bytes, from which {@code quantize} computes any method and preset) and
 * {@code calibration.json} ({@link CalibrationSummary}).
 */
@Command(name = "calibrate", mixinStandardHelpOptions = true,
        description = "Observes the FP32 model over a calibration set in one Spark pass and writes the scale "
                + "tables of every calibration method.")
public final class CalibrateCommand implements Job {
    static final String SCALES_JSON = "scales.json";
    static final String SCALES_PARQUET = "scales.parquet";
    static final String HISTOGRAMS_PARQUET = "histograms.parquet";
    static final String STATE = "calibration.state";
    static final String SUMMARY = "calibration.json";

    private static final Logger LOG = LoggerFactory.getLogger(CalibrateCommand.class);

    @Option(names = "--model", required = true, paramLabel = "M.onnx",
            description = "The FP32 ONNX model (opset >= 13, one float input): local, HDFS, S3, ...")
    Location model;

    @Option(names = "--data", required = true, paramLabel = "DATASET",
            description = "The calibration set: a Parquet dataset (local, HDFS, S3, ...).")
    String data;

    @Option(names = "--out", paramLabel = "RUN",
            description = "The run folder to write (new or empty): local, HDFS, S3, ...")
    String out;

    @Option(names = "--methods", paramLabel = "M[,M...]",
            description = "Calibration methods (quantpipe.calibrate.methods), e.g. minmax,percentile:99.99,entropy,mse.")
    List<String> methods;

    @Option(names = "--partitions", paramLabel = "N",
            description = "Spark tasks over the calibration set (quantpipe.calibrate.partitions; 0 = the dataset's own).")
    Integer partitions;

    @Option(names = "--overwrite", description = "Replace an existing run at --out.")
    boolean overwrite;

    /** Benchmarks only: {@code none} runs the same pass as plain FP32 inference and writes nothing. */
    @Option(names = "--observe", hidden = true, paramLabel = "all|none", defaultValue = "all")
    String observe;

    @Override
    public void configure(ConfigResolver config) {
        if (methods != null) {
            config.option("quantpipe.calibrate.methods", MethodList.specs(methods), "--methods");
        }
        if (partitions != null) {
            config.option("quantpipe.calibrate.partitions", partitions, "--partitions");
        }
    }

    @Override
    public List<String> plan(QuantpipeConfig config) {
        boolean observing = checkOptions();
        List<Calibrator> calibrators = MethodList.parse(config.calibrateMethods());
        FaultInjection.from(config);
        int p = config.calibratePartitions();
        List<String> plan = new ArrayList<>();
        plan.add("read " + model + ", fold BatchNormalization and plan the tensors to calibrate");
        plan.add("check dataset " + data + " (column '" + config.tensorColumn() + "') against the model input");
        if (!observing) {
            plan.add("run plain FP32 inference over it in " + partitionText(p) + ", batches of "
                    + config.calibrateBatchSize() + " rows; write nothing");
            return plan;
        }
        plan.add("observe every calibrated tensor over it in one pass: " + partitionText(p) + ", batches of "
                + config.calibrateBatchSize() + " rows, histograms of " + config.binsPerSide() + " bins per side");
        plan.add("merge the partition states with treeAggregate; compute " + specs(calibrators) + " for preset "
                + config.quantizePreset());
        plan.add("write " + String.join(", ", SCALES_JSON, SCALES_PARQUET, HISTOGRAMS_PARQUET, STATE, SUMMARY)
                + " to " + out + (overwrite ? " (replacing what is there)" : " (which must be new or empty)"));
        return plan;
    }

    @Override
    public void run(JobContext context) {
        long start = System.nanoTime();
        boolean observing = checkOptions();
        QuantpipeConfig config = context.config();
        List<Calibrator> calibrators = MethodList.parse(config.calibrateMethods());
        QdqPreset preset = QdqPreset.parse(config.quantizePreset());
        FaultInjection faults = FaultInjection.from(config);
        Location run = observing ? Location.of(out, "--out") : null;
        // The staging folder is made before the pass: an --out that cannot be written fails at once.
        try (RunFolder folder = observing ? RunFolder.create(run, overwrite, context.files()) : null) {
            calibrate(context, start, calibrators, preset, faults, run, folder);
        }
    }

    /** The pass and, when observing ({@code folder} not null), the run's files. */
    private void calibrate(JobContext context, long start, List<Calibrator> calibrators, QdqPreset preset,
                           FaultInjection faults, Location run, RunFolder folder) {
        boolean observing = folder != null;
        QuantpipeConfig config = context.config();
        CalibrationModel fp32 = CalibrationModel.load(context.files().readModel(model, "--model"), model.toString());
        LOG.info("calibrate: model {} planned, {} tensors to calibrate ({})", model, fp32.tensors().size(), since(start));

        SparkSession spark = context.spark();
        TensorDataset dataset;
        try (JobDescription d = Sparks.describe(spark, "calibrate: check dataset " + data)) {
            dataset = TensorDataset.open(spark, data, config, fp32.input().expectedElements());
        } catch (Exception e) { // Spark's exceptions are checked ones, thrown undeclared
            BadInputException unreadable = ReadFailures.unreadableFile(e, data);
            if (unreadable != null) {
                throw unreadable;
            }
            throw e;
        }
        LOG.info("calibrate: dataset {} checked: {} ({})", data, dataset.layout(), since(start));
        TensorLayout layout = fp32.input().fit(dataset.layout(), data);
        int batchSize = fp32.input().batchSize(config.calibrateBatchSize());
        byte[] bytes = observing ? fp32.instrumentedBytes() : fp32.plainBytes();
        // ONNX Runtime must take the model before any task asks for it (in local mode the tasks reuse this session).
        SessionCache.get(bytes, RunnerOptions.defaults().withIntraOpThreads(config.intraOpThreads()));
        LOG.info("calibrate: ONNX Runtime session ready ({})", since(start));

        Dataset<Row> frame = dataset.frame();
        if (config.calibratePartitions() > 0) {
            frame = frame.repartition(config.calibratePartitions());
        }
        List<String> tensors = observing ? fp32.tensors() : List.of();
        String name = observing ? "calibrate" : "calibrate (plain inference)";
        Pass pass = runPass(spark, ReaderBatch.javaRDD(frame, layout), bytes, broadcast -> new PartitionTask(broadcast, fp32.inputName(),
                tensors, config.binsPerSide(), layout, batchSize, config.intraOpThreads(), faults), name,
                (observing ? "calibrate: observe " + tensors.size() + " tensors of " + model.fileName()
                        : "calibrate: plain FP32 inference of " + model.fileName()) + " over " + data, data);
        PartialCalibration result = pass.result;
        if (result.rows() == 0) {
            throw new BadInputException("dataset " + data + ": expected at least one row, found 0 rows");
        }
        if (result.nonFiniteRows() > 0) {
            LOG.warn("calibrate: {} input rows hold NaN or infinite values ({} values); counted in calibration.json"
                    + " (quantpipe.data.nonfinite = fail stops on them)", result.nonFiniteRows(), result.nonFiniteValues());
        }
        if (!observing) {
            context.out().println(String.format(Locale.ROOT,
                    "plain inference: %d rows in %d partitions, pass %.3f s (%.0f rows/s)", result.rows(),
                    result.partitions(), pass.seconds, result.rows() / pass.seconds));
            return;
        }

        CalibrationState state = result.state();
        List<String> outputs = List.of(SCALES_JSON, SCALES_PARQUET, HISTOGRAMS_PARQUET, STATE, SUMMARY);
        // The tables (the methods' searches) are computed while the state's own files are written.
        long tablesStart = System.nanoTime();
        CompletableFuture<ScaleTable> tables = CompletableFuture.supplyAsync(
                () -> CalibrationTables.compute(state, calibrators, preset.activationSpec()));
        HistogramsParquet.write(state, folder.file(HISTOGRAMS_PARQUET));
        AtomicFiles.write(folder.file(STATE), result.stateBytes());
        ScaleTable table = join(tables);
        double tablesSeconds = (System.nanoTime() - tablesStart) / 1e9;
        ScalesJson.write(table, folder.file(SCALES_JSON));
        ScalesParquet.write(table, folder.file(SCALES_PARQUET));
        double total = (System.nanoTime() - start) / 1e9;
        new CalibrationSummary(version(), result.rows(), result.partitions(), pass.failedAttempts,
                specList(calibrators), preset.configName(), batchSize, config.binsPerSide(),
                fp32.file().toString(), fp32.sha256(), fp32.inputName(), fp32.inputDims(), data,
                layout.column(), layout.encoding().metadataName(), dataset.layout().rowShape(),
                config.nonFinite().name().toLowerCase(Locale.ROOT), result.nonFiniteRows(),
                result.nonFiniteValues(), state, total, pass.seconds, tablesSeconds, outputs)
                .write(folder.file(SUMMARY));
        folder.publish();
        context.out().println(String.format(Locale.ROOT,
                "calibrated %d tensors over %d rows in %d partitions, pass %.3f s (%.0f rows/s); methods %s; wrote %s",
                state.tensors().size(), result.rows(), result.partitions(), pass.seconds, result.rows() / pass.seconds,
                String.join(" ", specList(calibrators)), run.isRemote() ? run : run.path().toAbsolutePath().normalize()));
        if (result.nonFiniteRows() > 0) {
            context.out().println("non-finite input: " + result.nonFiniteRows() + " rows (" + result.nonFiniteValues()
                    + " values), see " + SUMMARY);
        }
    }

    /** The future's value; its failure rethrown as it was thrown (a one-line error stays one). */
    private static <T> T join(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    private record Pass(PartialCalibration result, double seconds, int failedAttempts) {
    }

    /** Broadcasts the model, runs the tasks and merges their partials; the broadcast is gone after. */
    private static Pass runPass(SparkSession spark, JavaRDD<Row> rows, byte[] model,
                                Function<Broadcast<byte[]>, PartitionTask> task, String name, String description,
                                String dataset) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<byte[]> broadcast = jsc.broadcast(model);
        try {
            JavaRDD<PartialCalibration> partials = rows.mapPartitions(task.apply(broadcast));
            PassProgress progress = new PassProgress(name, partials.id(), partials.getNumPartitions());
            spark.sparkContext().addSparkListener(progress);
            long start = System.nanoTime();
            PartialCalibration result;
            double seconds;
            int failedAttempts;
            try {
                try (JobDescription d = Sparks.describe(spark, description + " (" + partials.getNumPartitions()
                        + " partitions)")) {
                    result = partials.treeAggregate(PartialCalibration.empty(), PartialCalibration::merge,
                            PartialCalibration::merge, 2);
                } catch (Exception e) { // Spark's exceptions are checked ones, thrown undeclared
                    BadInputException unreadable = ReadFailures.unreadableFile(e, dataset);
                    if (unreadable != null) {
                        throw unreadable;
                    }
                    throw e;
                }
                seconds = (System.nanoTime() - start) / 1e9;
                // Listener events arrive after the action returns: the listener must stay registered
                // until it has seen the job end, or the wait runs into its timeout.
                failedAttempts = progress.failedAttempts();
            } finally {
                spark.sparkContext().removeSparkListener(progress);
            }
            return new Pass(result, seconds, failedAttempts);
        } finally {
            broadcast.destroy();
        }
    }

    private boolean checkOptions() {
        boolean observing = switch (observe.toLowerCase(Locale.ROOT)) {
            case "all" -> true;
            case "none" -> false;
            default -> throw new ConfigException("--observe: expected all or none, found '" + observe + "'");
        };
        if (observing && (out == null || out.isBlank())) {
            throw new ConfigException("calibrate: expected --out RUN, the run folder to write, found none");
        }
        if (partitions != null && partitions < 0) {
            throw new ConfigException("--partitions: expected 0 (the dataset's own) or more, found " + partitions);
        }
        return observing;
    }

    private static String since(long start) {
        return String.format(Locale.ROOT, "%.1f s", (System.nanoTime() - start) / 1e9);
    }

    private static String partitionText(int p) {
        return p == 0 ? "the dataset's own partitions" : p + " partitions";
    }

    private static String specs(List<Calibrator> calibrators) {
        return String.join(", ", specList(calibrators));
    }

    private static List<String> specList(List<Calibrator> calibrators) {
        return calibrators.stream().map(CalibrationMethod::spec).toList();
    }

    private static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
