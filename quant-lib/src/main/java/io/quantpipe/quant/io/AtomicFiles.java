package io.quantpipe.quant.io;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Writes a file under a temporary name in the target's folder ({@code <name>.tmp-<random>}), syncs
 * it and renames it over the target in one atomic step, so a reader (a script, a DAG gate) never
 * sees a half-written output. When writing fails the temporary file is deleted and the target is
 * left as it was.
 */
public final class AtomicFiles {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Writes the content of a file given its (not yet existing) temporary path. */
    @FunctionalInterface
    public interface PathWriter {
        void writeTo(Path temporary) throws IOException;
    }

    /** Writes the content of a file to a stream; the stream is closed by {@link AtomicFiles}. */
    @FunctionalInterface
    public interface StreamWriter {
        void writeTo(OutputStream out) throws IOException;
    }

    private AtomicFiles() {
    }

    /** Replaces {@code target} with {@code bytes}, atomically. */
    public static void write(Path target, byte[] bytes) {
        writeStream(target, out -> out.write(bytes));
    }

    /** Replaces {@code target} with what {@code writer} writes to a stream, atomically. */
    public static void writeStream(Path target, StreamWriter writer) {
        write(target, temporary -> {
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE);
                    OutputStream out = Channels.newOutputStream(channel)) {
                writer.writeTo(out);
                out.flush();
            }
        });
    }

    /**
     * Replaces {@code target} with the file {@code writer} creates at the temporary path it is given,
     * atomically. For libraries that open files themselves (Parquet).
     */
    public static void write(Path target, PathWriter writer) {
        Path absolute = target.toAbsolutePath();
        Path folder = absolute.getParent();
        Path temporary = folder.resolve(absolute.getFileName() + ".tmp-" + randomSuffix());
        boolean moved = false;
        try {
            Files.createDirectories(folder);
            writer.writeTo(temporary);
            if (!Files.isRegularFile(temporary)) {
                throw new IOException("the writer created no file at " + temporary);
            }
            sync(temporary);
            Files.move(temporary, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            moved = true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            if (!moved) {
                deleteQuietly(temporary);
            }
        }
    }

    // Data reaches the disk before the rename makes it visible, so a crash cannot expose an empty file.
    private static void sync(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
    }

    private static void deleteQuietly(Path temporary) {
        try {
            Files.deleteIfExists(temporary);
        } catch (IOException ignored) {
            // The original failure is the one worth reporting.
        }
    }

    private static String randomSuffix() {
        byte[] bytes = new byte[8];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
