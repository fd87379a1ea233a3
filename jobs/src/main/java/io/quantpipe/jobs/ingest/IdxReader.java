package io.quantpipe.jobs.ingest;

import io.quantpipe.quant.BadInputException;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Reads IDX files, the format of MNIST and Fashion-MNIST (LeCun et al.): two zero bytes, a type
 * code, the number of dimensions, each dimension as a big-endian int32, then the values row-major
 * and big-endian. gzip-compressed files are read as they are.
 */
final class IdxReader {
    private static final int UBYTE = 0x08;
    private static final int BYTE = 0x09;
    private static final int SHORT = 0x0B;
    private static final int INT = 0x0C;
    private static final int FLOAT = 0x0D;

    private IdxReader() {
    }

    /** Reads at most {@code limit} samples (first axis) of the IDX array in {@code raw}. */
    static NdArray read(InputStream raw, String source, long limit) throws IOException {
        DataInputStream in = new DataInputStream(Streams.maybeGunzip(raw));
        int zero0 = in.read();
        int zero1 = in.read();
        int type = in.read();
        int ndims = in.read();
        if (zero0 != 0 || zero1 != 0 || ndims < 0) {
            throw new BadInputException(source + ": expected an IDX file (magic 00 00 tt nn), found "
                    + String.format("%02x %02x %02x %02x", zero0, zero1, type, ndims));
        }
        if (ndims == 0) {
            throw new BadInputException(source + ": expected an IDX array with at least one dimension, found 0");
        }
        long[] shape = new long[ndims];
        for (int i = 0; i < ndims; i++) {
            shape[i] = Integer.toUnsignedLong(in.readInt());
        }
        shape[0] = Math.min(shape[0], limit);
        int count = NdArray.elements(shape, source);
        return switch (type) {
            case UBYTE -> NdArray.ofUint8(source, shape, Streams.readBytes(in, count, source));
            case FLOAT -> NdArray.ofFloat32(source, shape, Streams.readFloats(in, count, ByteOrder.BIG_ENDIAN, source));
            case BYTE -> NdArray.ofIntegers(source, shape, Streams.readIntegers(in, count, 1, false, ByteOrder.BIG_ENDIAN, source));
            case SHORT -> NdArray.ofIntegers(source, shape, Streams.readIntegers(in, count, 2, false, ByteOrder.BIG_ENDIAN, source));
            case INT -> NdArray.ofIntegers(source, shape, Streams.readIntegers(in, count, 4, false, ByteOrder.BIG_ENDIAN, source));
            default -> throw new BadInputException(source + ": expected IDX type 08 (ubyte), 09, 0b, 0c or 0d (float), found "
                    + String.format("%02x", type) + " for shape " + Arrays.toString(shape));
        };
    }
}
