package io.quantpipe.jobs.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

/** quantpipe's defaults: the {@code quantpipe} object of {@code reference.conf} on the classpath. */
final class Reference {
    private static final Config CONFIG = ConfigFactory
            .parseResources(Reference.class.getClassLoader(), "reference.conf")
            .withOnlyPath("quantpipe")
            .resolve();

    private Reference() {
    }

    static Config config() {
        return CONFIG;
    }
}
