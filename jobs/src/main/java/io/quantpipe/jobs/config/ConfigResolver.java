package io.quantpipe.jobs.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import io.quantpipe.quant.ConfigException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Merges the configuration layers, lowest precedence first: {@code reference.conf} defaults, the
 * {@code --config} file, {@code spark.quantpipe.*} properties of the SparkConf, {@code --set key=value}
 * pairs, then a command's own options (such as {@code --partitions}). Every layer is checked against
 * the known keys before it is merged.
 */
public final class ConfigResolver {
    /** Prefix of Spark properties that carry quantpipe keys: {@code spark.quantpipe.data.shape}. */
    public static final String SPARK_PREFIX = "spark.";

    private record Layer(String source, Config config) {
    }

    private Layer base;
    private Layer file;
    private Layer spark;
    private final List<Layer> sets = new ArrayList<>();
    private final List<Layer> options = new ArrayList<>();

    /**
     * A resolved configuration as the lowest layer above the defaults: a step of a composite
     * command ({@code pipeline}) starts from what the user resolved for the whole run.
     */
    public ConfigResolver base(QuantpipeConfig resolved) {
        base = new Layer("pipeline", resolved.raw().withOnlyPath("quantpipe"));
        return this;
    }

    /** The user's HOCON file ({@code --config}). */
    public ConfigResolver file(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new ConfigException("config file not found: " + path + " (--config)");
        }
        Config parsed;
        try {
            parsed = ConfigFactory.parseFile(path.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigException("cannot read config file " + path + ": " + oneLine(e.getMessage()));
        }
        file = new Layer(path.toString(), parsed);
        return this;
    }

    /**
     * Spark properties (e.g. {@code SparkConf.getAll()}); only those named
     * {@code spark.quantpipe.<key>} are read, as {@code quantpipe.<key>}.
     */
    public ConfigResolver sparkProperties(Map<String, String> properties) {
        Config c = ConfigFactory.empty();
        for (var e : new TreeMap<>(properties).entrySet()) {
            if (e.getKey().startsWith(SPARK_PREFIX + "quantpipe.")) {
                String key = e.getKey().substring(SPARK_PREFIX.length());
                c = with(c, key, ConfigValues.parse(e.getValue()), "Spark property " + e.getKey());
            }
        }
        spark = new Layer("Spark property", c);
        return this;
    }

    /** One {@code key=value} pair from {@code --set}. */
    public ConfigResolver set(String pair) {
        int eq = pair.indexOf('=');
        if (eq <= 0) {
            throw new ConfigException("--set: expected key=value, found '" + pair + "'");
        }
        String key = pair.substring(0, eq).strip();
        Config c = with(ConfigFactory.empty(), key, ConfigValues.parse(pair.substring(eq + 1)), "--set " + key);
        sets.add(new Layer("--set", c));
        return this;
    }

    /** A command option that maps onto a key (highest precedence), e.g. {@code --partitions 8}. */
    public ConfigResolver option(String key, Object value, String optionName) {
        ConfigValue v = ConfigValueFactory.fromAnyRef(value, optionName);
        options.add(new Layer(optionName, with(ConfigFactory.empty(), key, v, optionName)));
        return this;
    }

    /** Checks every layer, merges and validates; the result is the typed view. */
    public QuantpipeConfig resolve() {
        Config reference = Reference.config();
        KnownKeys known = new KnownKeys(reference);
        List<Layer> layers = new ArrayList<>();
        if (base != null) {
            layers.add(base);
        }
        if (file != null) {
            layers.add(file);
        }
        if (spark != null) {
            layers.add(spark);
        }
        layers.addAll(sets);
        layers.addAll(options);

        Config merged = reference;
        Map<String, String> sources = new LinkedHashMap<>();
        for (Layer layer : layers) {
            known.check(layer.config(), layer.source());
            for (String path : KnownKeys.leafPaths(layer.config().root())) {
                sources.put(path, layer.source());
            }
            merged = layer.config().withFallback(merged);
        }
        try {
            merged = merged.resolve(ConfigResolveOptions.defaults());
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigException("cannot resolve configuration: " + oneLine(e.getMessage()));
        }
        return new QuantpipeConfig(merged, sources, known.all());
    }

    private static Config with(Config c, String key, ConfigValue value, String source) {
        try {
            return c.withValue(key, value);
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigException("invalid configuration key '" + key + "' (from " + source + "): "
                    + oneLine(e.getMessage()));
        }
    }

    static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*\\R\\s*", " ").strip();
    }
}
