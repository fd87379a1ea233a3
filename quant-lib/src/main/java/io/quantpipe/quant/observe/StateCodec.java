package io.quantpipe.quant.observe;

import io.quantpipe.quant.BadInputException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/**
 * The byte layout every observer state shares: a 4-byte header ({@code 'Q' 'P'}, a kind byte, a
 * format version byte) followed by fixed-width or LEB128 varint fields. Deterministic: the same
 * state always encodes to the same bytes.
 */
final class StateCodec {
    static final byte VERSION = 1;
    static final byte KIND_MIN_MAX = 1;
    static final byte KIND_HISTOGRAM = 2;
    static final byte KIND_PER_CHANNEL_MIN_MAX = 3;
    static final byte KIND_PER_CHANNEL_HISTOGRAM = 4;
    static final byte KIND_TENSOR_STATS = 5;
    static final byte KIND_MOVING_AVERAGE = 6;
    static final byte KIND_CALIBRATION_STATE = 7;

    private StateCodec() {
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
            // Zig-zag so that small negative numbers stay short.
            long z = (v << 1) ^ (v >> 63);
            while ((z & ~0x7FL) != 0) {
                out.write((int) ((z & 0x7F) | 0x80));
                z >>>= 7;
            }
            out.write((int) z);
            return this;
        }

        Writer f32(float v) {
            int bits = Float.floatToRawIntBits(v);
            for (int s = 0; s < 32; s += 8) {
                out.write((bits >>> s) & 0xFF);
            }
            return this;
        }

        Writer f64(double v) {
            long bits = Double.doubleToRawLongBits(v);
            for (int s = 0; s < 64; s += 8) {
                out.write((int) ((bits >>> s) & 0xFF));
            }
            return this;
        }

        Writer bytes(byte[] b) {
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
            this.in = ByteBuffer.wrap(bytes);
            this.what = what;
            if (bytes.length < 4 || bytes[0] != 'Q' || bytes[1] != 'P') {
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

        int varintInt() {
            long v = varint();
            if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                throw new BadInputException(what + ": expected a 32-bit value, found " + v);
            }
            return (int) v;
        }

        float f32() {
            int bits = 0;
            for (int s = 0; s < 32; s += 8) {
                bits |= (next() & 0xFF) << s;
            }
            return Float.intBitsToFloat(bits);
        }

        double f64() {
            long bits = 0;
            for (int s = 0; s < 64; s += 8) {
                bits |= (long) (next() & 0xFF) << s;
            }
            return Double.longBitsToDouble(bits);
        }

        byte[] bytes() {
            int n = varintInt();
            if (n < 0 || n > in.remaining()) {
                throw new BadInputException(what + ": expected " + n + " more bytes, found " + in.remaining());
            }
            byte[] b = new byte[n];
            in.get(b);
            return b;
        }

        void end() {
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
