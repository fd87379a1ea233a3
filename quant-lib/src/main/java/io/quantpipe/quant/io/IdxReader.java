package io.quantpipe.quant.io;

import io.quantpipe.quant.BadInputException;
import io.quantpipe.quant.ConfigException;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads IDX files, the format of MNIST and Fashion-MNIST (LeCun et al.): a magic number
 * {@code 00 00 <type> <ndims>}, {@code ndims} big-endian int32 dimensions, then the values in
 * row-major order. Images are {@code 0x00000803} ({@code [N, rows, cols]}), labels
 * {@code 0x00000801} ({@code [N]}). Only unsigned bytes (type {@code 0x08}) are supported; the
 * other IDX types are rejected by name. Gzipped files (magic {@code 1f 8b}) are read as they are.
 *
 * <p>The size the header promises is checked against the file (for gzip, against the
 * uncompressed size in its trailer) before anything is allocated, so a truncated or hostile file
 * fails with a message instead of an out-of-memory error.
 */
public final class IdxReader {
    private static final int UNSIGNED_BYTE = 0x08;
    private static final int MAX_DIMS = 8;

    private IdxReader() {
    }

    /** Reads every item of {@code file}. */
    public static IdxArray read(Path file) {
        return read(file, Integer.MAX_VALUE);
    }

    /** Reads the first {@code limit} items of {@code file} (all of them if it has fewer). */
    public static IdxArray read(Path file, int limit) {
        if (limit < 0) {
            throw new ConfigException("expected a limit >= 0, found " + limit);
        }
        try {
            long fileSize = Files.size(file);
            boolean gzip = isGzip(file);
            if (!gzip && file.getFileName().toString().endsWith(".gz")) {
                throw new BadInputException(file + ": expected gzip data (a .gz name), found no gzip magic bytes 1f 8b");
            }
            try (InputStream raw = Files.newInputStream(file);
                    DataInputStream in = new DataInputStream(new BufferedInputStream(
                            gzip ? new GZIPInputStream(raw, 1 << 16) : raw, 1 << 16))) {
                return read(in, file, fileSize, gzip, limit);
            }
        } catch (NoSuchFileException e) {
            throw new BadInputException("expected an IDX file at " + file + ", found no file");
        } catch (EOFException | ZipException e) {
            throw new BadInputException(file + ": expected a complete IDX file, found it truncated or corrupt ("
                    + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static IdxArray read(DataInputStream in, Path file, long fileSize, boolean gzip, int limit)
            throws IOException {
        if (!gzip && fileSize < 4) {
            throw new BadInputException(file + ": expected an IDX header of at least 4 bytes, found " + fileSize);
        }
        int magic = in.readInt();
        int type = (magic >>> 8) & 0xff;
        int ndims = magic & 0xff;
        if ((magic >>> 16) != 0) {
            throw new BadInputException(file + ": expected IDX magic 0x0000TTNN, found 0x" + String.format("%08x", magic));
        }
        if (type != UNSIGNED_BYTE) {
            throw new BadInputException(file + ": expected IDX element type 0x08 (unsigned byte), found 0x"
                    + String.format("%02x", type) + " (" + typeName(type) + ")");
        }
        if (ndims < 1 || ndims > MAX_DIMS) {
            throw new BadInputException(file + ": expected 1 to " + MAX_DIMS + " IDX dimensions, found " + ndims);
        }
        int[] dims = new int[ndims];
        long payload = 1;
        for (int i = 0; i < ndims; i++) {
            dims[i] = in.readInt();
            if (dims[i] < 0) {
                throw new BadInputException(file + ": expected dimension " + i + " >= 0, found " + dims[i]);
            }
            payload = saturatingMultiply(payload, dims[i]);
        }
        long expected = payload > Long.MAX_VALUE - 64 ? Long.MAX_VALUE : 4L + 4L * ndims + payload;
        checkSize(file, fileSize, gzip, dims, expected);

        long itemSize = dims[0] == 0 ? 0 : payload / dims[0];
        int items = Math.min(limit, dims[0]);
        long bytes = itemSize * items;
        if (bytes > Integer.MAX_VALUE - 8) {
            throw new BadInputException(file + ": expected at most " + (Integer.MAX_VALUE - 8)
                    + " bytes per read, found " + items + " items of " + itemSize + " bytes; use a limit");
        }
        byte[] data = new byte[(int) bytes];
        in.readFully(data);
        int[] readDims = dims.clone();
        readDims[0] = items;
        return new IdxArray(readDims, data);
    }

    private static void checkSize(Path file, long fileSize, boolean gzip, int[] dims, long expected)
            throws IOException {
        String size = expected == Long.MAX_VALUE ? "more than 2^63" : Long.toString(expected);
        if (!gzip) {
            if (fileSize != expected) {
                throw new BadInputException(file + ": expected " + size + " bytes for IDX dims "
                        + Arrays.toString(dims) + ", found " + fileSize + (fileSize < expected ? " (truncated)" : ""));
            }
            return;
        }
        // The gzip trailer ends with the uncompressed size mod 2^32 (RFC 1952, ISIZE).
        long trailerSize = gzipTrailerSize(file);
        if (expected == Long.MAX_VALUE || trailerSize != (expected & 0xffffffffL)) {
            throw new BadInputException(file + ": expected " + size + " uncompressed bytes for IDX dims "
                    + Arrays.toString(dims) + ", found a gzip trailer giving " + trailerSize
                    + " (truncated or not one gzip member)");
        }
    }

    private static long gzipTrailerSize(Path file) throws IOException {
        try (SeekableByteChannel ch = Files.newByteChannel(file)) {
            if (ch.size() < 18) {
                throw new EOFException("gzip file of " + ch.size() + " bytes");
            }
            ByteBuffer trailer = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            ch.position(ch.size() - 4);
            while (trailer.hasRemaining() && ch.read(trailer) >= 0) {
                // read the 4 bytes
            }
            return trailer.flip().getInt() & 0xffffffffL;
        }
    }

    private static boolean isGzip(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(2);
            return head.length == 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b;
        }
    }

    private static long saturatingMultiply(long a, int b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    private static String typeName(int type) {
        return switch (type) {
            case 0x08 -> "unsigned byte";
            case 0x09 -> "signed byte";
            case 0x0B -> "short";
            case 0x0C -> "int";
            case 0x0D -> "float";
            case 0x0E -> "double";
            default -> "not an IDX type";
        };
    }
}
