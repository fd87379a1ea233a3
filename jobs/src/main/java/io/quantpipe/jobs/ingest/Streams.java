package io.quantpipe.jobs.ingest;

import io.quantpipe.quant.BadInputException;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.GZIPInputStream;

/** Reading array files: gzip detected by its magic bytes, exact-length reads with clear errors. */
final class Streams {
    private static final int CHUNK = 1 << 20;

    private Streams() {
    }

    /** {@code in}, decompressed when it starts with the gzip magic bytes (1f 8b). */
    static InputStream maybeGunzip(InputStream in) throws IOException {
        BufferedInputStream b = new BufferedInputStream(in, 1 << 16);
        b.mark(2);
        int m0 = b.read();
        int m1 = b.read();
        b.reset();
        if (m0 == 0x1f && m1 == 0x8b) {
            return new BufferedInputStream(new GZIPInputStream(b, 1 << 16), 1 << 16);
        }
        return b;
    }

    static byte[] readBytes(DataInputStream in, int count, String source) throws IOException {
        byte[] out = new byte[count];
        readFully(in, out, 0, count, source);
        return out;
    }

    /** {@code count} float32 values in the given byte order. */
    static float[] readFloats(DataInputStream in, int count, ByteOrder order, String source) throws IOException {
        float[] out = new float[count];
        byte[] chunk = new byte[Math.min(CHUNK, count * 4)];
        for (int done = 0; done < count; ) {
            int n = Math.min(chunk.length / 4, count - done);
            readFully(in, chunk, 0, n * 4, source);
            ByteBuffer.wrap(chunk, 0, n * 4).order(order).asFloatBuffer().get(out, done, n);
            done += n;
        }
        return out;
    }

    /** {@code count} float64 values in the given byte order, narrowed to float32. */
    static float[] readDoublesAsFloats(DataInputStream in, int count, ByteOrder order, String source) throws IOException {
        float[] out = new float[count];
        byte[] chunk = new byte[Math.min(CHUNK, count * 8)];
        for (int done = 0; done < count; ) {
            int n = Math.min(chunk.length / 8, count - done);
            readFully(in, chunk, 0, n * 8, source);
            var doubles = ByteBuffer.wrap(chunk, 0, n * 8).order(order).asDoubleBuffer();
            for (int i = 0; i < n; i++) {
                out[done + i] = (float) doubles.get(i);
            }
            done += n;
        }
        return out;
    }

    /** {@code count} signed integers of {@code width} bytes (1, 2, 4 or 8). */
    static long[] readIntegers(DataInputStream in, int count, int width, boolean unsigned, ByteOrder order,
                               String source) throws IOException {
        byte[] bytes = readBytes(in, Math.multiplyExact(count, width), source);
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(order);
        long[] out = new long[count];
        for (int i = 0; i < count; i++) {
            out[i] = switch (width) {
                case 1 -> unsigned ? bb.get(i) & 0xFFL : bb.get(i);
                case 2 -> unsigned ? bb.getShort(i * 2) & 0xFFFFL : bb.getShort(i * 2);
                case 4 -> unsigned ? bb.getInt(i * 4) & 0xFFFFFFFFL : bb.getInt(i * 4);
                case 8 -> bb.getLong(i * 8);
                default -> throw new IllegalArgumentException("width " + width);
            };
        }
        return out;
    }

    private static void readFully(DataInputStream in, byte[] b, int off, int len, String source) throws IOException {
        try {
            in.readFully(b, off, len);
        } catch (EOFException e) {
            throw new BadInputException(source + ": expected more data, found the end of the file (truncated?)");
        }
    }
}
