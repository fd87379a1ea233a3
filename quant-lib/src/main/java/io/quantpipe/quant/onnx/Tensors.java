package io.quantpipe.quant.onnx;

import com.google.protobuf.ByteString;
import io.quantpipe.quant.BadInputException;
import io.quantpipe.quant.onnx.proto.OnnxIr.TensorProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Conversions between ONNX {@code TensorProto} and Java arrays. Reads both encodings the IR allows:
 * {@code raw_data} (little-endian, densely packed) and the typed repeated fields
 * ({@code float_data}, {@code int32_data} holding int8/uint8/int16/int32, {@code int64_data}).
 * Writes {@code raw_data}, as ONNX's own tools do for initializers.
 */
public final class Tensors {
    public static final int FLOAT = 1;
    public static final int UINT8 = 2;
    public static final int INT8 = 3;
    public static final int INT32 = 6;
    public static final int INT64 = 7;

    private Tensors() {
    }

    /** Number of elements given by the dims (1 for a scalar). */
    public static long elementCount(TensorProto t) {
        long n = 1;
        for (long d : t.getDimsList()) {
            if (d < 0) {
                throw new BadInputException("tensor '" + t.getName() + "': expected non-negative dims, found " + d);
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public static long[] dims(TensorProto t) {
        long[] d = new long[t.getDimsCount()];
        for (int i = 0; i < d.length; i++) {
            d[i] = t.getDims(i);
        }
        return d;
    }

    public static float[] toFloats(TensorProto t) {
        requireType(t, FLOAT);
        int n = count(t);
        float[] out = new float[n];
        if (t.hasRawData()) {
            raw(t, n, 4).asFloatBuffer().get(out);
        } else {
            requireCount(t, t.getFloatDataCount(), n);
            for (int i = 0; i < n; i++) {
                out[i] = t.getFloatData(i);
            }
        }
        return out;
    }

    /** Elements of an int8, uint8 or int32 tensor as ints (uint8 as 0..255). */
    public static int[] toInts(TensorProto t) {
        int type = t.getDataType();
        int n = count(t);
        int[] out = new int[n];
        if (type == INT8 || type == UINT8) {
            if (t.hasRawData()) {
                ByteBuffer b = raw(t, n, 1);
                for (int i = 0; i < n; i++) {
                    out[i] = type == UINT8 ? Byte.toUnsignedInt(b.get(i)) : b.get(i);
                }
                return out;
            }
        } else if (type == INT32) {
            if (t.hasRawData()) {
                raw(t, n, 4).asIntBuffer().get(out);
                return out;
            }
        } else {
            throw new BadInputException("tensor '" + t.getName() + "': expected int8, uint8 or int32, found data type " + type);
        }
        requireCount(t, t.getInt32DataCount(), n);
        for (int i = 0; i < n; i++) {
            out[i] = t.getInt32Data(i);
        }
        return out;
    }

    public static long[] toLongs(TensorProto t) {
        requireType(t, INT64);
        int n = count(t);
        long[] out = new long[n];
        if (t.hasRawData()) {
            raw(t, n, 8).asLongBuffer().get(out);
        } else {
            requireCount(t, t.getInt64DataCount(), n);
            for (int i = 0; i < n; i++) {
                out[i] = t.getInt64Data(i);
            }
        }
        return out;
    }

    public static TensorProto ofFloats(String name, float[] values, long... dims) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return build(name, FLOAT, b, values.length, dims);
    }

    /** An int8, uint8 or int32 tensor from int values (which must fit the type). */
    public static TensorProto ofInts(String name, int dataType, int[] values, long... dims) {
        ByteBuffer b;
        if (dataType == INT8 || dataType == UINT8) {
            int lo = dataType == INT8 ? -128 : 0;
            int hi = dataType == INT8 ? 127 : 255;
            b = ByteBuffer.allocate(values.length);
            for (int v : values) {
                if (v < lo || v > hi) {
                    throw new IllegalArgumentException("value " + v + " does not fit data type " + dataType);
                }
                b.put((byte) v);
            }
        } else if (dataType == INT32) {
            b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asIntBuffer().put(values);
        } else {
            throw new IllegalArgumentException("expected int8, uint8 or int32 data type, found " + dataType);
        }
        return build(name, dataType, b, values.length, dims);
    }

    public static TensorProto ofLongs(String name, long[] values, long... dims) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        return build(name, INT64, b, values.length, dims);
    }

    private static TensorProto build(String name, int type, ByteBuffer data, int n, long[] dims) {
        long expected = 1;
        for (long d : dims) {
            expected *= d;
        }
        if (expected != n) {
            throw new IllegalArgumentException("tensor '" + name + "': dims give " + expected + " elements, found " + n);
        }
        TensorProto.Builder t = TensorProto.newBuilder().setDataType(type).setRawData(ByteString.copyFrom(data.array()));
        if (name != null) {
            t.setName(name);
        }
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    private static int count(TensorProto t) {
        if (t.getDataLocation() == 1) {
            throw new BadInputException("tensor '" + t.getName() + "': data is stored externally; load the model with its external data first");
        }
        long n = elementCount(t);
        if (n > Integer.MAX_VALUE - 8) {
            throw new BadInputException("tensor '" + t.getName() + "': expected at most 2^31 elements, found " + n);
        }
        return (int) n;
    }

    private static ByteBuffer raw(TensorProto t, int n, int width) {
        ByteString raw = t.getRawData();
        if (raw.size() != (long) n * width) {
            throw new BadInputException("tensor '" + t.getName() + "': expected " + (long) n * width
                    + " bytes of raw data for " + n + " elements, found " + raw.size());
        }
        return raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    private static void requireType(TensorProto t, int type) {
        if (t.getDataType() != type) {
            throw new BadInputException("tensor '" + t.getName() + "': expected data type " + type + ", found " + t.getDataType());
        }
    }

    private static void requireCount(TensorProto t, int found, int n) {
        if (found != n) {
            throw new BadInputException("tensor '" + t.getName() + "': expected " + n + " elements, found " + found);
        }
    }
}
