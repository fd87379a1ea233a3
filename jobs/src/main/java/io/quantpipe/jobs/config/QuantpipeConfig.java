package io.quantpipe.jobs.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.quantpipe.quant.ConfigException;
import io.quantpipe.quant.calibrate.MseWeightRange;
import io.quantpipe.quant.onnx.WeightRangeFunction;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Typed view of the resolved configuration. Every key is read and checked when the view is built,
 * so a wrong value fails before any Spark work starts; the error names the key and where it came
 * from. Keys without a typed getter yet can be read with {@link #getString}, {@link #getInt}, ...
 */
public final class QuantpipeConfig {
    private final Config config;
    private final Map<String, String> sources;
    private final List<String> knownKeys;

    QuantpipeConfig(Config config, Map<String, String> sources, List<String> knownKeys) {
        this.config = config;
        this.sources = Map.copyOf(sources);
        this.knownKeys = List.copyOf(knownKeys);
        validate();
    }

    /** The defaults alone. */
    public static QuantpipeConfig defaults() {
        return new ConfigResolver().resolve();
    }

    /** The defaults with some {@code key=value} pairs applied, as {@code --set} would. */
    public static QuantpipeConfig of(String... pairs) {
        ConfigResolver r = new ConfigResolver();
        for (String p : pairs) {
            r.set(p);
        }
        return r.resolve();
    }

    private void validate() {
        sparkMaster();
        appName();
        sparkConf();
        tensorColumn();
        labelColumn();
        shape();
        dataEncoding();
        uint8Scale();
        uint8Mean();
        uint8Std();
        nonFinite();
        ingestPartitions();
        calibrateMethods();
        calibratePartitions();
        calibrateBatchSize();
        binsPerSide();
        intraOpThreads();
        quantizePreset();
        quantizeMethod();
        evaluateBatchSize();
    }

    // ---- quantpipe.spark

    /** {@code quantpipe.spark.master}: used when the SparkConf has no {@code spark.master}. */
    public String sparkMaster() {
        return nonEmptyString("quantpipe.spark.master");
    }

    /** {@code quantpipe.spark.app-name}. */
    public String appName() {
        return nonEmptyString("quantpipe.spark.app-name");
    }

    /** {@code quantpipe.spark.conf}: extra Spark properties, by their dotted names. */
    public Map<String, String> sparkConf() {
        String key = "quantpipe.spark.conf";
        Map<String, String> out = new TreeMap<>();
        Config sub = read(key, () -> config.getConfig(key), "an object of Spark properties");
        for (var e : sub.entrySet()) {
            String name = String.join(".", ConfigUtil.splitPath(e.getKey()));
            Object v = e.getValue().unwrapped();
            if (v instanceof List || v instanceof Map) {
                throw wrong(key + "." + ConfigUtil.joinPath(name), "a string, number or boolean", e.getValue());
            }
            out.put(name, String.valueOf(v));
        }
        return Collections.unmodifiableMap(out);
    }

    // ---- quantpipe.data

    /** {@code quantpipe.data.tensor-column}. */
    public String tensorColumn() {
        return nonEmptyString("quantpipe.data.tensor-column");
    }

    /** {@code quantpipe.data.label-column}; a dataset without it has no labels. */
    public String labelColumn() {
        return nonEmptyString("quantpipe.data.label-column");
    }

    /** {@code quantpipe.data.shape}: the per-row shape, when set. */
    public Optional<long[]> shape() {
        String key = "quantpipe.data.shape";
        if (!config.hasPath(key)) {
            return Optional.empty();
        }
        String expected = "a list of positive integers";
        List<String> dims = stringList(key, expected);
        long[] out = new long[dims.size()];
        for (int i = 0; i < out.length; i++) {
            try {
                out[i] = Long.parseLong(dims.get(i));
            } catch (NumberFormatException e) {
                out[i] = -1;
            }
            if (out[i] <= 0) {
                throw wrong(key, expected, config.getValue(key));
            }
        }
        if (out.length == 0) {
            throw wrong(key, "a non-empty list of positive integers (or null)", config.getValue(key));
        }
        return Optional.of(out);
    }

    /** {@code quantpipe.data.encoding}: {@code auto}, {@code uint8} or {@code float32le}. */
    public String dataEncoding() {
        return choice("quantpipe.data.encoding", Set.of("auto", "uint8", "float32le"));
    }

    /** {@code quantpipe.data.uint8.scale}. */
    public Scale uint8Scale() {
        String key = "quantpipe.data.uint8.scale";
        ConfigValue v = value(key);
        try {
            return Scale.parse(String.valueOf(v.unwrapped()));
        } catch (IllegalArgumentException e) {
            throw wrong(key, "a number or a fraction such as \"1/255\"", v);
        }
    }

    /** {@code quantpipe.data.uint8.mean}: one value, or one per channel. */
    public float[] uint8Mean() {
        return floats("quantpipe.data.uint8.mean", false);
    }

    /** {@code quantpipe.data.uint8.std}: one value, or one per channel; none zero. */
    public float[] uint8Std() {
        return floats("quantpipe.data.uint8.std", true);
    }

    /** {@code quantpipe.data.nonfinite}. */
    public NonFinite nonFinite() {
        return NonFinite.valueOf(choice("quantpipe.data.nonfinite", Set.of("count", "fail")).toUpperCase(Locale.ROOT));
    }

    // ---- quantpipe.ingest

    /** {@code quantpipe.ingest.partitions}: output files; 0 = Spark's default parallelism. */
    public int ingestPartitions() {
        return intAtLeast("quantpipe.ingest.partitions", 0);
    }

    // ---- quantpipe.calibrate

    /** {@code quantpipe.calibrate.methods}: e.g. {@code minmax}, {@code percentile:99.99}. */
    public List<String> calibrateMethods() {
        List<String> methods = stringList("quantpipe.calibrate.methods");
        if (methods.isEmpty()) {
            throw wrong("quantpipe.calibrate.methods", "at least one method", value("quantpipe.calibrate.methods"));
        }
        return methods;
    }

    /** {@code quantpipe.calibrate.partitions}: 0 = the dataset's own partitioning. */
    public int calibratePartitions() {
        return intAtLeast("quantpipe.calibrate.partitions", 0);
    }

    /** {@code quantpipe.calibrate.batch-size}. */
    public int calibrateBatchSize() {
        return intAtLeast("quantpipe.calibrate.batch-size", 1);
    }

    /** {@code quantpipe.calibrate.bins-per-side}: a power of two in [2, 2^20]. */
    public int binsPerSide() {
        String key = "quantpipe.calibrate.bins-per-side";
        int b = intAtLeast(key, 2);
        if (b > (1 << 20) || Integer.bitCount(b) != 1) {
            throw wrong(key, "a power of two in [2, 1048576]", value(key));
        }
        return b;
    }

    // ---- quantpipe.runtime

    /** {@code quantpipe.runtime.intra-op-threads}: ONNX Runtime threads per task. */
    public int intraOpThreads() {
        return intAtLeast("quantpipe.runtime.intra-op-threads", 1);
    }

    // ---- quantpipe.quantize

    /** {@code quantpipe.quantize.preset}: {@code cpu} or {@code tensorrt}. */
    public String quantizePreset() {
        return choice("quantpipe.quantize.preset", Set.of("cpu", "tensorrt"));
    }

    /** How weight ranges are chosen for the int8 model: {@code minmax} or {@code mse}. */
    public WeightRangeFunction quantizeWeightRange() {
        return switch (choice("quantpipe.quantize.weight-range", Set.of("minmax", "mse"))) {
            case "mse" -> new MseWeightRange();
            default -> WeightRangeFunction.minMax();
        };
    }

    /** {@code quantpipe.quantize.method}: the calibration method whose table becomes the model. */
    public String quantizeMethod() {
        return nonEmptyString("quantpipe.quantize.method");
    }

    // ---- quantpipe.evaluate

    /** {@code quantpipe.evaluate.batch-size}. */
    public int evaluateBatchSize() {
        return intAtLeast("quantpipe.evaluate.batch-size", 1);
    }

    // ---- generic access, for keys added later

    public String getString(String key) {
        return read(key, () -> config.getString(key), "a string");
    }

    public int getInt(String key) {
        return read(key, () -> config.getInt(key), "an integer");
    }

    public long getLong(String key) {
        return read(key, () -> config.getLong(key), "an integer");
    }

    public double getDouble(String key) {
        return read(key, () -> config.getDouble(key), "a number");
    }

    public boolean getBoolean(String key) {
        return read(key, () -> config.getBoolean(key), "true or false");
    }

    /** A list, or a comma-separated string ({@code --set k=a,b}). */
    public List<String> getStringList(String key) {
        return stringList(key);
    }

    /** Whether the key has a non-null value. */
    public boolean has(String key) {
        return config.hasPath(key);
    }

    /** The underlying Typesafe Config. */
    public Config raw() {
        return config;
    }

    /** Where a key's value came from: {@code default}, the config file, {@code --set}, ... */
    public String sourceOf(String key) {
        return sources.getOrDefault(key, "default");
    }

    /** Every key with its resolved value and, when not the default, its source; for {@code --dry-run}. */
    public List<String> describe() {
        List<String> lines = new ArrayList<>();
        for (String key : knownKeys) {
            if (key.startsWith("quantpipe.spark.conf")) {
                continue;
            }
            lines.add(line(key, config.hasPath(key) ? config.getValue(key) : null));
        }
        for (var e : sparkConf().entrySet()) {
            String key = "quantpipe.spark.conf." + ConfigUtil.joinPath(e.getKey());
            lines.add(line(key, config.getValue(key)));
        }
        return lines;
    }

    private String line(String key, ConfigValue v) {
        String rendered = v == null || v.valueType() == ConfigValueType.NULL ? "null"
                : v.render(ConfigRenderOptions.concise());
        String source = sourceOf(key);
        return key + " = " + rendered + ("default".equals(source) ? "" : "   # " + source);
    }

    // ---- helpers

    private interface Read<T> {
        T get();
    }

    private <T> T read(String key, Read<T> read, String expected) {
        try {
            return read.get();
        } catch (com.typesafe.config.ConfigException.Missing e) {
            throw new ConfigException("configuration key '" + key + "' is not set: expected " + expected);
        } catch (com.typesafe.config.ConfigException e) {
            throw wrong(key, expected, config.hasPath(key) ? config.getValue(key) : null);
        }
    }

    private ConfigValue value(String key) {
        return read(key, () -> config.getValue(key), "a value");
    }

    private ConfigException wrong(String key, String expected, ConfigValue found) {
        String shown = found == null ? "nothing" : found.render(ConfigRenderOptions.concise());
        return new ConfigException("configuration key '" + key + "' (from " + sourceOf(key) + "): expected "
                + expected + ", found " + shown);
    }

    private String nonEmptyString(String key) {
        String s = read(key, () -> config.getString(key), "a non-empty string");
        if (s.isBlank()) {
            throw wrong(key, "a non-empty string", value(key));
        }
        return s;
    }

    private String choice(String key, Set<String> allowed) {
        String s = read(key, () -> config.getString(key), "one of " + new java.util.TreeSet<>(allowed));
        if (!allowed.contains(s)) {
            throw wrong(key, "one of " + String.join("|", new java.util.TreeSet<>(allowed)), value(key));
        }
        return s;
    }

    private int intAtLeast(String key, int min) {
        String expected = min == 0 ? "an integer >= 0" : "an integer >= " + min;
        int v = read(key, () -> config.getInt(key), expected);
        if (v < min) {
            throw wrong(key, expected, value(key));
        }
        return v;
    }

    private List<String> stringList(String key) {
        return stringList(key, "a list of strings");
    }

    /** A HOCON list of scalars, or one string {@code a,b} / {@code [a, b]} as typed after --set. */
    private List<String> stringList(String key, String expected) {
        ConfigValue v = value(key);
        List<String> out = new ArrayList<>();
        if (v instanceof ConfigList list) {
            for (ConfigValue item : list) {
                if (item.valueType() == ConfigValueType.LIST || item.valueType() == ConfigValueType.OBJECT
                        || item.valueType() == ConfigValueType.NULL) {
                    throw wrong(key, expected, v);
                }
                out.add(String.valueOf(item.unwrapped()).strip());
            }
        } else if (v.valueType() == ConfigValueType.STRING) {
            out.addAll(splitCommas(String.valueOf(v.unwrapped())));
        } else {
            throw wrong(key, expected, v);
        }
        return List.copyOf(out);
    }

    /** {@code a,b}, {@code [a, b]} or {@code ["a","b"]} typed as one string. */
    private static List<String> splitCommas(String text) {
        String t = text.strip();
        if (t.startsWith("[") && t.endsWith("]")) {
            t = t.substring(1, t.length() - 1);
        }
        List<String> out = new ArrayList<>();
        for (String part : t.split(",")) {
            String p = part.strip();
            if (p.length() >= 2 && p.startsWith("\"") && p.endsWith("\"")) {
                p = p.substring(1, p.length() - 1);
            }
            if (!p.isEmpty()) {
                out.add(p);
            }
        }
        return out;
    }

    private float[] floats(String key, boolean nonZero) {
        String expected = nonZero ? "a non-empty list of non-zero numbers" : "a non-empty list of numbers";
        ConfigValue v = value(key);
        List<String> numbers = v.valueType() == ConfigValueType.NUMBER
                ? List.of(String.valueOf(v.unwrapped())) : stringList(key, expected);
        float[] out = new float[numbers.size()];
        for (int i = 0; i < out.length; i++) {
            try {
                out[i] = Float.parseFloat(numbers.get(i));
            } catch (NumberFormatException e) {
                throw wrong(key, expected, v);
            }
            if (!Float.isFinite(out[i]) || (nonZero && out[i] == 0f)) {
                throw wrong(key, expected, v);
            }
        }
        if (out.length == 0) {
            throw wrong(key, expected, v);
        }
        return out;
    }
}
