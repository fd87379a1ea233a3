package io.quantpipe.jobs.evaluate;

import io.quantpipe.jobs.config.QuantpipeConfig;
import io.quantpipe.jobs.data.ReaderBatch;
import io.quantpipe.jobs.data.TensorDataset;
import io.quantpipe.jobs.data.TensorLayout;
import io.quantpipe.jobs.spark.JobDescription;
import io.quantpipe.jobs.spark.PassProgress;
import io.quantpipe.jobs.spark.Sparks;
import io.quantpipe.quant.BadInputException;
import io.quantpipe.quant.ConfigException;
import io.quantpipe.quant.eval.EvaluationState;
import io.quantpipe.quant.eval.LayerErrorState;
import io.quantpipe.quant.onnx.proto.OnnxIr.ModelProto;
import io.quantpipe.quant.runtime.ModelRunner;
import io.quantpipe.quant.runtime.RunnerOptions;
import io.quantpipe.quant.runtime.TensorMeta;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

/**
 * The evaluation core that {@code evaluate} and {@code quantize --accuracy-budget} share: one
 * Spark pass over a test set scoring any number of candidate models against the FP32 model, each
 * batch run once through the FP32 model and once through every candidate ({@link EvaluationTask}),
 * partition states reduced on the driver with {@code treeAggregate}. Everything that can be checked
 * before the pass is checked on the driver first: models load, candidates take and give what the
 * FP32 model does, the dataset fits the input, labels are class indices.
 *
 * <pre>{@code
 * EvaluationPass pass = EvaluationPass.of(fp32, "--fp32 m.onnx", config);
 * EvaluationPass.Data data = pass.data(spark, "test-set", false);
 * EvaluationPass.Result r = pass.run(spark, data, List.of(Candidate.of("int8", int8, "--int8 q.onnx")), "int8", "evaluate");
 * }</pre>
 */
public final class EvaluationPass {
    private static final Logger LOG = LoggerFactory.getLogger(EvaluationPass.class);
    private static final int FLOAT = 1;

    /**
     * A model scored against the FP32 model.
     *
     * @param name  how the report names it: the calibration method, or {@code "int8"}
     * @param model the model
     * @param label how errors name it, e.g. {@code "--int8 q.onnx"}
     */
    public record Candidate(String name, ModelProto model, String label) {
        public Candidate {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(label, "label");
        }

        public static Candidate of(String name, ModelProto model, String label) {
            return new Candidate(name, model, label);
        }
    }

    /**
     * A checked test set.
     *
     * @param path       where it was read from
     * @param frame      tensor column, then the label column when there is one
     * @param layout     how a row feeds the model input
     * @param rows       rows in the set
     * @param labelNames class names recorded with the labels (empty when none)
     */
    public record Data(String path, Dataset<Row> frame, TensorLayout layout, long rows, List<String> labelNames) {
        public boolean hasLabels() {
            return layout.hasLabels();
        }
    }

    /**
     * The merged result of one pass.
     *
     * @param states     one state per candidate, by candidate name, in candidate order
     * @param layers     per-layer error of the compared candidate (empty when none was asked for)
     * @param partitions Spark partitions the pass ran in
     * @param seconds    wall time of the pass
     */
    public record Result(LinkedHashMap<String, EvaluationState> states, LayerErrorState layers, int partitions,
                         double seconds) {
        public EvaluationState state(String candidate) {
            EvaluationState s = states.get(candidate);
            if (s == null) {
                throw new IllegalArgumentException("no candidate '" + candidate + "' among " + states.keySet());
            }
            return s;
        }
    }

    private final ModelProto fp32;
    private final byte[] fp32Bytes;
    private final String fp32Label;
    private final ModelSignature signature;
    private final QuantpipeConfig config;
    private final RunnerOptions options;

    private EvaluationPass(ModelProto fp32, byte[] fp32Bytes, String fp32Label, ModelSignature signature,
                           QuantpipeConfig config, RunnerOptions options) {
        this.fp32 = fp32;
        this.fp32Bytes = fp32Bytes;
        this.fp32Label = fp32Label;
        this.signature = signature;
        this.config = config;
        this.options = options;
    }

    /** Loads the FP32 model in ONNX Runtime on the driver and reads its signature. */
    public static EvaluationPass of(ModelProto fp32, String fp32Label, QuantpipeConfig config) {
        RunnerOptions options = RunnerOptions.defaults().withIntraOpThreads(config.intraOpThreads());
        byte[] bytes = fp32.toByteArray();
        ModelSignature signature;
        try (ModelRunner runner = load(bytes, options, fp32Label)) {
            signature = ModelSignature.of(fp32Label, runner);
        }
        signature.classes(); // fails now, not in a task, when the logits have no known class count
        return new EvaluationPass(fp32, bytes, fp32Label, signature, config, options);
    }

    private static ModelRunner load(byte[] model, RunnerOptions options, String label) {
        try {
            return ModelRunner.create(model, options);
        } catch (BadInputException e) {
            throw new BadInputException(label + ": " + e.getMessage(), e);
        }
    }

    /** Classes the FP32 model scores (values per row of its logits). */
    public int classes() {
        return signature.classes();
    }

    /** Name of the output holding the logits (the FP32 model's first output). */
    public String logitsName() {
        return signature.logitsName();
    }

    public ModelProto fp32() {
        return fp32;
    }

    /**
     * Opens and checks the test set: the tensor column fits the model input; a label column, when
     * present, holds a class index in {@code [0, classes)} in every row (one small Spark job reads
     * only that column); with {@code requireLabels} a set without labels is bad input.
     */
    public Data data(SparkSession spark, String path, boolean requireLabels) {
        TensorDataset dataset;
        try (JobDescription d = Sparks.describe(spark, "evaluate: check dataset " + path)) {
            dataset = TensorDataset.open(spark, path, config, signature.input().expectedElements());
        }
        TensorLayout layout = signature.input().fit(dataset.layout(), path);
        String label = config.labelColumn();
        if (!dataset.hasLabels()) {
            if (requireLabels) {
                throw new BadInputException("dataset " + path + ": expected a label column '" + label
                        + "' (quantpipe.data.label-column) since labels are required (--require-labels), found none");
            }
            long rows;
            try (JobDescription d = Sparks.describe(spark, "evaluate: count rows of " + path)) {
                rows = dataset.count();
            }
            return new Data(path, dataset.frame(), layout, rows, List.of());
        }
        Row r;
        try (JobDescription d = Sparks.describe(spark, "evaluate: check labels of " + path)) {
            r = dataset.frame().agg(count(lit(1)), min(col(label)), max(col(label)),
                    sum(when(col(label).isNull(), 1).otherwise(0))).first();
        }
        long rows = r.getLong(0);
        long nulls = r.isNullAt(3) ? 0 : r.getLong(3);
        if (nulls > 0) {
            throw new BadInputException("label column '" + label + "' of dataset " + path
                    + ": expected a class index in every row, found " + nulls + " null labels in " + rows + " rows");
        }
        int lo = r.getInt(1);
        int hi = r.getInt(2);
        int classes = signature.classes();
        if (lo < 0 || hi >= classes) {
            throw new BadInputException("label column '" + label + "' of dataset " + path + ": expected class indices in [0, "
                    + classes + ") (output '" + signature.logitsName() + "' of " + fp32Label + " scores " + classes
                    + " classes), found labels from " + lo + " to " + hi);
        }
        List<String> names = dataset.labelNames();
        return new Data(path, dataset.frame(), layout, rows, names.size() == classes ? names : List.of());
    }

    /**
     * Scores every candidate over the data in one pass; with {@code layersOf} (a candidate's name),
     * also the per-layer error of that candidate ({@link LayerPairs}).
     */
    public Result run(SparkSession spark, Data data, List<Candidate> candidates, String layersOf, String description) {
        if (candidates.isEmpty()) {
            throw new ConfigException("evaluate: expected at least one model to score, found none");
        }
        Set<String> names = new HashSet<>();
        List<byte[]> bytes = new ArrayList<>();
        Candidate compared = null;
        for (Candidate c : candidates) {
            if (!names.add(c.name())) {
                throw new ConfigException("evaluate: expected one model per name, found '" + c.name() + "' twice");
            }
            byte[] b = c.model().toByteArray();
            try (ModelRunner runner = load(b, options, c.label())) {
                signature.requireSameAs(ModelSignature.of(c.label(), runner));
            }
            bytes.add(b);
            if (c.name().equals(layersOf)) {
                compared = c;
            }
        }
        if (layersOf != null && compared == null) {
            throw new ConfigException("per-layer error: expected one of " + names + ", found '" + layersOf + "'");
        }
        LayerPairs pairs = compared == null ? null : pairs(compared);
        byte[] fp32Layers = pairs == null ? null : pairs.instrumentFp32(fp32).toByteArray();
        byte[] candidateLayers = pairs == null ? null : pairs.instrumentCandidate(compared.model()).toByteArray();

        Dataset<Row> frame = data.frame();
        int partitions = config.getInt("quantpipe.evaluate.partitions");
        if (partitions < 0) {
            throw new ConfigException("quantpipe.evaluate.partitions: expected 0 (the dataset's own) or more, found " + partitions);
        }
        if (partitions > 0) {
            frame = frame.repartition(partitions);
        }
        boolean timed = config.getBoolean("quantpipe.evaluate.latency");
        int batchSize = signature.input().batchSize(config.evaluateBatchSize());
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        List<Broadcast<?>> broadcasts = new ArrayList<>();
        try {
            Broadcast<byte[]> fp32Broadcast = keep(broadcasts, jsc.broadcast(fp32Bytes));
            List<Broadcast<byte[]>> scored = new ArrayList<>();
            for (byte[] b : bytes) {
                scored.add(keep(broadcasts, jsc.broadcast(b)));
            }
            Broadcast<byte[]> a = pairs == null ? null : keep(broadcasts, jsc.broadcast(fp32Layers));
            Broadcast<byte[]> c = pairs == null ? null : keep(broadcasts, jsc.broadcast(candidateLayers));
            EvaluationTask task = new EvaluationTask(fp32Broadcast, scored, a, c, pairs, signature.inputName(),
                    signature.logitsName(), signature.classes(), data.layout(), batchSize, config.intraOpThreads(), timed);
            JavaRDD<PartialEvaluation> partials = ReaderBatch.javaRDD(frame, data.layout()).mapPartitions(task);
            int n = partials.getNumPartitions();
            PassProgress progress = new PassProgress(description, partials.id(), n);
            spark.sparkContext().addSparkListener(progress);
            long start = System.nanoTime();
            PartialEvaluation merged;
            try (JobDescription d = Sparks.describe(spark, description + ": " + data.rows() + " rows of " + data.path()
                    + ", FP32 and " + candidates.size() + " candidate" + (candidates.size() == 1 ? "" : "s")
                    + (pairs == null ? "" : ", " + pairs.size() + " layers of " + layersOf) + " (" + n + " partitions)")) {
                merged = partials.treeAggregate(PartialEvaluation.empty(candidates.size(), signature.classes()),
                        PartialEvaluation::merge, PartialEvaluation::merge, 2);
            } finally {
                spark.sparkContext().removeSparkListener(progress);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            LinkedHashMap<String, EvaluationState> states = new LinkedHashMap<>();
            for (int i = 0; i < candidates.size(); i++) {
                states.put(candidates.get(i).name(), merged.states().get(i));
            }
            LOG.info("{}: {} rows in {} partitions, {} s", description, merged.states().get(0).rows(), n,
                    String.format(Locale.ROOT, "%.3f", seconds));
            return new Result(states, merged.layers(), n, seconds);
        } finally {
            broadcasts.forEach(Broadcast::destroy);
        }
    }

    private static <T> Broadcast<T> keep(List<Broadcast<?>> all, Broadcast<T> b) {
        all.add(b);
        return b;
    }

    /**
     * The tensors to compare, keeping those both models give as float tensors of compatible shapes
     * (ONNX Runtime's declared types of the instrumented models tell; a foreign model's same-named
     * tensor may be integer or shaped differently).
     */
    private LayerPairs pairs(Candidate c) {
        LayerPairs all = LayerPairs.match(fp32, c.model());
        if (all.isEmpty()) {
            LOG.warn("per-layer error: {} shares no quantized tensor with {}; no layers compared", c.label(), fp32Label);
            return null;
        }
        Map<String, TensorMeta> a = new HashMap<>();
        Map<String, TensorMeta> b = new HashMap<>();
        try (ModelRunner r = load(all.instrumentFp32(fp32).toByteArray(), options, fp32Label)) {
            r.outputs().forEach(m -> a.put(m.name(), m));
        }
        try (ModelRunner r = load(all.instrumentCandidate(c.model()).toByteArray(), options, c.label())) {
            r.outputs().forEach(m -> b.put(m.name(), m));
        }
        Set<String> keep = new HashSet<>();
        for (String t : all.fp32Tensors()) {
            TensorMeta x = a.get(t);
            TensorMeta y = b.get(all.candidateTensor(t));
            if (x != null && y != null && x.elementType() == FLOAT && y.elementType() == FLOAT
                    && ModelSignature.compatible(x.shape(), y.shape())) {
                keep.add(t);
            }
        }
        LayerPairs kept = all.retain(keep);
        if (kept.size() < all.size()) {
            LOG.info("per-layer error: {} of {} shared tensors are float of the same shape in both models; comparing those",
                    kept.size(), all.size());
        }
        return kept.isEmpty() ? null : kept;
    }
}
