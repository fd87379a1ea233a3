package io.quantpipe.jobs.calibrate;

import io.quantpipe.quant.ConfigException;
import io.quantpipe.quant.calibrate.CalibrationMethod;
import io.quantpipe.quant.calibrate.Calibrator;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The calibration methods of a run, from {@code --methods} or {@code quantpipe.calibrate.methods}.
 * A method's parameters are separated by commas too ({@code percentile:99.9,sides=2}), so a list
 * typed as one comma-separated string is re-joined: a piece that does not start with a method name
 * belongs to the method before it.
 */
final class MethodList {
    private MethodList() {
    }

    /** The specs, re-joined where a method's parameters were split off. */
    static List<String> specs(List<String> items) {
        List<String> out = new ArrayList<>();
        for (String item : items) {
            for (String piece : item.split(",")) {
                String p = piece.strip();
                if (p.isEmpty()) {
                    continue;
                }
                if (out.isEmpty() || startsWithMethodName(p)) {
                    out.add(p);
                } else {
                    out.set(out.size() - 1, out.get(out.size() - 1) + "," + p);
                }
            }
        }
        return out;
    }

    /** The calibrators, in order; each method once. */
    static List<Calibrator> parse(List<String> items) {
        List<String> specs = specs(items);
        if (specs.isEmpty()) {
            throw new ConfigException("calibration methods: expected at least one of "
                    + String.join(", ", CalibrationMethod.NAMES) + ", found none");
        }
        List<Calibrator> out = CalibrationMethod.parseAll(specs);
        Set<String> seen = new HashSet<>();
        for (Calibrator c : out) {
            String canonical = CalibrationMethod.spec(c);
            if (!seen.add(canonical)) {
                throw new ConfigException("calibration methods: expected each method once, found " + canonical
                        + " twice in " + specs);
            }
        }
        return out;
    }

    private static boolean startsWithMethodName(String piece) {
        int colon = piece.indexOf(':');
        String name = (colon < 0 ? piece : piece.substring(0, colon)).strip().toLowerCase(Locale.ROOT);
        return CalibrationMethod.NAMES.contains(name);
    }
}
