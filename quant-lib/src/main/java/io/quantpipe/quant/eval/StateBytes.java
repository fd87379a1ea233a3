package io.quantpipe.quant.eval;

import io.quantpipe.quant.BadInputException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Byte layout of the evaluation states, the same shape as the observer states': a 4-byte header
 * ({@code 'Q' 'P'}, a kind byte, a format version byte) followed by zig-zag LEB128 varints,
 * little-endian doubles and length-prefixed UTF-8 strings. Deterministic: the same state always
 * encodes to the same bytes.
 */
final class StateBytes {
    static final byte VERSION = 1;
    // Kinds 1..31 belong to the observer states.
    static final byte KIND_EVALUATION = 32;
    static final byte KIND_LAYER_ERRORS = 33;

    private StateBytes() {
    }

    static final class Writer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Writer(byte kind) {
            out.write('Q');
            out.write('P');
            out.write(kind);
            out.write(VERSION);
        }

        Writer varint(long v) {
            long z = (v << 1) ^ (v >> 63);
            while ((z & ~0x7FL) != 0) {
                out.write((int) ((z & 0x7F) | 0x80));
                z >>>= 7;
            }
            out.write((int) z);
            return this;
        }

        Writer f64(double v) {
            long bits = Double.doubleToRawLongBits(v);
            for (int s = 0; s < 64; s += 8) {
                out.write((int) ((bits >>> s) & 0xFF));
            }
            return this;
        }

        Writer string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            varint(b.length);
            out.write(b, 0, b.length);
            return this;
        }

        byte[] toBytes() {
            return out.toByteArray();
        }
    }

    static final class Reader {
        private final ByteBuffer in;
        private final String what;

        Reader(byte[] bytes, byte kind, String what) {
            this.what = what;
            if (bytes == null || bytes.length < 4 || bytes[0] != 'Q' || bytes[1] != 'P') {
                throw new BadInputException(what + ": expected serialized quantpipe state, found "
                        + (bytes == null ? "null" : bytes.length + " bytes without the QP header"));
            }
            if (bytes[2] != kind) {
                throw new BadInputException(what + ": expected state kind " + kind + ", found " + bytes[2]);
            }
            if (bytes[3] != VERSION) {
                throw new BadInputException(what + ": expected format version " + VERSION + ", found " + bytes[3]);
            }
            this.in = ByteBuffer.wrap(bytes);
            in.position(4);
        }

        String what() {
            return what;
        }

        long varint() {
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

        /** A varint in [lo, hi]. */
        long varint(long lo, long hi, String field) {
            long v = varint();
            if (v < lo || v > hi) {
                throw new BadInputException(what + ": expected " + field + " in [" + lo + ", " + hi + "], found " + v);
            }
            return v;
        }

        int varintInt(int lo, int hi, String field) {
            return (int) varint(lo, hi, field);
        }

        double f64() {
            long bits = 0;
            for (int s = 0; s < 64; s += 8) {
                bits |= (long) (next() & 0xFF) << s;
            }
            return Double.longBitsToDouble(bits);
        }

        String string() {
            int n = varintInt(0, in.remaining(), "string length");
            byte[] b = new byte[n];
            in.get(b);
            return new String(b, StandardCharsets.UTF_8);
        }

        void end() {
            if (in.hasRemaining()) {
                throw new BadInputException(what + ": expected end of state, found " + in.remaining() + " trailing bytes");
            }
        }

        BadInputException bad(String message) {
            return new BadInputException(what + ": " + message);
        }

        private byte next() {
            if (!in.hasRemaining()) {
                throw new BadInputException(what + ": state is truncated");
            }
            return in.get();
        }
    }
}
