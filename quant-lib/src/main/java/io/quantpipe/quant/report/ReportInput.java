package io.quantpipe.quant.report;

import io.quantpipe.quant.ConfigException;
import io.quantpipe.quant.eval.EvaluationState;
import io.quantpipe.quant.eval.EvaluationSummary;
import io.quantpipe.quant.eval.LayerErrorState;
import io.quantpipe.quant.eval.MetricRow;
import io.quantpipe.quant.io.ScaleTable;
import io.quantpipe.quant.observe.Histogram;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Everything a report is made of, as a plain value: the merged evaluation of one int8 model (or of
 * one per calibration method, side by side), and optionally per-layer errors, activation histograms
 * with the scale table whose thresholds they are drawn with, model sizes, the nodes left in FP32,
 * fallback steps and class names. The first evaluation added is the primary one (the model the
 * summary describes) unless {@link Builder#primary} names another.
 */
public final class ReportInput {
    /** Method name used when a single evaluation is given without one. */
    public static final String DEFAULT_METHOD = "int8";

    private final String title;
    private final List<MethodEvaluation> evaluations;
    private final int primary;
    private final LayerErrorState layers;
    private final SortedMap<String, Histogram> histograms;
    private final ScaleTable scales;
    private final long fp32ModelBytes;
    private final long int8ModelBytes;
    private final List<String> fp32Nodes;
    private final List<FallbackStep> fallback;
    private final List<String> classNames;

    private ReportInput(Builder b) {
        this.title = b.title;
        this.evaluations = List.copyOf(b.evaluations);
        this.primary = b.primary == null ? 0 : indexOf(b.evaluations, b.primary);
        this.layers = b.layers;
        this.histograms = Collections.unmodifiableSortedMap(new TreeMap<>(b.histograms));
        this.scales = b.scales;
        this.fp32ModelBytes = b.fp32ModelBytes;
        this.int8ModelBytes = b.int8ModelBytes;
        this.fp32Nodes = List.copyOf(b.fp32Nodes);
        this.fallback = List.copyOf(b.fallback);
        this.classNames = b.classNames == null ? null : List.copyOf(b.classNames);
    }

    private static int indexOf(List<MethodEvaluation> evaluations, String method) {
        for (int i = 0; i < evaluations.size(); i++) {
            if (evaluations.get(i).method().equals(method)) {
                return i;
            }
        }
        throw new ConfigException("report: expected the primary method among "
                + evaluations.stream().map(MethodEvaluation::method).toList() + ", found '" + method + "'");
    }

    public static Builder builder() {
        return new Builder();
    }

    public String title() {
        return title;
    }

    /** Every evaluation, in the order given. */
    public List<MethodEvaluation> evaluations() {
        return evaluations;
    }

    /** The evaluation the summary describes. */
    public MethodEvaluation primary() {
        return evaluations.get(primary);
    }

    /** Whether several methods are compared. */
    public boolean comparesMethods() {
        return evaluations.size() > 1;
    }

    /** Per-layer errors of the primary model; empty when not measured. */
    public LayerErrorState layers() {
        return layers;
    }

    /** Activation histograms by tensor name, sorted; empty when not given. */
    public SortedMap<String, Histogram> histograms() {
        return histograms;
    }

    /** The scale table the histograms' thresholds come from; empty when not given. */
    public ScaleTable scales() {
        return scales;
    }

    /** Size of the FP32 model file in bytes, -1 when unknown. */
    public long fp32ModelBytes() {
        return fp32ModelBytes;
    }

    /** Size of the int8 model file in bytes, -1 when unknown. */
    public long int8ModelBytes() {
        return int8ModelBytes;
    }

    /** Nodes left in FP32 (unsupported or excluded), in graph order. */
    public List<String> fp32Nodes() {
        return fp32Nodes;
    }

    public List<FallbackStep> fallback() {
        return fallback;
    }

    /** Class names by index, or null when not given. */
    public List<String> classNames() {
        return classNames;
    }

    /** The name of class {@code c}: its given name or its index. */
    public String className(int c) {
        return EvaluationState.className(classNames, c);
    }

    /**
     * Every metric of the report as long-format rows: the primary evaluation's
     * ({@link EvaluationState#metrics}), model sizes ({@code ("model", fp32 | int8, "bytes")}), one
     * block per method when several are compared ({@code ("method", name, int8_top1 | int8_top5 |
     * top1_drop | top1_agreement | sqnr_db | cosine | kl | max_abs_diff | speedup)}), the layers'
     * ({@link LayerErrorState#metrics}), fallback steps ({@code ("fallback", "step/<n>", int8_top1 |
     * top1_drop | sqnr_db | fp32_layers)}) and {@code ("graph", "fp32_nodes", "count")}.
     */
    public List<MetricRow> metrics() {
        List<MetricRow> rows = new ArrayList<>(primary().state().metrics(classNames));
        if (fp32ModelBytes >= 0) {
            rows.add(new MetricRow("model", "fp32", "bytes", fp32ModelBytes));
        }
        if (int8ModelBytes >= 0) {
            rows.add(new MetricRow("model", "int8", "bytes", int8ModelBytes));
        }
        if (comparesMethods()) {
            for (MethodEvaluation e : evaluations) {
                EvaluationSummary s = e.state().summary();
                String m = e.method();
                rows.add(new MetricRow("method", m, "int8_top1", s.int8Top1()));
                rows.add(new MetricRow("method", m, "int8_top5", s.int8Top5()));
                rows.add(new MetricRow("method", m, "top1_drop", s.top1Drop()));
                rows.add(new MetricRow("method", m, "top1_agreement", s.top1Agreement()));
                rows.add(new MetricRow("method", m, "sqnr_db", s.sqnrDb()));
                rows.add(new MetricRow("method", m, "cosine", s.cosine()));
                rows.add(new MetricRow("method", m, "kl", s.kl()));
                rows.add(new MetricRow("method", m, "max_abs_diff", s.maxAbsDiff()));
                rows.add(new MetricRow("method", m, "speedup", s.speedup()));
            }
        }
        rows.addAll(layers.metrics());
        for (FallbackStep f : fallback) {
            String step = "step/" + f.step();
            rows.add(new MetricRow("fallback", step, "int8_top1", f.int8Top1()));
            rows.add(new MetricRow("fallback", step, "top1_drop", f.top1Drop()));
            rows.add(new MetricRow("fallback", step, "sqnr_db", f.sqnrDb()));
            rows.add(new MetricRow("fallback", step, "fp32_layers", f.fp32Layers().size()));
        }
        rows.add(new MetricRow("graph", "fp32_nodes", "count", fp32Nodes.size()));
        return rows;
    }

    /** Collects the parts of a report; {@link #build} checks them against each other. */
    public static final class Builder {
        private String title = "Quantization report";
        private final List<MethodEvaluation> evaluations = new ArrayList<>();
        private String primary;
        private LayerErrorState layers = new LayerErrorState();
        private Map<String, Histogram> histograms = Map.of();
        private ScaleTable scales = new ScaleTable(List.of());
        private long fp32ModelBytes = -1;
        private long int8ModelBytes = -1;
        private List<String> fp32Nodes = List.of();
        private List<FallbackStep> fallback = List.of();
        private List<String> classNames;

        private Builder() {
        }

        public Builder title(String title) {
            this.title = Objects.requireNonNull(title, "title");
            return this;
        }

        /** The evaluation of the one int8 model, named {@value #DEFAULT_METHOD}. */
        public Builder evaluation(EvaluationState state) {
            return evaluation(DEFAULT_METHOD, state);
        }

        /** The evaluation of the int8 model calibrated with {@code method}. */
        public Builder evaluation(String method, EvaluationState state) {
            evaluations.add(new MethodEvaluation(method, state));
            return this;
        }

        /** Which method's evaluation the summary describes; the first one by default. */
        public Builder primary(String method) {
            this.primary = method;
            return this;
        }

        public Builder layers(LayerErrorState layers) {
            this.layers = Objects.requireNonNull(layers, "layers");
            return this;
        }

        /** Activation histograms by tensor; drawn with the thresholds of {@link #scales}. */
        public Builder histograms(Map<String, Histogram> histograms) {
            this.histograms = Objects.requireNonNull(histograms, "histograms");
            return this;
        }

        public Builder scales(ScaleTable scales) {
            this.scales = Objects.requireNonNull(scales, "scales");
            return this;
        }

        /** Model file sizes in bytes; -1 for unknown. */
        public Builder modelBytes(long fp32, long int8) {
            this.fp32ModelBytes = fp32;
            this.int8ModelBytes = int8;
            return this;
        }

        public Builder fp32Nodes(List<String> nodes) {
            this.fp32Nodes = Objects.requireNonNull(nodes, "fp32 nodes");
            return this;
        }

        public Builder fallback(List<FallbackStep> steps) {
            this.fallback = Objects.requireNonNull(steps, "fallback steps");
            return this;
        }

        public Builder classNames(List<String> names) {
            this.classNames = names;
            return this;
        }

        public ReportInput build() {
            if (evaluations.isEmpty()) {
                throw new ConfigException("report: expected at least one evaluation, found none");
            }
            int classes = evaluations.get(0).state().classes();
            Set<String> seen = new HashSet<>();
            for (MethodEvaluation e : evaluations) {
                if (!seen.add(e.method())) {
                    throw new ConfigException("report: expected one evaluation per method, found '" + e.method() + "' twice");
                }
                if (e.state().classes() != classes) {
                    throw new ConfigException("report: expected every evaluation to have " + classes
                            + " classes, found " + e.state().classes() + " for '" + e.method() + "'");
                }
            }
            if (classNames != null && classNames.size() != classes) {
                throw new ConfigException("report: expected " + classes + " class names, found " + classNames.size());
            }
            if (fp32ModelBytes < -1 || int8ModelBytes < -1) {
                throw new ConfigException("report: expected model sizes >= 0 (or -1 for unknown), found "
                        + fp32ModelBytes + " and " + int8ModelBytes);
            }
            for (Map.Entry<String, Histogram> h : histograms.entrySet()) {
                Objects.requireNonNull(h.getKey(), "histogram tensor name");
                Objects.requireNonNull(h.getValue(), "histogram of " + h.getKey());
            }
            return new ReportInput(this);
        }
    }
}
