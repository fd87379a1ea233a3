package io.quantpipe.jobs.ingest;

import io.quantpipe.quant.BadInputException;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code .npy} files (NumPy's format, versions 1 to 3): the magic {@code \x93NUMPY}, a version,
 * a little-endian header length, a Python dict literal with {@code descr}, {@code fortran_order} and
 * {@code shape}, then the raw values. C order only; float32, float64 (narrowed to float32), uint8
 * and integer dtypes.
 */
final class NpyReader {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private NpyReader() {
    }

    /** Reads at most {@code limit} samples (first axis) of the array in {@code raw}. */
    static NdArray read(InputStream raw, String source, long limit) throws IOException {
        DataInputStream in = new DataInputStream(Streams.maybeGunzip(raw));
        byte[] magic = new byte[6];
        int got = in.readNBytes(magic, 0, 6);
        for (int i = 0; i < 6; i++) {
            if (got < 6 || magic[i] != MAGIC[i]) {
                throw new BadInputException(source + ": expected a .npy file (magic \\x93NUMPY), found other bytes");
            }
        }
        int major = in.readUnsignedByte();
        in.readUnsignedByte(); // minor
        long headerLength;
        if (major == 1) {
            headerLength = Short.toUnsignedInt(Short.reverseBytes(in.readShort()));
        } else if (major == 2 || major == 3) {
            headerLength = Integer.toUnsignedLong(Integer.reverseBytes(in.readInt()));
        } else {
            throw new BadInputException(source + ": expected .npy format version 1, 2 or 3, found " + major);
        }
        if (headerLength > 1 << 20) {
            throw new BadInputException(source + ": expected a .npy header under 1 MiB, found " + headerLength + " bytes");
        }
        String header = new String(Streams.readBytes(in, (int) headerLength, source),
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);

        String descr = group(DESCR, header, "descr", source);
        if ("True".equals(group(FORTRAN, header, "fortran_order", source))) {
            throw new BadInputException(source + ": expected C order (fortran_order False), found Fortran order");
        }
        long[] shape = parseShape(group(SHAPE, header, "shape", source), source);
        if (shape.length > 0) {
            shape[0] = Math.min(shape[0], limit);
        }
        int count = NdArray.elements(shape, source);

        ByteOrder order = descr.startsWith(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        String type = descr.replaceFirst("^[<>|=]", "");
        return switch (type) {
            case "u1" -> NdArray.ofUint8(source, shape, Streams.readBytes(in, count, source));
            case "f4" -> NdArray.ofFloat32(source, shape, Streams.readFloats(in, count, order, source));
            case "f8" -> NdArray.ofFloat32(source, shape, Streams.readDoublesAsFloats(in, count, order, source));
            case "i1" -> NdArray.ofIntegers(source, shape, Streams.readIntegers(in, count, 1, false, order, source));
            case "i2" -> NdArray.ofIntegers(source, shape, Streams.readIntegers(in, count, 2, false, order, source));
            case "u2" -> NdArray.ofIntegers(source, shape, Streams.readIntegers(in, count, 2, true, order, source));
            case "i4" -> NdArray.ofIntegers(source, shape, Streams.readIntegers(in, count, 4, false, order, source));
            case "u4" -> NdArray.ofIntegers(source, shape, Streams.readIntegers(in, count, 4, true, order, source));
            case "i8" -> NdArray.ofIntegers(source, shape, Streams.readIntegers(in, count, 8, false, order, source));
            default -> throw new BadInputException(source + ": expected dtype float32, float64, uint8 or an integer type, found '"
                    + descr + "'");
        };
    }

    private static String group(Pattern p, String header, String key, String source) {
        Matcher m = p.matcher(header);
        if (!m.find()) {
            throw new BadInputException(source + ": expected '" + key + "' in the .npy header, found " + header.strip());
        }
        return m.group(1);
    }

    private static long[] parseShape(String text, String source) {
        List<Long> dims = new ArrayList<>();
        for (String part : text.split(",")) {
            String p = part.strip();
            if (p.isEmpty()) {
                continue;
            }
            try {
                dims.add(Long.parseLong(p.replaceFirst("[lL]$", "")));
            } catch (NumberFormatException e) {
                throw new BadInputException(source + ": expected integer dimensions in the .npy shape, found (" + text + ")");
            }
        }
        return dims.stream().mapToLong(Long::longValue).toArray();
    }
}
