package io.quantpipe.jobs.evaluate;

import io.quantpipe.jobs.DriverFiles;
import io.quantpipe.jobs.JobContext;
import io.quantpipe.jobs.config.QuantpipeConfig;
import io.quantpipe.quant.BadInputException;
import io.quantpipe.quant.ConfigException;
import io.quantpipe.quant.calibrate.CalibrationSession;
import io.quantpipe.quant.calibrate.Calibrator;
import io.quantpipe.quant.eval.EvaluationState;
import io.quantpipe.quant.eval.EvaluationSummary;
import io.quantpipe.quant.eval.LayerErrorState;
import io.quantpipe.quant.observe.CalibrationState;
import io.quantpipe.quant.onnx.QdqOptions;
import io.quantpipe.quant.onnx.QuantizationPlan;
import io.quantpipe.quant.onnx.proto.OnnxIr.ModelProto;
import io.quantpipe.quant.report.FallbackStep;
import io.quantpipe.quant.report.ReportInput;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Accuracy-aware mixed precision ({@code quantize --accuracy-budget P}): starting from the fully
 * quantized model, each step moves the tensor that adds the most quantization noise of its own
 * ({@link IncrementalDamage}) back to FP32 (its producer and readers kept in FP32), rewrites the
 * int8 model from the same calibration state and scores it again over the test set with per-layer
 * error, until the top-1 drop is at most P points, {@code maxSteps} steps were taken, or no
 * quantized tensor left adds noise of its own. Like the sensitivity-guided fallback of TensorRT's and Intel Neural
 * Compressor's accuracy-driven tuning, but one evaluation per step rather than one per layer.
 */
public final class AccuracyFallback {
    private static final Logger LOG = LoggerFactory.getLogger(AccuracyFallback.class);

    /**
     * One evaluated model of the search.
     *
     * @param step              0 for the starting model, then 1, 2, ...
     * @param tensor            the tensor moved to FP32 at this step, null at step 0
     * @param incrementalSqnrDb its incremental SQNR when chosen (NaN at step 0)
     * @param added             nodes this step kept in FP32
     * @param keep              every node kept in FP32 (beyond those the plan cannot quantize)
     * @param state             the model's evaluation
     * @param layers            its per-layer error
     * @param modelBytes        serialized size of the int8 model
     */
    public record Step(int step, String tensor, double incrementalSqnrDb, List<String> added, List<String> keep,
                       EvaluationState state, LayerErrorState layers, long modelBytes) {
        /** Top-1 drop in points. */
        public double dropPoints() {
            return 100 * state.summary().top1Drop();
        }

        public FallbackStep toReport() {
            EvaluationSummary s = state.summary();
            return new FallbackStep(step, keep, s.int8Top1(), s.top1Drop(), s.sqnrDb());
        }
    }

    /**
     * How the search ended.
     *
     * @param steps   every evaluated model, step 0 first
     * @param met     whether the last step is within the budget
     * @param reason  why the search stopped, one line
     */
    public record Outcome(List<Step> steps, boolean met, String reason) {
        public Step last() {
            return steps.get(steps.size() - 1);
        }

        public List<FallbackStep> reportSteps() {
            return steps.stream().map(Step::toReport).toList();
        }
    }

    private AccuracyFallback() {
    }

    /**
     * Runs the search.
     *
     * @param pass       the FP32 model's evaluation pass
     * @param data       the labelled test set
     * @param plan       the FP32 model's quantization plan
     * @param state      the merged calibration state
     * @param method     the calibration method of every step's model
     * @param options    QDQ options; their keep-FP32 set is the starting point
     * @param budget     largest acceptable top-1 drop, in points (1.0 = one percentage point)
     * @param maxSteps   most steps after step 0
     */
    public static Outcome search(SparkSession spark, EvaluationPass pass, EvaluationPass.Data data,
                                 QuantizationPlan plan, CalibrationState state, Calibrator method, QdqOptions options,
                                 double budget, int maxSteps) {
        if (!(budget >= 0)) {
            throw new ConfigException("--accuracy-budget: expected a top-1 drop in points >= 0, found " + budget);
        }
        if (maxSteps < 0) {
            throw new ConfigException("quantpipe.quantize.fallback.max-steps: expected 0 or more, found " + maxSteps);
        }
        if (!data.hasLabels()) {
            throw new BadInputException("--accuracy-budget: expected a labelled test set to measure the"
                    + " top-1 drop, found no label column in " + data.path());
        }
        Set<String> keep = new LinkedHashSet<>(options.keepFp32());
        List<Step> steps = new ArrayList<>();
        String tensor = null;
        double incremental = Double.NaN;
        List<String> added = List.of();
        while (true) {
            int k = steps.size();
            QuantizationPlan current = plan.keepingFp32(keep);
            ModelProto model = CalibrationSession.int8Model(plan, state, method, options.withKeepFp32(keep));
            String name = "step " + k;
            EvaluationPass.Result r = pass.run(spark, data, List.of(EvaluationPass.Candidate.of(name, model,
                    "fallback " + name)), name, "quantize fallback " + name);
            Step step = new Step(k, tensor, incremental, added, graphOrder(plan, keep), r.state(name), r.layers(),
                    model.getSerializedSize());
            steps.add(step);
            LOG.info("fallback {}: top-1 drop {} points with {} nodes in FP32", name,
                    String.format(Locale.ROOT, "%.2f", step.dropPoints()), keep.size());
            if (step.dropPoints() <= budget) {
                return new Outcome(steps, true, String.format(Locale.ROOT, "top-1 drop %.2f points is within the budget of %s",
                        step.dropPoints(), points(budget)));
            }
            if (k >= maxSteps) {
                return new Outcome(steps, false, String.format(Locale.ROOT,
                        "top-1 drop %.2f points is over the budget of %s after %d steps, the limit"
                                + " (quantpipe.quantize.fallback.max-steps)", step.dropPoints(), points(budget), k));
            }
            IncrementalDamage.Culprit next = null;
            Set<String> grown = null;
            for (IncrementalDamage.Culprit c : IncrementalDamage.rank(current, r.layers().ranked(), pass.logitsName(),
                    r.state(name).summary().sqnrDb())) {
                if (!Double.isFinite(c.incrementalSqnrDb())) {
                    break; // ranked last: tensors that add no noise of their own, moving them gains nothing
                }
                grown = closure(plan, state, keep, c.nodes());
                if (grown != null && grown.size() > keep.size()) {
                    next = c;
                    break;
                }
            }
            if (next == null) {
                return new Outcome(steps, false, String.format(Locale.ROOT,
                        "top-1 drop %.2f points is over the budget of %s, and no quantized layer left adds noise of its"
                                + " own (every one whose error was measured and that does is in FP32)", step.dropPoints(),
                        points(budget)));
            }
            List<String> before = List.copyOf(keep);
            keep = new LinkedHashSet<>(grown);
            added = graphOrder(plan, keep).stream().filter(n -> !before.contains(n)).toList();
            tensor = next.tensor();
            incremental = next.incrementalSqnrDb();
            LOG.info("fallback: '{}' adds the most noise ({} dB incremental SQNR); keeping {} in FP32", tensor,
                    String.format(Locale.ROOT, "%.2f", incremental), added);
        }
    }

    /**
     * What {@code quantize --accuracy-budget} runs: the search over {@code data} with the
     * configured step limit, its report (the last step's evaluation, per-layer error and every step)
     * written into {@code run} and printed; returns the nodes the int8 model keeps in FP32.
     */
    public static Set<String> forQuantize(JobContext context, Path fp32File, ModelProto fp32, QuantizationPlan plan,
                                          CalibrationState state, Calibrator method, QdqOptions options, String data,
                                          double budget, DriverFiles.Folder run) {
        QuantpipeConfig config = context.config();
        RunReport.invalidate(run);
        int maxSteps = config.getInt("quantpipe.quantize.fallback.max-steps");
        EvaluationPass pass = EvaluationPass.of(fp32, "--model " + fp32File, config);
        SparkSession spark = context.spark();
        EvaluationPass.Data test = pass.data(spark, data, true);
        Outcome outcome = search(spark, pass, test, plan, state, method, options, budget, maxSteps);
        Step last = outcome.last();
        String name = method.name();
        long fp32Bytes;
        try {
            fp32Bytes = Files.size(fp32File);
        } catch (IOException e) {
            fp32Bytes = -1;
        }
        QuantizationPlan mixed = plan.keepingFp32(new LinkedHashSet<>(last.keep()));
        var histograms = CalibrationRun.histograms(state);
        histograms.keySet().retainAll(new LinkedHashSet<>(mixed.observedTensors()));
        ReportInput.Builder report = ReportInput.builder().title("Quantization report: " + fp32File.getFileName()
                        + ", accuracy budget " + points(budget))
                .evaluation(name, last.state())
                .layers(last.layers())
                .fallback(outcome.reportSteps())
                .modelBytes(fp32Bytes, last.modelBytes())
                .fp32Nodes(mixed.fp32Nodes().stream().map(n -> n.name() + " (" + n.opType() + ", " + n.reason() + ")")
                        .toList())
                .scales(CalibrationRun.scales(state, mixed, List.of(method), options.preset()))
                .histograms(histograms);
        EvaluateCommand.classNames(config, test, pass.classes()).ifPresent(report::classNames);
        RunReport.write(report.build(), run);
        print(context.out(), outcome, budget);
        return new LinkedHashSet<>(last.keep());
    }

    /** Every step: what it moved to FP32, what that cost (model size) and gained (top-1). */
    static void print(PrintStream out, Outcome outcome, double budget) {
        Step previous = null;
        for (Step s : outcome.steps()) {
            EvaluationSummary m = s.state().summary();
            if (previous == null) {
                out.printf(Locale.ROOT, "fallback step 0: int8 top-1 %.4f (FP32 %.4f), drop %.2f points, output SQNR %.2f dB,"
                        + " int8 model %d bytes%n", m.int8Top1(), m.fp32Top1(), s.dropPoints(), m.sqnrDb(), s.modelBytes());
            } else {
                out.printf(Locale.ROOT, "fallback step %d: '%s' adds the most noise (incremental SQNR %.2f dB): FP32 %s;"
                                + " int8 top-1 %.4f, drop %.2f points (gained %.2f), output SQNR %.2f dB, int8 model %d bytes (%+d)%n",
                        s.step(), s.tensor(), s.incrementalSqnrDb(), String.join(", ", s.added()), m.int8Top1(), s.dropPoints(),
                        previous.dropPoints() - s.dropPoints(), m.sqnrDb(), s.modelBytes(), s.modelBytes() - previous.modelBytes());
            }
            previous = s;
        }
        out.println("fallback " + (outcome.met() ? "met the budget: " : "did not meet the budget: ") + outcome.reason());
        List<String> keep = outcome.last().keep();
        out.println("kept in FP32: " + (keep.isEmpty() ? "nothing" : String.join(", ", keep)));
    }

    private static String points(double budget) {
        return String.format(Locale.ROOT, "%.2f points", budget);
    }

    /**
     * {@code keep} plus {@code nodes}, grown until every tensor the new plan quantizes was calibrated:
     * keeping a node can leave a tensor that used to share its input's parameters (a MaxPool output)
     * quantized on its own, so its readers are kept too. Null when no such set exists.
     */
    static Set<String> closure(QuantizationPlan plan, CalibrationState state, Set<String> keep, List<String> nodes) {
        Set<String> out = new LinkedHashSet<>(keep);
        out.addAll(nodes);
        for (int guard = 0; guard <= plan.nodes().size(); guard++) {
            QuantizationPlan p = plan.keepingFp32(out);
            List<String> missing = p.observedTensors().stream().filter(t -> !state.tensors().containsKey(t)).toList();
            if (missing.isEmpty()) {
                return out;
            }
            boolean grew = false;
            for (String t : missing) {
                for (String n : IncrementalDamage.fp32Nodes(p, t, null)) {
                    grew |= out.add(n);
                }
            }
            if (!grew) {
                return null;
            }
        }
        return null;
    }

    /** The kept nodes in the graph's order. */
    private static List<String> graphOrder(QuantizationPlan plan, Set<String> keep) {
        List<String> ordered = new ArrayList<>();
        var nodes = plan.model().getGraph().getNodeList();
        for (int i = 0; i < nodes.size(); i++) {
            String name = nodes.get(i).getName().isEmpty() ? "#" + i : nodes.get(i).getName();
            if (keep.contains(name)) {
                ordered.add(name);
            }
        }
        return ordered;
    }
}
