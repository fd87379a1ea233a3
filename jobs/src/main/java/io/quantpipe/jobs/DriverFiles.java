package io.quantpipe.jobs;

import io.quantpipe.quant.BadInputException;
import io.quantpipe.quant.ConfigException;
import io.quantpipe.quant.onnx.ExternalData;
import io.quantpipe.quant.onnx.ModelFile;
import io.quantpipe.quant.onnx.proto.OnnxIr.ModelProto;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.UnsupportedFileSystemException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The files a command reads and writes on the driver itself (models, run folders), wherever they
 * live. A {@link Location} on the driver's own disk is used in place. One on another Hadoop file
 * system ({@code hdfs:}, {@code s3a:}, ...) goes through a local working copy: downloaded before
 * it is read, written locally by the same ONNX, Parquet and JSON writers, and uploaded once
 * complete under a hidden name that is then renamed into place, so a reader never sees a
 * half-written file. The working copy (under {@code java.io.tmpdir}) is removed on close.
 */
public final class DriverFiles implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DriverFiles.class);

    private final Supplier<Configuration> hadoop;
    private Path scratch;

    /** @param hadoop the driver's Hadoop configuration (file system settings, credentials), asked for on first remote use */
    public DriverFiles(Supplier<Configuration> hadoop) {
        this.hadoop = hadoop;
    }

    /** For local locations only: a remote one fails (there is no Hadoop configuration to reach it). */
    public static DriverFiles localOnly() {
        return new DriverFiles(() -> {
            throw new IllegalStateException("no Hadoop configuration for a remote location");
        });
    }

    /**
     * A local file with the content of {@code file}: the file itself when local (its existence is
     * the caller's to check), else a downloaded copy.
     *
     * @throws BadInputException when a remote file does not exist
     */
    public Path read(Location file, String option) {
        if (!file.isRemote()) {
            return file.path();
        }
        Path local = newFolder().resolve(file.fileName());
        if (!download(file.uri(), local)) {
            throw new BadInputException(option + " " + file + ": expected a file, found none");
        }
        return local;
    }

    /** {@link #read}, and for a remote model also the external-data files it names, fetched beside it. */
    public Path readModel(Location file, String option) {
        Path local = read(file, option);
        if (!file.isRemote()) {
            return local;
        }
        Path folder = local.getParent();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(local);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        org.apache.hadoop.fs.Path parent = new org.apache.hadoop.fs.Path(file.uri()).getParent();
        for (String location : ExternalData.locations(ModelFile.parse(bytes, file.toString()))) {
            Path target = folder.resolve(location).normalize();
            if (!target.startsWith(folder) || location.isEmpty()) {
                continue; // loading the model rejects a location outside its folder, naming it
            }
            // A Hadoop path takes the location as it is (spaces and all), where a URI would need escaping.
            URI source = new org.apache.hadoop.fs.Path(parent, location).toUri();
            if (!download(source, target)) {
                throw new BadInputException(option + " " + file + ": expected its external data file " + source
                        + ", found none");
            }
        }
        return local;
    }

    /**
     * {@link ModelFile#read} of a local copy whose errors name {@code source}, the model as the
     * user gave it, rather than the working copy.
     */
    public static ModelProto read(Path local, String source) {
        try {
            return ModelFile.read(local);
        } catch (BadInputException e) {
            String where = local.toString();
            if (where.equals(source) || !e.getMessage().contains(where)) {
                throw e;
            }
            throw new BadInputException(e.getMessage().replace(where, source), e);
        }
    }

    /** A run folder to read from and add files to: in place when local, else a working copy. */
    public Folder folder(Location dir) {
        return new Folder(dir, dir.isRemote() ? newFolder() : dir.path().toAbsolutePath().normalize());
    }

    /** A local file to write what will be {@code target}: the target itself when local. */
    public Path writable(Location target) {
        return target.isRemote() ? newFolder().resolve(target.fileName()) : target.path();
    }

    /** Makes a file written at {@link #writable}{@code (target)} visible at a remote target; nothing for a local one. */
    public void publish(Path written, Location target) {
        if (target.isRemote()) {
            upload(written, target.uri());
        }
    }

    /** A new, empty local folder of the working copy. */
    public Path newFolder() {
        try {
            if (scratch == null) {
                scratch = Files.createTempDirectory("quantpipe-driver-");
            }
            return Files.createTempDirectory(scratch, "f");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a local working folder: " + e.getMessage(), e);
        }
    }

    /** The Hadoop file system of a remote URI. */
    public FileSystem fileSystem(URI uri) {
        try {
            return FileSystem.get(uri, hadoop.get());
        } catch (UnsupportedFileSystemException e) {
            throw missingConnector(uri);
        } catch (RuntimeException e) {
            if (e.getCause() instanceof ClassNotFoundException) { // a scheme Hadoop maps to a class not on the classpath
                throw missingConnector(uri);
            }
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the file system of " + uri + ": " + e.getMessage(), e);
        }
    }

    private static ConfigException missingConnector(URI uri) {
        return new ConfigException(uri + ": expected a file system Hadoop knows, found none for scheme '" + uri.getScheme()
                + "' (its connector, e.g. hadoop-aws for s3a:, is missing from the classpath)");
    }

    /** What is at a remote {@code uri}: empty when nothing is. */
    public Optional<FileStatus> status(URI uri) {
        try {
            return Optional.of(fileSystem(uri).getFileStatus(new org.apache.hadoop.fs.Path(uri)));
        } catch (java.io.FileNotFoundException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + uri + ": " + e.getMessage(), e);
        }
    }

    /** Copies a remote file to {@code local}; false when there is no such file. */
    private boolean download(URI source, Path local) {
        Optional<FileStatus> status = status(source);
        if (status.isEmpty() || !status.get().isFile()) {
            return false;
        }
        try {
            Files.createDirectories(local.getParent());
            fileSystem(source).copyToLocalFile(false, status.get().getPath(), new org.apache.hadoop.fs.Path(local.toUri()), true);
            LOG.info("read {} ({} bytes)", source, status.get().getLen());
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + source + ": " + e.getMessage(), e);
        }
    }

    /**
     * Uploads a local file or folder to {@code target}: first to a hidden name beside it; then
     * whatever was at {@code target} is moved aside, the upload renamed into place, and the old one
     * removed. Not one atomic step on every file system (S3 renames by copying), but a reader never
     * finds a half-written file at {@code target}, nor the old one gone before the new one is there.
     */
    public void upload(Path local, URI target) {
        FileSystem fs = fileSystem(target);
        org.apache.hadoop.fs.Path dst = new org.apache.hadoop.fs.Path(target);
        org.apache.hadoop.fs.Path tmp = hiddenSibling(dst, "tmp");
        try {
            fs.copyFromLocalFile(false, false, new org.apache.hadoop.fs.Path(local.toUri()), tmp);
            org.apache.hadoop.fs.Path old = null;
            if (fs.exists(dst)) {
                old = hiddenSibling(dst, "old");
                if (!fs.rename(dst, old)) {
                    throw new IOException("cannot move the previous " + dst + " aside to " + old);
                }
            }
            if (!fs.rename(tmp, dst)) {
                throw new IOException("cannot rename " + tmp + " to " + dst);
            }
            if (old != null) {
                deleteQuietly(fs, old);
            }
        } catch (IOException e) {
            deleteQuietly(fs, tmp);
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    /** {@code .<name>.<what>-<uuid>} beside {@code path}. */
    private static org.apache.hadoop.fs.Path hiddenSibling(org.apache.hadoop.fs.Path path, String what) {
        return new org.apache.hadoop.fs.Path(path.getParent(), "." + path.getName() + "." + what + "-" + UUID.randomUUID());
    }

    /** Removes a remote file or tree, logging (not throwing) a failure: for clean-up after another error. */
    public static void deleteQuietly(FileSystem fs, org.apache.hadoop.fs.Path path) {
        try {
            fs.delete(path, true);
        } catch (IOException e) {
            LOG.warn("could not remove {}: {}", path, e.getMessage());
        }
    }

    @Override
    public void close() {
        if (scratch != null) {
            try {
                deleteTree(scratch);
            } catch (IOException e) {
                LOG.warn("could not remove the local working copy {}: {}", scratch, e.getMessage());
            }
            scratch = null;
        }
    }

    /** Deletes a local tree; nothing when it does not exist. */
    public static void deleteTree(Path root) throws IOException {
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

    /**
     * A run folder some files are read from and others added to (quantize, evaluate): the folder
     * itself when local, else a local working copy holding what was fetched and what was written.
     */
    public final class Folder {
        private final Location target;
        private final Path local;

        private Folder(Location target, Path local) {
            this.target = target;
            this.local = local;
        }

        /** The local folder to read from and write into. */
        public Path dir() {
            return local;
        }

        /** Where the folder really is. */
        public Location location() {
            return target;
        }

        /** The local copy of {@code name} when the folder has such a file (downloaded when remote). */
        public Optional<Path> fetch(String name) {
            Path file = local.resolve(name);
            if (target.isRemote()) {
                return download(target.resolve(name).uri(), file) ? Optional.of(file) : Optional.empty();
            }
            return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
        }

        /** Where {@code name} of the folder is, for messages: the local file, or the remote URI. */
        public String where(String name) {
            return target.isRemote() ? target.resolve(name).toString() : local.resolve(name).toString();
        }

        /** Makes the locally written {@code name} visible in the folder (an upload when remote). */
        public void publish(String name) {
            if (target.isRemote()) {
                upload(local.resolve(name), target.resolve(name).uri());
            }
        }

        /** Removes {@code name} from the folder, if there. */
        public void delete(String name) {
            try {
                if (target.isRemote()) {
                    URI uri = target.resolve(name).uri();
                    fileSystem(uri).delete(new org.apache.hadoop.fs.Path(uri), false);
                } else {
                    Files.deleteIfExists(local.resolve(name));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot remove " + target.resolve(name) + ": " + e.getMessage(), e);
            }
        }

        /** Whether the folder exists as a file rather than a folder. */
        public boolean isFile() {
            if (!target.isRemote()) {
                return Files.exists(local) && !Files.isDirectory(local);
            }
            return status(target.uri()).map(FileStatus::isFile).orElse(false);
        }
    }
}
