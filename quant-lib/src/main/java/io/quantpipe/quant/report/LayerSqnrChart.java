package io.quantpipe.quant.report;

import static io.quantpipe.quant.report.Format.coord;
import static io.quantpipe.quant.report.Html.attr;
import static io.quantpipe.quant.report.Html.escape;

import io.quantpipe.quant.eval.LayerError;
import java.util.List;

/**
 * Per-layer SQNR as a ranked horizontal bar chart, most damaged layer on top. Bars are coloured by
 * band (below {@value #LOW_DB} dB, below {@value #HIGH_DB} dB, above) so the layers worth a look
 * stand out; an infinite SQNR (identical activations) fills the axis. The axis stops at
 * {@value #AXIS_MAX_DB} dB, far above what 8-bit quantization leaves (about 50 dB for an ideal
 * quantizer), so one nearly lossless tensor (uint8 pixels quantized to uint8, ~145 dB) does not
 * squeeze the layers worth a look into a corner; its bar fills the axis and its label says the value.
 *
 * <p>The {@code svg} carries {@code data-chart="layer-sqnr"}; each bar {@code data-tensor},
 * {@code data-rank}, {@code data-sqnr} and {@code data-cosine} ({@link Double#toString(double)}).
 */
final class LayerSqnrChart {
    static final double LOW_DB = 20;
    static final double HIGH_DB = 30;
    static final double AXIS_MAX_DB = 80;
    private static final int WIDTH = 1080;
    private static final int LABEL = 300;
    private static final int VALUE = 120;
    private static final int ROW = 22;
    private static final int BAR = 15;
    private static final int TOP = 8;
    private static final int BOTTOM = 34;
    private static final int MAX_LABEL_CHARS = 44;

    private LayerSqnrChart() {
    }

    static String svg(List<LayerError> layers) {
        double max = 40;
        for (LayerError e : layers) {
            if (Double.isFinite(e.sqnrDb())) {
                max = Math.max(max, e.sqnrDb());
            }
        }
        max = Math.min(Math.ceil(max / 10) * 10, AXIS_MAX_DB);
        double plotW = WIDTH - LABEL - VALUE;
        int height = TOP + layers.size() * ROW + BOTTOM;
        double base = TOP + layers.size() * ROW;
        StringBuilder s = new StringBuilder();
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\"")
                .append(attr("viewBox", "0 0 " + WIDTH + " " + height))
                .append(attr("width", Integer.toString(WIDTH))).append(attr("height", Integer.toString(height)))
                .append(attr("data-chart", "layer-sqnr")).append(attr("aria-label", "SQNR per layer, lowest first"))
                .append('>');
        for (double t : Ticks.upTo(max, 8)) {
            double x = LABEL + t / max * plotW;
            s.append("<line class=\"grid\"").append(attr("x1", coord(x))).append(attr("x2", coord(x)))
                    .append(attr("y1", coord(TOP))).append(attr("y2", coord(base))).append("/>");
            s.append("<text class=\"tick\" text-anchor=\"middle\"").append(attr("x", coord(x)))
                    .append(attr("y", coord(base + 16))).append('>').append(escape(Format.tick(t))).append("</text>");
        }
        s.append("<text class=\"label\" text-anchor=\"middle\"").append(attr("x", coord(LABEL + plotW / 2)))
                .append(attr("y", coord(height - 4))).append(">SQNR (dB), higher is better</text>");
        for (int i = 0; i < layers.size(); i++) {
            LayerError e = layers.get(i);
            double y = TOP + i * ROW + (ROW - BAR) / 2.0;
            double db = e.sqnrDb();
            double width = Double.isNaN(db) || db <= 0 ? 0 : Math.min(db, max) / max * plotW;
            s.append("<text class=\"name\" text-anchor=\"end\"").append(attr("x", coord(LABEL - 8)))
                    .append(attr("y", coord(y + BAR - 3))).append('>').append(escape(shorten(e.tensor())))
                    .append("<title>").append(escape(e.tensor())).append("</title></text>");
            s.append("<rect").append(attr("class", "bar " + band(db)))
                    .append(attr("x", coord(LABEL))).append(attr("y", coord(y)))
                    .append(attr("width", coord(width))).append(attr("height", Integer.toString(BAR)))
                    .append(attr("rx", "2"))
                    .append(attr("data-tensor", e.tensor())).append(attr("data-rank", Integer.toString(e.rank())))
                    .append(attr("data-sqnr", Double.toString(db))).append(attr("data-cosine", Double.toString(e.cosine())))
                    .append("><title>").append(escape("#" + e.rank() + " " + e.tensor() + ": " + Format.decibels(db)
                            + ", cosine " + Format.number(e.cosine()) + ", MSE " + Format.number(e.mse())))
                    .append("</title></rect>");
            s.append("<text class=\"value\"").append(attr("x", coord(LABEL + width + 6)))
                    .append(attr("y", coord(y + BAR - 3))).append('>').append(escape(Format.decibels(db)))
                    .append("</text>");
        }
        s.append("<line class=\"axis\"").append(attr("x1", coord(LABEL))).append(attr("x2", coord(LABEL)))
                .append(attr("y1", coord(TOP))).append(attr("y2", coord(base))).append("/>");
        s.append("</svg>");
        return s.toString();
    }

    static String band(double db) {
        if (Double.isNaN(db)) {
            return "none";
        }
        return db < LOW_DB ? "low" : db < HIGH_DB ? "mid" : "high";
    }

    /** Long names keep their start and end, which is where ONNX exporters put the layer. */
    static String shorten(String name) {
        if (name.length() <= MAX_LABEL_CHARS) {
            return name;
        }
        int keep = (MAX_LABEL_CHARS - 1) / 2;
        return name.substring(0, keep) + "\u2026" + name.substring(name.length() - keep);
    }
}
