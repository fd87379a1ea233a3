package io.quantpipe.quant.report;

import static io.quantpipe.quant.report.Format.coord;
import static io.quantpipe.quant.report.Html.attr;
import static io.quantpipe.quant.report.Html.escape;

import io.quantpipe.quant.io.ScaleRow;
import io.quantpipe.quant.observe.Histogram;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A tensor's activation histogram as an SVG chart: counts of |x| on a log axis (log10(1 + count)),
 * with a vertical line at each calibration method's threshold for that tensor: the scale table's
 * {@code threshold}, or its {@code amax} for methods without one (minmax, whose threshold is the
 * range itself). Bins of the merged histogram are summed in whole groups (never split) into at
 * most {@value #BARS} bars over [0, a little beyond the largest of |x| and every threshold].
 *
 * <p>The {@code svg} carries {@code data-chart="histogram"}, {@code data-tensor}, {@code data-total};
 * each method line {@code data-method}, {@code data-params}, {@code data-threshold} (the value the
 * line marks, as above), {@code data-amax} and, for methods with a threshold of their own,
 * {@code data-method-threshold}; values written by {@link Float#toString(float)} like
 * {@code scales.json}.
 */
final class HistogramChart {
    static final int BARS = 120;
    private static final int WIDTH = 540;
    private static final int HEIGHT = 230;
    private static final int LEFT = 52;
    private static final int RIGHT = 14;
    private static final int TOP = 12;
    private static final int BOTTOM = 40;

    private HistogramChart() {
    }

    /** The chart and its legend; {@code rows} are the tensor's per-tensor scale rows. */
    static String render(String tensor, Histogram h, List<ScaleRow> rows, Palette palette) {
        StringBuilder out = new StringBuilder();
        out.append("<figure class=\"chart histogram\">");
        out.append("<figcaption><code>").append(escape(tensor)).append("</code>")
                .append("<span class=\"muted\"> \u00B7 ").append(Format.count(h.totalCount()))
                .append(" values</span></figcaption>");
        out.append(svg(tensor, h, rows, palette));
        out.append("<ul class=\"legend\">");
        for (ScaleRow r : rows) {
            String label = label(r, rows);
            out.append("<li><span class=\"swatch\" style=\"border-top: 3px ")
                    .append(Palette.borderStyle(palette.dash(label))).append(' ')
                    .append(palette.color(r.method())).append("\"></span>")
                    .append(escape(label)).append(" <span class=\"muted\">")
                    .append(escape(Format.number(marked(r)))).append("</span></li>");
        }
        out.append("</ul></figure>");
        return out.toString();
    }

    /**
     * The method's name, with its parameter values when {@code rows} hold the method more than once,
     * e.g. {@code percentile (99.9)} and {@code percentile (99.99)}.
     */
    static String label(ScaleRow r, List<ScaleRow> rows) {
        long same = rows.stream().filter(o -> o.method().equals(r.method())).count();
        if (same < 2 || r.params().isEmpty()) {
            return r.method();
        }
        String params = r.params().asMap().entrySet().stream()
                .map(e -> e.getValue() instanceof Double d ? Format.tick(d) : String.valueOf(e.getValue()))
                .collect(Collectors.joining(", "));
        return r.method() + " (" + params + ")";
    }

    static String svg(String tensor, Histogram h, List<ScaleRow> rows, Palette palette) {
        long[] abs = h.absCounts();
        double w = h.binWidth();
        int last = -1;
        for (int j = abs.length - 1; j >= 0; j--) {
            if (abs[j] != 0) {
                last = j;
                break;
            }
        }
        double xmax = (last + 1) * w;
        for (ScaleRow r : rows) {
            if (Float.isFinite(marked(r))) {
                xmax = Math.max(xmax, marked(r));
            }
        }
        xmax = xmax > 0 ? xmax * 1.04 : 1;
        int group = (int) Math.max(1, Math.ceil(xmax / w / BARS));
        int bars = (int) Math.min(Math.ceil(abs.length / (double) group), Math.ceil(xmax / (group * w)));
        long[] counts = new long[bars];
        long top = 0;
        for (int j = 0; j < abs.length && j / group < bars; j++) {
            counts[j / group] += abs[j];
        }
        for (long c : counts) {
            top = Math.max(top, c);
        }
        double plotW = WIDTH - LEFT - RIGHT;
        double plotH = HEIGHT - TOP - BOTTOM;
        double base = TOP + plotH;
        double logTop = Math.log10(1 + Math.max(top, 10));

        StringBuilder s = new StringBuilder();
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\"")
                .append(attr("viewBox", "0 0 " + WIDTH + " " + HEIGHT))
                .append(attr("width", Integer.toString(WIDTH))).append(attr("height", Integer.toString(HEIGHT)))
                .append(attr("data-chart", "histogram")).append(attr("data-tensor", tensor))
                .append(attr("data-total", Long.toString(h.totalCount())))
                .append(attr("data-bin-width", Double.toString(group * w)))
                .append(attr("aria-label", "histogram of |x| for " + tensor)).append('>');
        // Grid and the y axis: powers of ten.
        int decades = (int) Math.floor(Math.log10(Math.max(top, 10)));
        int every = decades > 6 ? 2 : 1;
        for (int k = 0; k <= decades; k += every) {
            double y = base - Math.log10(1 + Math.pow(10, k)) / logTop * plotH;
            s.append("<line class=\"grid\"").append(attr("x1", coord(LEFT))).append(attr("x2", coord(LEFT + plotW)))
                    .append(attr("y1", coord(y))).append(attr("y2", coord(y))).append("/>");
            s.append("<text class=\"tick\" text-anchor=\"end\"").append(attr("x", coord(LEFT - 6)))
                    .append(attr("y", coord(y + 4))).append('>').append(powerOfTen(k)).append("</text>");
        }
        // Bars as one stepped area.
        if (h.totalCount() > 0) {
            StringBuilder d = new StringBuilder("M").append(coord(LEFT)).append(',').append(coord(base));
            for (int b = 0; b < bars; b++) {
                double x0 = LEFT + b * group * w / xmax * plotW;
                double x1 = Math.min(LEFT + plotW, LEFT + (b + 1) * group * w / xmax * plotW);
                double y = base - Math.log10(1 + counts[b]) / logTop * plotH;
                d.append("L").append(coord(x0)).append(',').append(coord(y))
                        .append("L").append(coord(x1)).append(',').append(coord(y));
            }
            double xEnd = Math.min(LEFT + plotW, LEFT + bars * group * w / xmax * plotW);
            d.append("L").append(coord(xEnd)).append(',').append(coord(base)).append('Z');
            s.append("<path class=\"bars\"").append(attr("d", d.toString())).append("/>");
        } else {
            s.append("<text class=\"empty\" text-anchor=\"middle\"").append(attr("x", coord(LEFT + plotW / 2)))
                    .append(attr("y", coord(TOP + plotH / 2))).append(">no finite values</text>");
        }
        // x axis.
        s.append("<line class=\"axis\"").append(attr("x1", coord(LEFT))).append(attr("x2", coord(LEFT + plotW)))
                .append(attr("y1", coord(base))).append(attr("y2", coord(base))).append("/>");
        for (double t : Ticks.upTo(xmax, 6)) {
            double x = LEFT + t / xmax * plotW;
            s.append("<line class=\"axis\"").append(attr("x1", coord(x))).append(attr("x2", coord(x)))
                    .append(attr("y1", coord(base))).append(attr("y2", coord(base + 4))).append("/>");
            s.append("<text class=\"tick\" text-anchor=\"middle\"").append(attr("x", coord(x)))
                    .append(attr("y", coord(base + 16))).append('>').append(escape(Format.tick(t))).append("</text>");
        }
        s.append("<text class=\"label\" text-anchor=\"middle\"").append(attr("x", coord(LEFT + plotW / 2)))
                .append(attr("y", coord(HEIGHT - 4))).append(">|x|</text>");
        s.append("<text class=\"label\" text-anchor=\"middle\"")
                .append(attr("transform", "translate(12," + coord(TOP + plotH / 2) + ") rotate(-90)"))
                .append(">count (log)</text>");
        // One line per method, at the clipping range's |max|.
        for (ScaleRow r : rows) {
            if (!Float.isFinite(marked(r))) {
                continue;
            }
            String label = label(r, rows);
            double x = LEFT + marked(r) / xmax * plotW;
            s.append("<line class=\"method\"").append(attr("x1", coord(x))).append(attr("x2", coord(x)))
                    .append(attr("y1", coord(TOP))).append(attr("y2", coord(base)))
                    .append(attr("stroke", palette.color(r.method())));
            if (!palette.dash(label).isEmpty()) {
                s.append(attr("stroke-dasharray", palette.dash(label)));
            }
            s.append(attr("data-method", r.method())).append(attr("data-params", paramsText(r.params().asMap())))
                    .append(attr("data-threshold", Float.toString(marked(r))))
                    .append(attr("data-amax", Float.toString(r.amax())));
            if (!Float.isNaN(r.threshold())) {
                s.append(attr("data-method-threshold", Float.toString(r.threshold())));
            }
            String params = paramsText(r.params().asMap());
            s.append("><title>").append(escape(label + (params.isEmpty() ? "" : " [" + params + "]")
                    + ": amax " + Format.number(r.amax())
                    + (Float.isNaN(r.threshold()) ? "" : ", threshold " + Format.number(r.threshold()))))
                    .append("</title></line>");
        }
        s.append("</svg>");
        return s.toString();
    }

    /** The value a method's line marks: its threshold, or amax when it has none. */
    static float marked(ScaleRow r) {
        return Float.isNaN(r.threshold()) ? r.amax() : r.threshold();
    }

    private static String paramsText(Map<String, Object> params) {
        return params.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
    }

    private static String powerOfTen(int k) {
        return switch (k) {
            case 0 -> "1";
            case 1 -> "10";
            case 2 -> "100";
            case 3 -> "1k";
            case 4 -> "10k";
            case 5 -> "100k";
            case 6 -> "1M";
            case 7 -> "10M";
            case 8 -> "100M";
            case 9 -> "1G";
            default -> "1e" + k;
        };
    }
}
