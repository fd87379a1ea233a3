package io.quantpipe.jobs.calibrate;

import io.quantpipe.jobs.DriverFiles;
import io.quantpipe.jobs.Location;
import io.quantpipe.quant.ConfigException;
import org.apache.hadoop.fs.FileStatus;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.UUID;

/**
 * A run folder ({@code --out RUN}) that appears complete or not at all. Files are written into a
 * hidden staging folder beside RUN ({@code .RUN.tmp-<uuid>}); {@link #publish()} renames it to RUN
 * in one step once every file is there. A run that fails leaves RUN as it was and removes the
 * staging folder. An existing RUN that is not empty is refused unless overwriting, and is replaced
 * only after the new one is complete.
 *
 * <p>RUN on another Hadoop file system ({@code hdfs:}, {@code s3a:}, ...) is staged in a local
 * working folder; publishing uploads it to the hidden name beside RUN, then renames it the same way
 * (one step on HDFS; S3 renames by copying, so there the files appear one by one under RUN, each
 * complete).
 */
final class RunFolder implements AutoCloseable {
    private final Path target;
    private final boolean overwrite;
    private final Path staging;
    private final Location remote;
    private final DriverFiles files;
    private boolean published;

    private RunFolder(Path target, boolean overwrite, Path staging, Location remote, DriverFiles files) {
        this.target = target;
        this.overwrite = overwrite;
        this.staging = staging;
        this.remote = remote;
        this.files = files;
    }

    /** {@link #check(Path, boolean)} for a local or remote RUN. */
    static void check(Location target, boolean overwrite, DriverFiles files) {
        if (!target.isRemote()) {
            check(target.path().toAbsolutePath().normalize(), overwrite);
            return;
        }
        Optional<FileStatus> status = files.status(target.uri());
        if (status.isEmpty()) {
            return; // a new run
        }
        if (status.get().isFile()) {
            throw new ConfigException("--out " + target + ": expected a folder, found a file");
        }
        if (!overwrite) {
            try {
                if (files.fileSystem(target.uri()).listStatus(status.get().getPath()).length > 0) {
                    throw new ConfigException("--out " + target + ": expected a new or empty folder, found an existing run"
                            + " (add --overwrite to replace it)");
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + target + ": " + e.getMessage(), e);
            }
        }
    }

    /** Checks the target and creates the staging folder: beside a local RUN, in the working copy for a remote one. */
    static RunFolder create(Location target, boolean overwrite, DriverFiles files) {
        if (!target.isRemote()) {
            return create(target.path().toAbsolutePath().normalize(), overwrite);
        }
        check(target, overwrite, files);
        URI uri = target.uri();
        try {
            // As for a local RUN, the parent is made now: a place that cannot be written fails before the work.
            files.fileSystem(uri).mkdirs(new org.apache.hadoop.fs.Path(uri).getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the folder of " + target + ": " + e.getMessage(), e);
        }
        return new RunFolder(null, overwrite, files.newFolder(), target, files);
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
            return new RunFolder(target, overwrite, staging, null, null);
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
        if (remote != null) {
            publishRemote();
            return;
        }
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
                DriverFiles.deleteTree(old);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move the finished run to " + target + ": " + e.getMessage(), e);
        }
    }

    private void publishRemote() {
        check(remote, overwrite, files); // something may have appeared while the job ran
        files.upload(staging, remote.uri());
        published = true;
    }

    /** Removes the staging folder unless it was published. */
    @Override
    public void close() {
        if (!published || remote != null) {
            try {
                DriverFiles.deleteTree(staging);
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
}
