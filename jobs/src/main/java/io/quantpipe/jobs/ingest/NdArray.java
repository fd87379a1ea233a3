package io.quantpipe.jobs.ingest;

import io.quantpipe.quant.BadInputException;

import java.util.Arrays;

/**
 * An n-dimensional array read from a file into memory, row-major, first axis = samples. Values are
 * uint8, float32, or integers (kept as long) for labels.
 */
final class NdArray {
    enum Kind { UINT8, FLOAT32, INTEGER }

    private final String source;
    private final long[] shape;
    private final Kind kind;
    private final byte[] uint8;
    private final float[] float32;
    private final long[] integers;

    private NdArray(String source, long[] shape, Kind kind, byte[] uint8, float[] float32, long[] integers) {
        this.source = source;
        this.shape = shape;
        this.kind = kind;
        this.uint8 = uint8;
        this.float32 = float32;
        this.integers = integers;
    }

    static NdArray ofUint8(String source, long[] shape, byte[] values) {
        return new NdArray(source, shape, Kind.UINT8, values, null, null);
    }

    static NdArray ofFloat32(String source, long[] shape, float[] values) {
        return new NdArray(source, shape, Kind.FLOAT32, null, values, null);
    }

    static NdArray ofIntegers(String source, long[] shape, long[] values) {
        return new NdArray(source, shape, Kind.INTEGER, null, null, values);
    }

    /**
     * Elements of {@code shape}, checked to fit one Java array.
     */
    static int elements(long[] shape, String source) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new BadInputException(source + ": expected non-negative dimensions, found " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        if (n > Integer.MAX_VALUE - 8) {
            throw new BadInputException(source + ": expected at most " + (Integer.MAX_VALUE - 8)
                    + " elements to hold in memory, found " + n + " (use --limit)");
        }
        return (int) n;
    }

    Kind kind() {
        return kind;
    }

    String source() {
        return source;
    }

    int rows() {
        return shape.length == 0 ? 1 : (int) shape[0];
    }

    /** Shape of one sample: the shape without its first axis ({@code [1]} for a 1-D array). */
    long[] rowShape() {
        return shape.length <= 1 ? new long[] {1} : Arrays.copyOfRange(shape, 1, shape.length);
    }

    int rowElements() {
        return shape.length <= 1 ? 1 : elements(rowShape(), source);
    }

    byte[] uint8Row(int i) {
        int n = rowElements();
        return Arrays.copyOfRange(uint8, i * n, (i + 1) * n);
    }

    float[] float32Row(int i) {
        int n = rowElements();
        return Arrays.copyOfRange(float32, i * n, (i + 1) * n);
    }

    /** The array as one label per sample: integers or uint8, shape {@code [n]} or {@code [n, 1]}. */
    int[] labels() {
        if (shape.length == 0 || shape.length > 2 || (shape.length == 2 && shape[1] != 1)) {
            throw new BadInputException(source + ": expected labels of shape [n] or [n, 1], found "
                    + Arrays.toString(shape));
        }
        int[] out = new int[rows()];
        for (int i = 0; i < out.length; i++) {
            long v = switch (kind) {
                case UINT8 -> uint8[i] & 0xFF;
                case INTEGER -> integers[i];
                case FLOAT32 -> throw new BadInputException(source + ": expected integer labels, found float32");
            };
            if (v < 0 || v > Integer.MAX_VALUE) {
                throw new BadInputException(source + ": expected labels in [0, " + Integer.MAX_VALUE
                        + "], found " + v + " at " + i);
            }
            out[i] = (int) v;
        }
        return out;
    }
}
