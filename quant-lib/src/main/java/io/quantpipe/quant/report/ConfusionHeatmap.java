package io.quantpipe.quant.report;

import static io.quantpipe.quant.report.Format.coord;
import static io.quantpipe.quant.report.Html.attr;
import static io.quantpipe.quant.report.Html.escape;

import io.quantpipe.quant.eval.ModelAccuracy;
import java.util.List;
import java.util.Locale;

/**
 * A confusion matrix as an SVG heatmap: rows are true classes, columns predictions, each cell
 * shaded by its share of the row (blue on the diagonal, red off it, square-root scaled so rare
 * confusions still show) and labelled with its count when it fits. Drawn up to
 * {@value #MAX_CLASSES} classes.
 *
 * <p>The {@code svg} carries {@code data-chart="confusion"} and {@code data-model}; every cell,
 * zeros included, {@code data-true}, {@code data-pred} and {@code data-count}.
 */
final class ConfusionHeatmap {
    static final int MAX_CLASSES = 40;
    private static final int LABEL = 96;
    private static final int GRID = 400;
    private static final int BOTTOM = 86;
    private static final int TOP = 22;
    private static final int MAX_LABEL_CHARS = 14;

    private ConfusionHeatmap() {
    }

    static boolean drawable(ModelAccuracy a) {
        return a.hasConfusion() && a.classes() <= MAX_CLASSES && a.labeledRows() > 0;
    }

    static String svg(String model, ModelAccuracy a, List<String> names) {
        int n = a.classes();
        double cell = Math.max(8, Math.min(40, Math.floor(GRID / (double) n)));
        double size = cell * n;
        int width = (int) Math.ceil(LABEL + size + 8);
        int height = (int) Math.ceil(TOP + size + BOTTOM);
        boolean numbers = cell >= 22;
        StringBuilder s = new StringBuilder();
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\"")
                .append(attr("viewBox", "0 0 " + width + " " + height))
                .append(attr("width", Integer.toString(width))).append(attr("height", Integer.toString(height)))
                .append(attr("data-chart", "confusion")).append(attr("data-model", model))
                .append(attr("aria-label", model + " confusion matrix")).append('>');
        s.append("<text class=\"label\"").append(attr("x", coord(LABEL))).append(attr("y", "14"))
                .append(">true class \u2193 \u00B7 predicted \u2192</text>");
        for (int t = 0; t < n; t++) {
            long rowTotal = 0;
            for (int p = 0; p < n; p++) {
                rowTotal += a.confusion(t, p);
            }
            double y = TOP + t * cell;
            s.append("<text class=\"tick\" text-anchor=\"end\"").append(attr("x", coord(LABEL - 6)))
                    .append(attr("y", coord(y + cell / 2 + 4))).append('>').append(escape(shorten(name(names, t))))
                    .append("</text>");
            for (int p = 0; p < n; p++) {
                long count = a.confusion(t, p);
                double share = rowTotal == 0 ? 0 : (double) count / rowTotal;
                double x = LABEL + p * cell;
                s.append("<rect class=\"cell\"").append(attr("x", coord(x))).append(attr("y", coord(y)))
                        .append(attr("width", coord(cell - 1))).append(attr("height", coord(cell - 1)))
                        .append(attr("fill", fill(count, share, t == p)))
                        .append(attr("data-true", Integer.toString(t))).append(attr("data-pred", Integer.toString(p)))
                        .append(attr("data-count", Long.toString(count)))
                        .append("><title>").append(escape(name(names, t) + " \u2192 " + name(names, p) + ": "
                                + Format.count(count) + (rowTotal == 0 ? "" : " (" + Format.percent(share) + ")")))
                        .append("</title></rect>");
                if (numbers && count > 0) {
                    boolean dark = Math.sqrt(share) > 0.55;
                    s.append("<text text-anchor=\"middle\"").append(attr("class", dark ? "count light" : "count"))
                            .append(attr("x", coord(x + (cell - 1) / 2))).append(attr("y", coord(y + cell / 2 + 3.5)))
                            .append('>').append(compact(count)).append("</text>");
                }
            }
        }
        for (int p = 0; p < n; p++) {
            double x = LABEL + p * cell + cell / 2;
            double y = TOP + size + 8;
            s.append("<text class=\"tick\" text-anchor=\"end\"")
                    .append(attr("transform", "translate(" + coord(x + 3) + "," + coord(y) + ") rotate(-45)"))
                    .append('>').append(escape(shorten(name(names, p)))).append("</text>");
        }
        s.append("</svg>");
        return s.toString();
    }

    /** White for zero; then blue (diagonal) or red (confusion) with opacity growing as sqrt(share). */
    private static String fill(long count, double share, boolean diagonal) {
        if (count == 0) {
            return "#f8fafc";
        }
        double a = 0.08 + 0.92 * Math.sqrt(share);
        int[] rgb = diagonal ? new int[] {37, 99, 235} : new int[] {220, 38, 38};
        // Blend over white, so the page needs no opacity support.
        return String.format(Locale.ROOT, "#%02x%02x%02x", blend(rgb[0], a), blend(rgb[1], a), blend(rgb[2], a));
    }

    private static int blend(int c, double a) {
        return (int) Math.round(255 - (255 - c) * a);
    }

    private static String compact(long n) {
        if (n < 10_000) {
            return Long.toString(n);
        }
        return n < 1_000_000 ? Math.round(n / 1000.0) + "k" : String.format(Locale.ROOT, "%.1fM", n / 1e6);
    }

    private static String name(List<String> names, int c) {
        return names != null && c < names.size() ? names.get(c) : Integer.toString(c);
    }

    private static String shorten(String name) {
        return name.length() <= MAX_LABEL_CHARS ? name : name.substring(0, MAX_LABEL_CHARS - 1) + "\u2026";
    }
}
