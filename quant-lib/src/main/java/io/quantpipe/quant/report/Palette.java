package io.quantpipe.quant.report;

import java.util.ArrayList;
import java.util.List;

/**
 * Colours of calibration methods, fixed for the whole report so a method looks the same in every
 * chart, and dash patterns that tell apart lines falling on the same threshold (and variants of
 * one method). Keys get their colour, and separately their dash, in order of first use.
 */
final class Palette {
    private static final String[] COLORS = {
        "#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#4b5563"
    };
    private static final String[] DASHES = {"", "7 4", "2 3", "9 3 2 3"};

    static final String FP32 = "#64748b";
    static final String INT8 = "#2563eb";

    private final List<String> colored = new ArrayList<>();
    private final List<String> dashed = new ArrayList<>();

    /** The colour of {@code key}. */
    String color(String key) {
        return COLORS[index(colored, key) % COLORS.length];
    }

    /** The dash pattern of {@code key}, empty for a solid line. */
    String dash(String key) {
        return DASHES[index(dashed, key) % DASHES.length];
    }

    /** The CSS border style closest to a dash pattern, for legend swatches. */
    static String borderStyle(String dash) {
        return dash.isEmpty() ? "solid" : dash.startsWith("2 ") ? "dotted" : "dashed";
    }

    private static int index(List<String> keys, String key) {
        int i = keys.indexOf(key);
        if (i < 0) {
            keys.add(key);
            i = keys.size() - 1;
        }
        return i;
    }
}
