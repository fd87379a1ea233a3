package io.quantpipe.quant.report;

import java.util.Locale;

/** How numbers read in the HTML report; NaN (not measured) is an em dash. */
final class Format {
    static final String NONE = "\u2014";

    private Format() {
    }

    /** A fraction as a percentage, {@code 91.84%}. */
    static String percent(double fraction) {
        return Double.isNaN(fraction) ? NONE : String.format(Locale.ROOT, "%.2f%%", 100 * fraction);
    }

    /** A difference of fractions in percentage points, signed: {@code +0.31 pp}, {@code \u22120.12 pp}. */
    static String points(double fractionDiff) {
        if (Double.isNaN(fractionDiff)) {
            return NONE;
        }
        double pp = 100 * fractionDiff;
        String s = String.format(Locale.ROOT, "%.2f", Math.abs(pp));
        String sign = s.equals("0.00") ? "\u00B1" : pp < 0 ? "\u2212" : "+";
        return sign + s + " pp";
    }

    static String decibels(double db) {
        if (Double.isNaN(db)) {
            return NONE;
        }
        if (Double.isInfinite(db)) {
            return db > 0 ? "\u221E dB" : "\u2212\u221E dB";
        }
        return String.format(Locale.ROOT, "%.1f dB", db);
    }

    /** Four significant digits, no exponent for ordinary magnitudes. */
    static String number(double v) {
        if (Double.isNaN(v)) {
            return NONE;
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "\u221E" : "\u2212\u221E";
        }
        if (v == 0) {
            return "0";
        }
        double a = Math.abs(v);
        if (a >= 1e-3 && a < 1e5) {
            String s = String.format(Locale.ROOT, "%.4g", v);
            return s.contains("e") ? String.format(Locale.ROOT, "%.4e", v) : s;
        }
        return String.format(Locale.ROOT, "%.3e", v);
    }

    static String millis(double ms) {
        if (Double.isNaN(ms)) {
            return NONE;
        }
        return String.format(Locale.ROOT, ms < 10 ? "%.3f ms" : "%.1f ms", ms);
    }

    static String times(double ratio) {
        return Double.isNaN(ratio) ? NONE : String.format(Locale.ROOT, "%.2f\u00D7", ratio);
    }

    static String bytes(long bytes) {
        if (bytes < 0) {
            return NONE;
        }
        if (bytes < 1024) {
            return bytes + " B";
        }
        if (bytes < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        }
        return String.format(Locale.ROOT, "%.2f MiB", bytes / (1024.0 * 1024));
    }

    /** A count with thin grouping: {@code 10,000}. */
    static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** Coordinates with two decimals: SVG needs no more and the page stays small. */
    static String coord(double v) {
        String s = String.format(Locale.ROOT, "%.2f", v);
        // Trim "12.50" to "12.5" and "12.00" to "12".
        if (s.indexOf('.') >= 0) {
            int end = s.length();
            while (s.charAt(end - 1) == '0') {
                end--;
            }
            if (s.charAt(end - 1) == '.') {
                end--;
            }
            s = s.substring(0, end);
        }
        return s.equals("-0") ? "0" : s;
    }

    /** A tick label: short, as many digits as the step needs. */
    static String tick(double v) {
        if (v == 0) {
            return "0";
        }
        double a = Math.abs(v);
        if (a >= 1e-3 && a < 1e5) {
            String s = String.format(Locale.ROOT, "%.4f", v);
            s = s.replaceAll("0+$", "");
            return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
        }
        return String.format(Locale.ROOT, "%.1e", v);
    }
}
