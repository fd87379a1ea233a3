package io.quantpipe.jobs;

import io.quantpipe.quant.ConfigException;
import picocli.CommandLine;

import java.nio.file.Path;

/**
 * A path option that only ever means the driver's own disk (the pipeline's inputs and run, the
 * configuration file): a plain path or a {@code file:} URI, the forms Hadoop's local file system
 * accepts too. Models and run folders of the other commands are {@link Location}s, which may also
 * be on HDFS, S3 and the like.
 */
public final class LocalPath {
    private LocalPath() {
    }

    /** {@code path} as a local path; a usage error for another scheme (hdfs:, s3a:, ...). */
    public static Path of(String path, String option) {
        return parse(path, option + " " + path + ": ");
    }

    /**
     * Picocli's conversion of every {@link Path} option: picocli names the option and the value in
     * front of the message.
     */
    static final class Converter implements CommandLine.ITypeConverter<Path> {
        @Override
        public Path convert(String value) {
            try {
                return parse(value, "");
            } catch (ConfigException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** {@code path} as a local path; errors start with {@code context}. */
    static Path parse(String path, String context) {
        Location location = Location.parse(path, context);
        if (location.isRemote()) {
            throw new ConfigException(context + "expected a local path or file: URI, found a "
                    + location.uri().getScheme() + ": URI (this command works on the driver's file system)");
        }
        return location.path();
    }
}
