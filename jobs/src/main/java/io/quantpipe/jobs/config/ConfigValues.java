package io.quantpipe.jobs.config;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;

/** Reads a value typed on a command line or in a Spark property as HOCON, else as a plain string. */
final class ConfigValues {
    private ConfigValues() {
    }

    /**
     * {@code 64} is a number, {@code [1,28,28]} a list, {@code true} a boolean; text HOCON cannot read
     * as one value ({@code local[*]}, {@code percentile:99.99}) is kept as the string it is.
     */
    static ConfigValue parse(String raw) {
        String text = raw.strip();
        if (text.isEmpty()) {
            return ConfigValueFactory.fromAnyRef("");
        }
        try {
            var parsed = ConfigFactory.parseString("v = " + text);
            if (parsed.root().size() == 1 && parsed.hasPathOrNull("v")) {
                return parsed.root().get("v");
            }
        } catch (ConfigException e) {
            // not a single HOCON value: take the text literally
        }
        return ConfigValueFactory.fromAnyRef(text);
    }
}
