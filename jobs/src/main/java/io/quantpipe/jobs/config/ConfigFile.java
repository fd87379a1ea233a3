package io.quantpipe.jobs.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Finds the {@code --config} file of a job started by {@code spark-submit --files quantpipe.conf ...
 * --config quantpipe.conf}. In cluster deploy mode the cluster manager puts the shipped file in the
 * driver's working directory, so the bare name works as it is; in client mode the driver runs in
 * the submitter's directory, and the file is where {@code spark.files} says.
 */
public final class ConfigFile {
    /** The Spark property spark-submit sets from {@code --files}: comma-separated URIs. */
    static final String SPARK_FILES = "spark.files";

    private ConfigFile() {
    }

    /**
     * {@code given} when it exists or has a directory part; else the local file of {@code spark.files}
     * with the same name; else {@code given} (which then fails as not found).
     */
    public static Path locate(Path given, Map<String, String> sparkProperties) {
        if (Files.exists(given) || given.getParent() != null) {
            return given;
        }
        String files = sparkProperties.getOrDefault(SPARK_FILES, "");
        for (String entry : files.split(",")) {
            Path shipped = localPath(entry.strip());
            if (shipped != null && shipped.getFileName() != null
                    && shipped.getFileName().toString().equals(given.toString()) && Files.isRegularFile(shipped)) {
                return shipped;
            }
        }
        return given;
    }

    /** A plain path or a {@code file:} URI as a local path; null for other schemes. */
    private static Path localPath(String entry) {
        if (entry.isEmpty()) {
            return null;
        }
        try {
            URI uri = new URI(entry);
            if (uri.getScheme() == null) {
                return Path.of(entry);
            }
            return "file".equals(uri.getScheme()) && uri.getPath() != null ? Path.of(uri.getPath()) : null;
        } catch (URISyntaxException e) {
            return Path.of(entry);
        }
    }
}
