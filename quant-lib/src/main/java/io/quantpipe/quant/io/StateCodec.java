package io.quantpipe.quant.io;

import io.quantpipe.quant.BadInputException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/**
 * The byte layout every mergeable state shares (observers, evaluation metrics): a 4-byte header
 * ({@code 'Q' 'P'}, a kind byte, a format version byte) followed by zig-zag LEB128 varints,
 * little-endian IEEE floats and length-prefixed bytes / UTF-8 strings. Deterministic: the same
 * state always encodes to the same bytes. The kinds of all states are listed here so they never
 * collide.
 */
public final class StateCodec {
    public static final byte VERSION = 1;
    public static final byte KIND_MIN_MAX = 1;
    public static final byte KIND_HISTOGRAM = 2;
    public static final byte KIND_PER_CHANNEL_MIN_MAX = 3;
    public static final byte KIND_PER_CHANNEL_HISTOGRAM = 4;
    public static final byte KIND_TENSOR_STATS = 5;
    public static final byte KIND_MOVING_AVERAGE = 6;
    public static final byte KIND_CALIBRATION_STATE = 7;
    public static final byte KIND_EVALUATION = 32;
    public static final byte KIND_LAYER_ERRORS = 33;

    private StateCodec() {
    }

    /** Appends fields after the header. */
    public static final class Writer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        public Writer(byte kind) {
            out.write('Q');
            out.write('P');
            out.write(kind);
            out.write(VERSION);
        }

        public Writer varint(long v) {
            // Zig-zag so that small negative numbers stay short.
            long z = (v << 1) ^ (v >> 63);
            while ((z & ~0x7FL) != 0) {
                out.write((int) ((z & 0x7F) | 0x80));
                z >>>= 7;
            }
            out.write((int) z);
            return this;
        }

        public Writer f32(float v) {
            int bits = Float.floatToRawIntBits(v);
            for (int s = 0; s < 32; s += 8) {
                out.write((bits >>> s) & 0xFF);
            }
            return this;
        }

        public Writer f64(double v) {
            long bits = Double.doubleToRawLongBits(v);
            for (int s = 0; s < 64; s += 8) {
                out.write((int) ((bits >>> s) & 0xFF));
            }
            return this;
        }

        public Writer bytes(byte[] b) {
            varint(b.length);
            out.write(b, 0, b.length);
            return this;
        }

        public Writer string(String s) {
            return bytes(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }

        public byte[] toBytes() {
            return out.toByteArray();
        }
    }

    /** Reads fields after checking the header; every failure is a one-line BadInputException. */
    public static final class Reader {
        private final ByteBuffer in;
        private final String what;

        public Reader(byte[] bytes, byte kind, String what) {
            this.in = ByteBuffer.wrap(bytes == null ? new byte[0] : bytes);
            this.what = what;
            if (bytes == null || bytes.length < 4 || bytes[0] != 'Q' || bytes[1] != 'P') {
                throw new BadInputException(what + ": expected serialized quantpipe state, found "
                        + bytes.length + " bytes without the QP header");
            }
            if (bytes[2] != kind) {
                throw new BadInputException(what + ": expected state kind " + kind + ", found " + bytes[2]);
            }
            if (bytes[3] != VERSION) {
                throw new BadInputException(what + ": expected format version " + VERSION + ", found " + bytes[3]);
            }
            in.position(4);
        }

        public long varint() {
            long z = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                byte b = next();
                z |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return (z >>> 1) ^ -(z & 1);
                }
            }
            throw new BadInputException(what + ": malformed varint");
        }

        public int varintInt() {
            long v = varint();
            if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                throw new BadInputException(what + ": expected a 32-bit value, found " + v);
            }
            return (int) v;
        }

        public float f32() {
            int bits = 0;
            for (int s = 0; s < 32; s += 8) {
                bits |= (next() & 0xFF) << s;
            }
            return Float.intBitsToFloat(bits);
        }

        public double f64() {
            long bits = 0;
            for (int s = 0; s < 64; s += 8) {
                bits |= (long) (next() & 0xFF) << s;
            }
            return Double.longBitsToDouble(bits);
        }

        public byte[] bytes() {
            int n = varintInt();
            if (n < 0 || n > in.remaining()) {
                throw new BadInputException(what + ": expected " + n + " more bytes, found " + in.remaining());
            }
            byte[] b = new byte[n];
            in.get(b);
            return b;
        }

        /** A varint in [lo, hi]. */
        public long varint(long lo, long hi, String field) {
            long v = varint();
            if (v < lo || v > hi) {
                throw new BadInputException(what + ": expected " + field + " in [" + lo + ", " + hi + "], found " + v);
            }
            return v;
        }

        public int varintInt(int lo, int hi, String field) {
            return (int) varint(lo, hi, field);
        }

        public String string() {
            return new String(bytes(), java.nio.charset.StandardCharsets.UTF_8);
        }

        public String what() {
            return what;
        }

        public BadInputException bad(String message) {
            return new BadInputException(what + ": " + message);
        }

        public void end() {
            if (in.hasRemaining()) {
                throw new BadInputException(what + ": expected end of state, found " + in.remaining() + " trailing bytes");
            }
        }

        private byte next() {
            if (!in.hasRemaining()) {
                throw new BadInputException(what + ": state is truncated");
            }
            return in.get();
        }
    }
}
