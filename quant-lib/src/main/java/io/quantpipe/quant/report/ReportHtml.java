package io.quantpipe.quant.report;

import static io.quantpipe.quant.report.Html.attr;
import static io.quantpipe.quant.report.Html.escape;

import io.quantpipe.quant.eval.EvaluationState;
import io.quantpipe.quant.eval.EvaluationSummary;
import io.quantpipe.quant.eval.LayerError;
import io.quantpipe.quant.eval.ModelAccuracy;
import io.quantpipe.quant.io.AtomicFiles;
import io.quantpipe.quant.io.ScaleRow;
import io.quantpipe.quant.observe.Histogram;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * {@code report.html}: one self-contained page (inline CSS and SVG, no script, no web font, nothing
 * fetched) with the summary of the int8 model against FP32, every calibration method side by side
 * when several were evaluated, the per-layer SQNR ranking, activation histograms with each method's
 * clipping range, the confusion matrices, per-class accuracy, fallback steps and the nodes left in
 * FP32. The markup is XHTML-compatible, so it parses as XML as well as HTML; every name from the
 * model or the data is escaped. Charts carry their numbers in {@code data-*} attributes (see
 * {@link HistogramChart}, {@link LayerSqnrChart}, {@link ConfusionHeatmap}).
 */
public final class ReportHtml {
    private ReportHtml() {
    }

    /** Writes {@code report.html} atomically. */
    public static void write(ReportInput input, Path file) {
        AtomicFiles.write(file, render(input).getBytes(StandardCharsets.UTF_8));
    }

    /** The page as a string. */
    public static String render(ReportInput input) {
        Palette palette = new Palette();
        // Methods of the comparison first, so their colours match between table and histograms.
        input.evaluations().forEach(e -> palette.color(e.method()));
        StringBuilder h = new StringBuilder(64 * 1024);
        h.append("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n")
                .append("<meta charset=\"utf-8\"/>\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n")
                .append("<title>").append(escape(input.title())).append("</title>\n<style>\n")
                .append(ReportStyle.CSS).append("</style>\n</head>\n<body>\n<main>\n");
        header(h, input);
        cards(h, input);
        summaryTable(h, input, palette);
        layers(h, input);
        histograms(h, input, palette);
        confusion(h, input);
        classes(h, input);
        fallback(h, input);
        fp32Nodes(h, input);
        h.append("<footer>SQNR = 10\u00B7log10(\u03A3 fp32\u00B2 / \u03A3 (fp32 \u2212 int8)\u00B2) over all outputs; "
                + "cosine and KL(softmax fp32 \u2016 softmax int8) are per-row means; latency is per batch. "
                + "Metrics are merged exactly across partitions.</footer>\n");
        h.append("</main>\n</body>\n</html>\n");
        return h.toString();
    }

    private static void header(StringBuilder h, ReportInput input) {
        EvaluationState primary = input.primary().state();
        h.append("<header><h1>").append(escape(input.title())).append("</h1><p class=\"muted\">")
                .append(Format.count(primary.rows())).append(" rows \u00B7 ").append(primary.classes())
                .append(" classes \u00B7 ");
        if (input.comparesMethods()) {
            h.append(input.evaluations().size()).append(" calibration methods, summary of <b>")
                    .append(escape(input.primary().method())).append("</b>");
        } else if (!input.primary().method().equals(ReportInput.DEFAULT_METHOD)) {
            h.append("int8 model calibrated with <b>").append(escape(input.primary().method())).append("</b>");
        } else {
            h.append("int8 model against FP32");
        }
        h.append(primary.fp32().labeledRows() > 0 ? "" : " \u00B7 no labels: accuracy not measured")
                .append("</p></header>\n");
    }

    private static void cards(StringBuilder h, ReportInput input) {
        EvaluationSummary s = input.primary().state().summary();
        h.append("<section class=\"cards\">\n");
        if (s.hasLabels()) {
            card(h, "int8 top-1", Format.percent(s.int8Top1()), "FP32 " + Format.percent(s.fp32Top1()) + " \u00B7 "
                    + Format.points(-s.top1Drop()), s.top1Drop() > 0.01 ? "bad" : "good");
        } else {
            card(h, "int8 top-1", Format.NONE, "no labels in the data", "");
        }
        card(h, "Top-1 agreement", Format.percent(s.top1Agreement()), "same class as FP32 on "
                + Format.count(s.rows()) + " rows", "");
        card(h, "Output SQNR", Format.decibels(s.sqnrDb()), "cosine " + Format.number(s.cosine()) + " \u00B7 KL "
                + Format.number(s.kl()), "");
        card(h, "Speed-up", Format.times(s.speedup()), Double.isNaN(s.speedup()) ? "not timed"
                : "median batch " + Format.millis(s.fp32Latency().medianMs()) + " \u2192 "
                        + Format.millis(s.int8Latency().medianMs()), "");
        long fp32 = input.fp32ModelBytes();
        long int8 = input.int8ModelBytes();
        String sizes = fp32 >= 0 && int8 > 0
                ? "from " + Format.bytes(fp32) + " (" + Format.times((double) fp32 / int8) + " smaller)"
                : fp32 >= 0 ? "FP32 " + Format.bytes(fp32) : "sizes not given";
        card(h, "Model size", Format.bytes(int8), sizes, "");
        h.append("</section>\n");
    }

    private static void card(StringBuilder h, String title, String value, String note, String tone) {
        h.append("<div").append(attr("class", tone.isEmpty() ? "card" : "card " + tone)).append("><div class=\"k\">")
                .append(escape(title)).append("</div><div class=\"v\">").append(escape(value))
                .append("</div><div class=\"n\">").append(escape(note)).append("</div></div>\n");
    }

    /** One row of the summary table: how to read it from a summary, and which way is better. */
    private record Line(String name, Function<EvaluationSummary, String> fp32, Function<EvaluationSummary, String> int8,
            ToDoubleFunction<EvaluationSummary> score) {
    }

    private static void summaryTable(StringBuilder h, ReportInput input, Palette palette) {
        List<MethodEvaluation> evals = input.evaluations();
        List<EvaluationSummary> sums = evals.stream().map(e -> e.state().summary()).toList();
        EvaluationSummary p = input.primary().state().summary();
        String none = Format.NONE;
        List<Line> lines = new ArrayList<>();
        lines.add(new Line("Top-1 accuracy", s -> Format.percent(s.fp32Top1()), s -> Format.percent(s.int8Top1()),
                EvaluationSummary::int8Top1));
        lines.add(new Line("Top-5 accuracy", s -> Format.percent(s.fp32Top5()), s -> Format.percent(s.int8Top5()),
                EvaluationSummary::int8Top5));
        lines.add(new Line("Top-1 change", s -> none, s -> Format.points(-s.top1Drop()), s -> -s.top1Drop()));
        lines.add(new Line("Top-1 agreement", s -> none, s -> Format.percent(s.top1Agreement()),
                EvaluationSummary::top1Agreement));
        lines.add(new Line("Output SQNR", s -> none, s -> Format.decibels(s.sqnrDb()), EvaluationSummary::sqnrDb));
        lines.add(new Line("Cosine similarity", s -> none, s -> Format.number(s.cosine()), EvaluationSummary::cosine));
        lines.add(new Line("KL divergence", s -> none, s -> Format.number(s.kl()), s -> -s.kl()));
        lines.add(new Line("Max |difference|", s -> none, s -> Format.number(s.maxAbsDiff()), s -> -s.maxAbsDiff()));
        lines.add(new Line("Latency, median batch", s -> Format.millis(s.fp32Latency().medianMs()),
                s -> Format.millis(s.int8Latency().medianMs()), s -> Double.NaN));
        lines.add(new Line("Latency, p95 batch", s -> Format.millis(s.fp32Latency().p95Ms()),
                s -> Format.millis(s.int8Latency().p95Ms()), s -> Double.NaN));
        lines.add(new Line("Speed-up", s -> none, s -> Format.times(s.speedup()), s -> Double.NaN));
        lines.add(new Line("Non-finite outputs", s -> Format.count(s.fp32NonFinite()),
                s -> Format.count(s.int8NonFinite()), s -> Double.NaN));

        h.append("<section><h2>Summary</h2>\n<table class=\"summary\"><thead><tr><th></th><th>FP32</th>");
        for (MethodEvaluation e : evals) {
            h.append("<th>").append("<span class=\"dot\"").append(attr("style", "background:" + palette.color(e.method())))
                    .append("></span>").append(evals.size() > 1 ? "int8 \u00B7 " : "").append(escape(e.method()))
                    .append(e == input.primary() && evals.size() > 1 ? " <span class=\"tag\">summary</span>" : "")
                    .append("</th>");
        }
        h.append("</tr></thead>\n<tbody>\n");
        for (Line line : lines) {
            h.append("<tr><th>").append(escape(line.name())).append("</th><td>").append(escape(line.fp32().apply(p)))
                    .append("</td>");
            int best = best(sums, line.score());
            for (int i = 0; i < sums.size(); i++) {
                h.append(i == best ? "<td class=\"best\">" : "<td>").append(escape(line.int8().apply(sums.get(i))))
                        .append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("<tr><th>Model size</th><td>").append(escape(Format.bytes(input.fp32ModelBytes()))).append("</td>");
        for (MethodEvaluation e : evals) {
            h.append("<td>").append(escape(e == input.primary() ? Format.bytes(input.int8ModelBytes()) : none))
                    .append("</td>");
        }
        h.append("</tr>\n</tbody></table>\n");
        if (evals.size() > 1) {
            h.append("<p class=\"note\">Highlighted: the best method on that line. FP32 figures are those of the "
                    + "summary's run.</p>\n");
        }
        h.append("</section>\n");
    }

    /** Index of the highest finite score when several methods compete, else -1. */
    private static int best(List<EvaluationSummary> sums, ToDoubleFunction<EvaluationSummary> score) {
        if (sums.size() < 2) {
            return -1;
        }
        int best = -1;
        double top = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < sums.size(); i++) {
            double v = score.applyAsDouble(sums.get(i));
            if (!Double.isNaN(v) && v > top) {
                top = v;
                best = i;
            }
        }
        return best;
    }

    private static void layers(StringBuilder h, ReportInput input) {
        List<LayerError> ranked = input.layers().ranked();
        if (ranked.isEmpty()) {
            return;
        }
        h.append("<section><h2>Per-layer error</h2>\n<p class=\"note\">SQNR of the int8 model's dequantized "
                + "activation against FP32 at each quantized tensor, lowest (most damaged) first. "
                + "<span class=\"key low\"></span>below ").append(Format.tick(LayerSqnrChart.LOW_DB))
                .append(" dB <span class=\"key mid\"></span>").append(Format.tick(LayerSqnrChart.LOW_DB)).append("\u2013")
                .append(Format.tick(LayerSqnrChart.HIGH_DB)).append(" dB <span class=\"key high\"></span>above ")
                .append(Format.tick(LayerSqnrChart.HIGH_DB)).append(" dB</p>\n<div class=\"scroll\">")
                .append(LayerSqnrChart.svg(ranked)).append("</div></section>\n");
    }

    private static void histograms(StringBuilder h, ReportInput input, Palette palette) {
        Map<String, Histogram> hists = input.histograms();
        if (hists.isEmpty()) {
            return;
        }
        h.append("<section><h2>Activation histograms</h2>\n<p class=\"note\">Counts of |x| on a log scale from the "
                + "merged calibration histograms; a vertical line marks each method's threshold (amax for minmax). "
                + "Values beyond a line are clipped.</p>\n<div class=\"grid\">\n");
        for (Map.Entry<String, Histogram> e : hists.entrySet()) {
            List<ScaleRow> rows = input.scales().tensor(e.getKey()).stream().filter(ScaleRow::isPerTensor).toList();
            h.append(HistogramChart.render(e.getKey(), e.getValue(), rows, palette)).append('\n');
        }
        h.append("</div></section>\n");
    }

    private static void confusion(StringBuilder h, ReportInput input) {
        EvaluationState s = input.primary().state();
        if (s.fp32().labeledRows() == 0) {
            return;
        }
        List<String> names = input.classNames();
        h.append("<section><h2>Confusion matrices</h2>\n");
        if (ConfusionHeatmap.drawable(s.fp32())) {
            h.append("<p class=\"note\">Rows are true classes, columns predictions; shade is the share of the row "
                    + "(blue: correct, red: confused).</p>\n<div class=\"pair\">");
            for (String model : List.of("fp32", "int8")) {
                ModelAccuracy a = model.equals("fp32") ? s.fp32() : s.int8();
                h.append("<figure class=\"chart\"><figcaption>").append(model.equals("fp32") ? "FP32" : "int8")
                        .append(" <span class=\"muted\">\u00B7 top-1 ").append(Format.percent(a.top1()))
                        .append("</span></figcaption>").append(ConfusionHeatmap.svg(model, a, names)).append("</figure>");
            }
            h.append("</div>");
        } else {
            h.append("<p class=\"note\">").append(s.classes()).append(" classes: the most frequent confusions of the "
                    + "int8 model instead of a matrix.</p>\n");
            topConfusions(h, input, s.int8());
        }
        h.append("</section>\n");
    }

    private static void topConfusions(StringBuilder h, ReportInput input, ModelAccuracy a) {
        record Cell(int truth, int predicted, long count) {
        }
        List<Cell> cells = new ArrayList<>();
        if (a.hasConfusion()) {
            for (int t = 0; t < a.classes(); t++) {
                for (int p = 0; p < a.classes(); p++) {
                    if (t != p && a.confusion(t, p) > 0) {
                        cells.add(new Cell(t, p, a.confusion(t, p)));
                    }
                }
            }
        }
        cells.sort(Comparator.comparingLong(Cell::count).reversed());
        h.append("<table><thead><tr><th>True class</th><th>Predicted</th><th class=\"num\">Rows</th></tr></thead><tbody>");
        for (Cell c : cells.subList(0, Math.min(20, cells.size()))) {
            h.append("<tr><td>").append(escape(input.className(c.truth()))).append("</td><td>")
                    .append(escape(input.className(c.predicted()))).append("</td><td class=\"num\">")
                    .append(Format.count(c.count())).append("</td></tr>");
        }
        h.append("</tbody></table>\n");
    }

    private static void classes(StringBuilder h, ReportInput input) {
        EvaluationState s = input.primary().state();
        if (s.fp32().labeledRows() == 0 || s.classes() > 200) {
            return;
        }
        h.append("<section><h2>Accuracy per class</h2>\n<table><thead><tr><th>Class</th><th class=\"num\">Rows</th>"
                + "<th class=\"num\">FP32 top-1</th><th class=\"num\">int8 top-1</th><th class=\"num\">Change</th>"
                + "</tr></thead><tbody>\n");
        for (int c = 0; c < s.classes(); c++) {
            double f = s.fp32().classTop1(c);
            double q = s.int8().classTop1(c);
            double d = q - f;
            String tone = Double.isNaN(d) || Math.abs(d) < 0.005 ? "" : d < 0 ? " neg" : " pos";
            h.append("<tr><td>").append(escape(input.className(c))).append("</td><td class=\"num\">")
                    .append(Format.count(s.fp32().classCount(c))).append("</td><td class=\"num\">")
                    .append(Format.percent(f)).append("</td><td class=\"num\">").append(Format.percent(q))
                    .append("</td><td").append(attr("class", "num" + tone)).append('>').append(escape(Format.points(d)))
                    .append("</td></tr>\n");
        }
        h.append("</tbody></table></section>\n");
    }

    private static void fallback(StringBuilder h, ReportInput input) {
        if (input.fallback().isEmpty()) {
            return;
        }
        h.append("<section><h2>FP32 fallback</h2>\n<p class=\"note\">Layers kept in FP32 step by step, most damaged "
                + "first, and what the int8 model scored with them.</p>\n<table><thead><tr><th class=\"num\">Step</th>"
                + "<th>Kept in FP32</th><th class=\"num\">int8 top-1</th><th class=\"num\">Top-1 change</th>"
                + "<th class=\"num\">SQNR</th></tr></thead><tbody>\n");
        for (FallbackStep f : input.fallback()) {
            h.append("<tr><td class=\"num\">").append(f.step()).append("</td><td>");
            if (f.fp32Layers().isEmpty()) {
                h.append("<span class=\"muted\">none</span>");
            }
            for (int i = 0; i < f.fp32Layers().size(); i++) {
                h.append(i > 0 ? " " : "").append("<code>").append(escape(f.fp32Layers().get(i))).append("</code>");
            }
            h.append("</td><td class=\"num\">").append(Format.percent(f.int8Top1())).append("</td><td class=\"num\">")
                    .append(escape(Format.points(-f.top1Drop()))).append("</td><td class=\"num\">")
                    .append(escape(Format.decibels(f.sqnrDb()))).append("</td></tr>\n");
        }
        h.append("</tbody></table></section>\n");
    }

    private static void fp32Nodes(StringBuilder h, ReportInput input) {
        if (input.fp32Nodes().isEmpty()) {
            return;
        }
        h.append("<section><h2>Nodes left in FP32</h2>\n<p class=\"note\">").append(input.fp32Nodes().size())
                .append(" nodes run in FP32 (operators without an int8 kernel, or excluded).</p>\n<ul class=\"nodes\">");
        for (String n : input.fp32Nodes()) {
            h.append("<li><code>").append(escape(n)).append("</code></li>");
        }
        h.append("</ul></section>\n");
    }
}
