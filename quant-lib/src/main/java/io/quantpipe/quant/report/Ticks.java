package io.quantpipe.quant.report;

import java.util.ArrayList;
import java.util.List;

/** Axis ticks at "nice" steps (1, 2 or 5 times a power of ten), as chart libraries place them. */
final class Ticks {
    private Ticks() {
    }

    /** About {@code count} ticks from 0 to at most {@code max}, 0 included. */
    static List<Double> upTo(double max, int count) {
        List<Double> ticks = new ArrayList<>();
        if (!(max > 0) || Double.isInfinite(max)) {
            ticks.add(0.0);
            return ticks;
        }
        double step = step(max, count);
        for (int i = 0; i * step <= max * (1 + 1e-9); i++) {
            ticks.add(i * step);
        }
        return ticks;
    }

    static double step(double range, int count) {
        double raw = range / Math.max(1, count);
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        double norm = raw / magnitude;
        double nice = norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10;
        return nice * magnitude;
    }
}
