package io.quantpipe.quant.report;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.quantpipe.quant.eval.EvaluationState;
import io.quantpipe.quant.eval.EvaluationSummary;
import io.quantpipe.quant.eval.LayerError;
import io.quantpipe.quant.eval.MetricRow;
import io.quantpipe.quant.io.AtomicFiles;
import io.quantpipe.quant.io.JsonLayout;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code report.json}, the interface scripts and DAG gates read (DESIGN.md, "Command line"):
 *
 * <pre>
 * {"summary": {"rows", "fp32": {"top1", "top5"}, "int8": {"top1", "top5"}, "top1_agreement",
 *              "sqnr_db", "cosine", "kl", "max_abs_diff",
 *              "latency_ms": {"fp32": {"median", "p95"}, "int8": {...}}, "speedup",
 *              "model_bytes": {"fp32", "int8"}, ...},
 *  "methods": [...], "per_layer": [...], "fp32_nodes": [...], "fallback": [...],
 *  "metrics": [ {"entity", "instance", "name", "value"}, ... ]}
 * </pre>
 *
 * Accuracies are fractions in [0, 1]; floats are written as JSON floats ({@code 1.0}, not {@code 1}),
 * except metric values that are whole numbers (counts), which are written as integers. A value that is not defined (accuracy without labels, an
 * unknown model size, latency of an untimed run) is {@code null}; ±Inf (the SQNR of identical
 * outputs) is the string {@code "Infinity"} / {@code "-Infinity"}, as in {@code scales.json}.
 * The contract keys are never renamed; the summary also carries {@code method},
 * {@code labeled_rows}, {@code top1_drop}, {@code mse}, {@code finite_rows},
 * {@code nonfinite_outputs} and per-model latency {@code mean} and {@code batches}.
 * {@code methods} lists every evaluated calibration method (one entry when only one was),
 * {@code per_layer} the layers most damaged first.
 */
public final class ReportJson {
    private static final JsonFactory FACTORY = new JsonFactory();

    private ReportJson() {
    }

    /** Writes {@code report.json} atomically. */
    public static void write(ReportInput input, Path file) {
        AtomicFiles.write(file, toBytes(input));
    }

    /** UTF-8 JSON ending in a newline. */
    public static byte[] toBytes(ReportInput input) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.setPrettyPrinter(new JsonLayout(2));
            g.writeStartObject();
            writeSummary(g, input);
            writeMethods(g, input);
            writeLayers(g, input.layers().ranked());
            g.writeArrayFieldStart("fp32_nodes");
            for (String n : input.fp32Nodes()) {
                g.writeString(n);
            }
            g.writeEndArray();
            writeFallback(g, input.fallback());
            writeMetrics(g, input.metrics());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.write('\n');
        return out.toByteArray();
    }

    private static void writeSummary(JsonGenerator g, ReportInput input) throws IOException {
        MethodEvaluation primary = input.primary();
        EvaluationSummary s = primary.state().summary();
        g.writeObjectFieldStart("summary");
        g.writeStringField("method", primary.method());
        g.writeNumberField("rows", s.rows());
        g.writeNumberField("labeled_rows", s.labeledRows());
        g.writeObjectFieldStart("fp32");
        number(g, "top1", s.fp32Top1());
        number(g, "top5", s.fp32Top5());
        g.writeEndObject();
        g.writeObjectFieldStart("int8");
        number(g, "top1", s.int8Top1());
        number(g, "top5", s.int8Top5());
        g.writeEndObject();
        number(g, "top1_drop", s.top1Drop());
        number(g, "top1_agreement", s.top1Agreement());
        number(g, "sqnr_db", s.sqnrDb());
        number(g, "cosine", s.cosine());
        number(g, "kl", s.kl());
        number(g, "mse", s.mse());
        number(g, "max_abs_diff", s.maxAbsDiff());
        g.writeNumberField("finite_rows", s.finiteRows());
        g.writeObjectFieldStart("nonfinite_outputs");
        g.writeNumberField("fp32", s.fp32NonFinite());
        g.writeNumberField("int8", s.int8NonFinite());
        g.writeEndObject();
        g.writeObjectFieldStart("latency_ms");
        latency(g, "fp32", s.fp32Latency());
        latency(g, "int8", s.int8Latency());
        g.writeEndObject();
        number(g, "speedup", s.speedup());
        g.writeObjectFieldStart("model_bytes");
        size(g, "fp32", input.fp32ModelBytes());
        size(g, "int8", input.int8ModelBytes());
        g.writeEndObject();
        g.writeEndObject();
    }

    private static void latency(JsonGenerator g, String model, EvaluationSummary.Latency l) throws IOException {
        g.writeObjectFieldStart(model);
        number(g, "median", l.medianMs());
        number(g, "p95", l.p95Ms());
        number(g, "mean", l.meanMs());
        g.writeNumberField("batches", l.batches());
        g.writeEndObject();
    }

    private static void size(JsonGenerator g, String name, long bytes) throws IOException {
        if (bytes < 0) {
            g.writeNullField(name);
        } else {
            g.writeNumberField(name, bytes);
        }
    }

    private static void writeMethods(JsonGenerator g, ReportInput input) throws IOException {
        g.writeArrayFieldStart("methods");
        for (MethodEvaluation e : input.evaluations()) {
            EvaluationState state = e.state();
            EvaluationSummary s = state.summary();
            g.writeStartObject();
            g.writeStringField("method", e.method());
            g.writeBooleanField("primary", e == input.primary());
            g.writeObjectFieldStart("int8");
            number(g, "top1", s.int8Top1());
            number(g, "top5", s.int8Top5());
            g.writeEndObject();
            number(g, "top1_drop", s.top1Drop());
            number(g, "top1_agreement", s.top1Agreement());
            number(g, "sqnr_db", s.sqnrDb());
            number(g, "cosine", s.cosine());
            number(g, "kl", s.kl());
            number(g, "max_abs_diff", s.maxAbsDiff());
            number(g, "speedup", s.speedup());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private static void writeLayers(JsonGenerator g, List<LayerError> layers) throws IOException {
        g.writeArrayFieldStart("per_layer");
        for (LayerError e : layers) {
            g.writeStartObject();
            g.writeStringField("tensor", e.tensor());
            g.writeNumberField("rank", e.rank());
            number(g, "sqnr_db", e.sqnrDb());
            number(g, "cosine", e.cosine());
            number(g, "mse", e.mse());
            number(g, "max_abs_diff", e.maxAbsDiff());
            g.writeNumberField("rows", e.rows());
            g.writeNumberField("nonfinite_rows", e.nonFiniteRows());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private static void writeFallback(JsonGenerator g, List<FallbackStep> steps) throws IOException {
        g.writeArrayFieldStart("fallback");
        for (FallbackStep f : steps) {
            g.writeStartObject();
            g.writeNumberField("step", f.step());
            g.writeArrayFieldStart("fp32_layers");
            for (String l : f.fp32Layers()) {
                g.writeString(l);
            }
            g.writeEndArray();
            number(g, "int8_top1", f.int8Top1());
            number(g, "top1_drop", f.top1Drop());
            number(g, "sqnr_db", f.sqnrDb());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private static void writeMetrics(JsonGenerator g, List<MetricRow> rows) throws IOException {
        g.writeArrayFieldStart("metrics");
        for (MetricRow r : rows) {
            g.writeStartObject();
            g.writeStringField("entity", r.entity());
            g.writeStringField("instance", r.instance());
            g.writeStringField("name", r.name());
            value(g, r.value());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    /** A double field: NaN as null, ±Inf as strings, anything else as a JSON float. */
    static void number(JsonGenerator g, String name, double v) throws IOException {
        g.writeFieldName(name);
        if (!special(g, v)) {
            g.writeNumber(v);
        }
    }

    /** A metric's value: like {@link #number}, but counts (whole numbers) are written as integers. */
    private static void value(JsonGenerator g, double v) throws IOException {
        g.writeFieldName("value");
        if (special(g, v)) {
            return;
        }
        if (v == Math.rint(v) && Math.abs(v) < 0x1p53 && Double.doubleToRawLongBits(v) != Long.MIN_VALUE) {
            g.writeNumber((long) v);
        } else {
            g.writeNumber(v);
        }
    }

    private static boolean special(JsonGenerator g, double v) throws IOException {
        if (Double.isNaN(v)) {
            g.writeNull();
        } else if (Double.isInfinite(v)) {
            g.writeString(v > 0 ? "Infinity" : "-Infinity");
        } else {
            return false;
        }
        return true;
    }
}
