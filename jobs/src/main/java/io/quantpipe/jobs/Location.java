package io.quantpipe.jobs;

import io.quantpipe.quant.ConfigException;
import picocli.CommandLine;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;

/**
 * Where a file or folder the driver itself reads or writes lives (a model, a run folder): a local
 * path (plain, or a {@code file:} URI) or a URI of another Hadoop file system ({@code hdfs:},
 * {@code s3a:}, {@code abfs:}, ...). {@link DriverFiles} gives commands local files for either.
 */
public final class Location {
    private final String text;
    private final Path local;
    private final URI remote;

    private Location(String text, Path local, URI remote) {
        this.text = text;
        this.local = local;
        this.remote = remote;
    }

    /** Parses an option's value; a usage error names the option. */
    public static Location of(String value, String option) {
        return parse(value, option + " " + value + ": ");
    }

    /** A local path. */
    public static Location local(Path path) {
        return new Location(path.toString(), path, null);
    }

    /** Picocli's conversion of every {@link Location} option: picocli names the option and the value. */
    static final class Converter implements CommandLine.ITypeConverter<Location> {
        @Override
        public Location convert(String value) {
            try {
                return parse(value, "");
            } catch (ConfigException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    private static final java.util.regex.Pattern SCHEME = java.util.regex.Pattern.compile("[A-Za-z][A-Za-z0-9+.-]+:");

    /** {@code text} as a location; errors start with {@code context}. */
    static Location parse(String text, String context) {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            if (!SCHEME.matcher(text).lookingAt()) {
                return new Location(text, Path.of(text), null); // e.g. a space in a plain path
            }
            // hdfs://nn/my runs/r1: Hadoop takes such paths unescaped, and so do we.
            uri = new org.apache.hadoop.fs.Path(text).toUri();
        }
        String scheme = uri.getScheme();
        if (scheme == null || scheme.length() == 1) { // no scheme, or a Windows drive letter
            return new Location(text, Path.of(text), null);
        }
        if (scheme.equals("file")) {
            return new Location(text, uri.isOpaque() ? Path.of(uri.getSchemeSpecificPart()) : fileUriPath(uri, context), null);
        }
        if (uri.isOpaque() || uri.getPath() == null || uri.getPath().isEmpty() || uri.getPath().equals("/")) {
            throw new ConfigException(context + "expected a local path or a file system URI with a path, such as "
                    + "hdfs://namenode/models/m.onnx, found '" + text + "'");
        }
        // hdfs://nn/runs/r1/ and hdfs://nn/runs/r1 are one folder; its parent is hdfs://nn/runs either way.
        String trimmed = uri.toString().replaceAll("/+$", "");
        return new Location(text, null, URI.create(trimmed));
    }

    /** The local path of a hierarchical {@code file:} URI; a usage error when it names a host. */
    private static Path fileUriPath(URI uri, String context) {
        if (uri.getAuthority() != null && !uri.getAuthority().isEmpty()) {
            throw new ConfigException(context + "expected a local file: URI, found host '" + uri.getAuthority() + "'");
        }
        return Path.of(uri.getPath());
    }

    /** Whether this lives on a file system other than the driver's own. */
    public boolean isRemote() {
        return remote != null;
    }

    /** The local path; fails for a remote location. */
    public Path path() {
        if (local == null) {
            throw new IllegalStateException(text + " is not a local path");
        }
        return local;
    }

    /** The URI of a remote location; fails for a local one. */
    public URI uri() {
        if (remote == null) {
            throw new IllegalStateException(text + " is local");
        }
        return remote;
    }

    /** The last name of the path ({@code model.onnx} of {@code hdfs://nn/m/model.onnx}). */
    public String fileName() {
        if (local != null) {
            Path name = local.toAbsolutePath().normalize().getFileName();
            return name == null ? "" : name.toString();
        }
        String p = remote.getPath().replaceAll("/+$", "");
        return p.substring(p.lastIndexOf('/') + 1);
    }

    /** {@code name} inside this folder. */
    public Location resolve(String name) {
        if (local != null) {
            return new Location(local.resolve(name).toString(), local.resolve(name), null);
        }
        String base = remote.toString().replaceAll("/+$", "");
        return new Location(base + "/" + name, null, URI.create(base + "/" + name));
    }

    /** As the user gave it. */
    @Override
    public String toString() {
        return text;
    }
}
