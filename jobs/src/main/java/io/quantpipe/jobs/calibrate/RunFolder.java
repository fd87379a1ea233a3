package io.quantpipe.jobs.calibrate;

import io.quantpipe.quant.ConfigException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.UUID;

/**
 * A run folder ({@code --out RUN}) that appears complete or not at all. Files are written into a
 * hidden staging folder beside RUN ({@code .RUN.tmp-<uuid>}); {@link #publish()} renames it to RUN
 * in one step once every file is there. A run that fails leaves RUN as it was and removes the
 * staging folder. An existing RUN that is not empty is refused unless overwriting, and is replaced
 * only after the new one is complete. RUN is a folder of the driver's local file system.
 */
final class RunFolder implements AutoCloseable {
    private final Path target;
    private final boolean overwrite;
    private final Path staging;
    private boolean published;

    private RunFolder(Path target, boolean overwrite, Path staging) {
        this.target = target;
        this.overwrite = overwrite;
        this.staging = staging;
    }

    /** The local folder {@code --out} names; fails for other file systems. */
    static Path local(String out) {
        URI uri;
        try {
            uri = URI.create(out);
        } catch (IllegalArgumentException e) {
            uri = null; // a plain path with characters URIs do not take
        }
        if (uri != null && uri.getScheme() != null && uri.getScheme().length() > 1) {
            if (!uri.getScheme().equals("file")) {
                throw new ConfigException("--out " + out + ": expected a folder on the driver's local file system, found a "
                        + uri.getScheme() + ": URI");
            }
            return Path.of(uri).toAbsolutePath().normalize();
        }
        return Path.of(out).toAbsolutePath().normalize();
    }

    /** Fails before any work if {@code target} holds something and overwriting was not asked for. */
    static void check(Path target, boolean overwrite) {
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.isDirectory(target)) {
            throw new ConfigException("--out " + target + ": expected a folder, found a file");
        }
        if (!overwrite && !isEmpty(target)) {
            throw new ConfigException("--out " + target + ": expected a new or empty folder, found an existing run"
                    + " (add --overwrite to replace it)");
        }
    }

    /** Checks the target and creates the staging folder beside it. */
    static RunFolder create(Path target, boolean overwrite) {
        check(target, overwrite);
        Path parent = target.getParent();
        try {
            Files.createDirectories(parent);
            Path staging = Files.createDirectory(parent.resolve("." + target.getFileName() + ".tmp-" + UUID.randomUUID()));
            return new RunFolder(target, overwrite, staging);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a staging folder beside " + target + ": " + e.getMessage(), e);
        }
    }

    /** Where to write the output {@code name} before publishing. */
    Path file(String name) {
        return staging.resolve(name);
    }

    /** Makes the run visible at the target, replacing an old one when overwriting. */
    void publish() {
        check(target, overwrite); // something may have appeared while the job ran
        Path old = null;
        try {
            if (Files.exists(target)) {
                if (isEmpty(target)) {
                    Files.delete(target);
                } else {
                    old = target.resolveSibling("." + target.getFileName() + ".old-" + UUID.randomUUID());
                    Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
                }
            }
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            published = true;
            if (old != null) {
                deleteTree(old);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move the finished run to " + target + ": " + e.getMessage(), e);
        }
    }

    /** Removes the staging folder unless it was published. */
    @Override
    public void close() {
        if (!published) {
            try {
                deleteTree(staging);
            } catch (IOException e) {
                // Best effort: a hidden, unfinished staging folder is left behind.
            }
        }
    }

    private static boolean isEmpty(Path dir) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            return !entries.iterator().hasNext();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
