package io.quantpipe.quant.calibrate;

import io.quantpipe.quant.ConfigException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/**
 * Calibration methods as strings: {@code name[:param[,param...]]}, each param {@code key=value}, the
 * first one optionally given by value alone. Names are case-insensitive.
 *
 * <pre>
 * minmax
 * percentile[:P][,sides=1|2]                       P in (0, 100], default 99.99; sides=2 cuts both tails
 * entropy[:kl|symmetric-kl|js][,levels=auto|L][,zero=smooth|keep]
 *                                                  defaults kl, auto, smooth (see below)
 * mse[:start_bin=B][,max_candidates=N]             defaults 128 and 1024
 * </pre>
 * e.g. {@code "percentile:99.999"}, {@code "entropy:js"}, {@code "entropy:divergence=kl,levels=64"},
 * {@code "entropy:kl,zero=keep"}. Entropy's {@code levels=auto} takes the level count from the target
 * (256 for uint8 affine on non-negative data, else 128 for 8-bit types), {@code L} in [2, 4096] fixes
 * it; {@code zero=smooth} gives bin 0 (exact zeros) bin 1's count before the search, as
 * pytorch-quantization and Model Optimizer do, {@code zero=keep} searches the plain histogram, as
 * TensorRT and ONNX Runtime do. TensorRT's own setting is {@code entropy:kl,levels=128,zero=keep}.
 * {@link #spec} writes the canonical form ({@code name:key=value,...}) that parses back to an equal
 * calibrator.
 */
public final class CalibrationMethod {
    /** Known method names. */
    public static final List<String> NAMES = List.of("minmax", "percentile", "entropy", "mse");

    private CalibrationMethod() {
    }

    /** The calibrator a spec names. */
    public static Calibrator parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new ConfigException("calibration method: expected one of " + String.join(", ", NAMES) + ", found an empty name");
        }
        String s = spec.trim();
        int colon = s.indexOf(':');
        String name = (colon < 0 ? s : s.substring(0, colon)).trim().toLowerCase(Locale.ROOT);
        String args = colon < 0 ? null : s.substring(colon + 1);
        return switch (name) {
            case "minmax" -> {
                params(spec, args, null, Set.of());
                yield new MinMaxCalibrator();
            }
            case "percentile" -> {
                Map<String, String> p = params(spec, args, "percentile", Set.of("percentile", "sides"));
                double pct = p.containsKey("percentile")
                        ? number(spec, "percentile", p.get("percentile"))
                        : PercentileCalibrator.DEFAULT_PERCENTILE;
                int sides = p.containsKey("sides") ? integer(spec, "sides", p.get("sides")) : 1;
                if (sides != 1 && sides != 2) {
                    throw new ConfigException("calibration method '" + spec + "': expected sides 1 or 2, found " + sides);
                }
                yield new PercentileCalibrator(pct, sides == 2);
            }
            case "entropy" -> {
                Map<String, String> p = params(spec, args, "divergence", Set.of("divergence", "levels", "zero"));
                EntropyCalibrator.Divergence d = p.containsKey("divergence")
                        ? EntropyCalibrator.Divergence.of(p.get("divergence"))
                        : EntropyCalibrator.Divergence.KL;
                int levels = !p.containsKey("levels") || p.get("levels").equalsIgnoreCase("auto")
                        ? EntropyCalibrator.AUTO_LEVELS
                        : integer(spec, "levels", p.get("levels"));
                EntropyCalibrator.ZeroBin zero = p.containsKey("zero")
                        ? EntropyCalibrator.ZeroBin.of(p.get("zero"))
                        : EntropyCalibrator.ZeroBin.SMOOTH;
                yield new EntropyCalibrator(d, levels, zero);
            }
            case "mse" -> {
                Map<String, String> p = params(spec, args, null, Set.of("start_bin", "max_candidates"));
                int start = p.containsKey("start_bin")
                        ? integer(spec, "start_bin", p.get("start_bin"))
                        : MseCalibrator.DEFAULT_START_BIN;
                int max = p.containsKey("max_candidates")
                        ? integer(spec, "max_candidates", p.get("max_candidates"))
                        : MseCalibrator.DEFAULT_MAX_CANDIDATES;
                yield new MseCalibrator(start, max);
            }
            default -> throw new ConfigException("calibration method: expected one of " + String.join(", ", NAMES)
                    + ", found '" + spec.trim() + "'");
        };
    }

    /** Parses every spec, in order. */
    public static List<Calibrator> parseAll(List<String> specs) {
        List<Calibrator> out = new ArrayList<>(specs.size());
        for (String s : specs) {
            out.add(parse(s));
        }
        return out;
    }

    /**
     * One of each method on its defaults: minmax, percentile (99.99), entropy (KL, levels from the
     * target, zeros smoothed), mse.
     */
    public static List<Calibrator> defaults() {
        return List.of(new MinMaxCalibrator(), new PercentileCalibrator(), new EntropyCalibrator(), new MseCalibrator());
    }

    /** Canonical spec, {@code name} or {@code name:key=value,...}, that {@link #parse} reads back. */
    public static String spec(Calibrator calibrator) {
        Map<String, Object> p = calibrator.parameters();
        if (p.isEmpty()) {
            return calibrator.name();
        }
        StringJoiner j = new StringJoiner(",", calibrator.name() + ":", "");
        p.forEach((k, v) -> j.add(k + "=" + v));
        return j.toString();
    }

    private static Map<String, String> params(String spec, String args, String positional, Set<String> known) {
        Map<String, String> out = new LinkedHashMap<>();
        if (args == null) {
            return out;
        }
        String[] items = args.split(",", -1);
        for (int i = 0; i < items.length; i++) {
            String item = items[i].trim();
            if (item.isEmpty()) {
                throw new ConfigException("calibration method '" + spec + "': expected key=value parameters, found an empty one");
            }
            int eq = item.indexOf('=');
            String key;
            String value;
            if (eq >= 0) {
                key = item.substring(0, eq).trim().toLowerCase(Locale.ROOT);
                value = item.substring(eq + 1).trim();
            } else if (i == 0 && positional != null) {
                key = positional;
                value = item;
            } else {
                throw new ConfigException("calibration method '" + spec + "': expected key=value, found '" + item + "'"
                        + (known.isEmpty() ? " (this method takes no parameters)" : " (parameters: " + String.join(", ", sorted(known)) + ")"));
            }
            if (!known.contains(key)) {
                throw new ConfigException("calibration method '" + spec + "': unknown parameter '" + key + "'"
                        + (known.isEmpty() ? ", this method takes none" : ", expected one of " + String.join(", ", sorted(known))));
            }
            if (value.isEmpty()) {
                throw new ConfigException("calibration method '" + spec + "': expected a value for " + key + ", found none");
            }
            if (out.put(key, value) != null) {
                throw new ConfigException("calibration method '" + spec + "': expected " + key + " once, found it twice");
            }
        }
        return out;
    }

    private static List<String> sorted(Set<String> keys) {
        return keys.stream().sorted().toList();
    }

    private static double number(String spec, String key, String value) {
        try {
            double d = Double.parseDouble(value);
            if (Double.isFinite(d)) {
                return d;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ConfigException("calibration method '" + spec + "': expected a number for " + key + ", found '" + value + "'");
    }

    private static int integer(String spec, String key, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new ConfigException("calibration method '" + spec + "': expected an integer for " + key + ", found '" + value + "'");
        }
    }
}
