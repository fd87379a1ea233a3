package io.quantpipe.quant.tensor;

import io.quantpipe.quant.ConfigException;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * ONNX QuantizeLinear / DequantizeLinear: {@code q = saturate(rint(x / scale) + zp)} and
 * {@code x' = (q - zp) * scale}, per tensor or per axis.
 *
 * <p>Arithmetic follows the ONNX reference and ONNX Runtime's kernels bit for bit: the division and
 * the product are float32 operations (a double division would round differently near halves, and
 * the DynamicQuantizeLinear conformance vectors tell the two apart), {@code rint} rounds half to even.
 * Saturation is to the type's full range, as in ONNX, unless the quantizer is built from a
 * {@link QuantSpec} with a narrower one (narrow-range weights must never reach -128). NaN quantizes
 * to the zero point.
 *
 * <p>Per-axis methods take the tensor's shape; element {@code i} belongs to channel
 * {@code (i / prod(shape[axis+1..])) % shape[axis]} (row-major, as ONNX stores tensors).
 */
public final class Quantizer {
    private final QuantParams params;
    private final int qmin;
    private final int qmax;

    private Quantizer(QuantParams params, int qmin, int qmax) {
        this.params = params;
        this.qmin = qmin;
        this.qmax = qmax;
    }

    /** Saturates to the full range of the type, as ONNX QuantizeLinear does. */
    public static Quantizer of(QuantParams params) {
        return new Quantizer(params, params.type().min(), params.type().max());
    }

    /** Saturates to the spec's {@code [qmin, qmax]} (narrow or reduced range). */
    public static Quantizer of(QuantParams params, QuantSpec spec) {
        if (spec.type() != params.type()) {
            throw new ConfigException("expected parameters of type " + spec.type() + " to match the spec, found " + params.type());
        }
        return new Quantizer(params, spec.qmin(), spec.qmax());
    }

    public QuantParams params() {
        return params;
    }

    /** One value: {@code saturate(rint(x / scale) + zeroPoint)} with float32 division. */
    public static int quantize(float x, float scale, int zeroPoint, int qmin, int qmax) {
        float scaled = x / scale;
        if (Float.isNaN(scaled)) {
            return Math.max(qmin, Math.min(qmax, zeroPoint));
        }
        double q = Math.rint(scaled) + zeroPoint;
        return (int) Math.max(qmin, Math.min(qmax, q));
    }

    /** One value: {@code (q - zeroPoint) * scale} with a float32 product. */
    public static float dequantize(int q, float scale, int zeroPoint) {
        return (float) ((long) q - zeroPoint) * scale;
    }

    /** Quantizes {@code x}; {@code shape} is needed only for per-axis parameters. */
    public int[] quantize(float[] x, long... shape) {
        int[] q = new int[x.length];
        forEach(x.length, shape, (i, c) -> q[i] = quantize(x[i], params.scale(c), params.zeroPoint(c), qmin, qmax));
        return q;
    }

    /** Quantizes to bytes: uint8 as its unsigned bit pattern, int8 as is (int32 does not fit). */
    public byte[] quantizeToBytes(float[] x, long... shape) {
        requireByteType();
        byte[] q = new byte[x.length];
        forEach(x.length, shape, (i, c) -> q[i] = (byte) quantize(x[i], params.scale(c), params.zeroPoint(c), qmin, qmax));
        return q;
    }

    /** Quantizes the remaining floats of {@code x} into {@code out} (relative positions), as bytes. */
    public void quantize(FloatBuffer x, ByteBuffer out, long... shape) {
        requireByteType();
        int xp = x.position();
        int op = out.position();
        int n = x.remaining();
        if (out.remaining() < n) {
            throw new ConfigException("expected room for " + n + " quantized values, found " + out.remaining());
        }
        forEach(n, shape, (i, c) -> out.put(op + i, (byte) quantize(x.get(xp + i), params.scale(c), params.zeroPoint(c), qmin, qmax)));
    }

    public float[] dequantize(int[] q, long... shape) {
        float[] x = new float[q.length];
        forEach(q.length, shape, (i, c) -> x[i] = dequantize(q[i], params.scale(c), params.zeroPoint(c)));
        return x;
    }

    /** Dequantizes bytes holding this quantizer's type (uint8 read unsigned). */
    public float[] dequantize(byte[] q, long... shape) {
        requireByteType();
        boolean unsigned = !params.type().isSigned();
        float[] x = new float[q.length];
        forEach(q.length, shape, (i, c) -> x[i] = dequantize(unsigned ? q[i] & 0xff : q[i], params.scale(c), params.zeroPoint(c)));
        return x;
    }

    /** Dequantizes the remaining bytes of {@code q} into {@code out} (relative positions). */
    public void dequantize(ByteBuffer q, FloatBuffer out, long... shape) {
        requireByteType();
        boolean unsigned = !params.type().isSigned();
        int qp = q.position();
        int op = out.position();
        int n = q.remaining();
        if (out.remaining() < n) {
            throw new ConfigException("expected room for " + n + " dequantized values, found " + out.remaining());
        }
        forEach(n, shape, (i, c) -> {
            byte b = q.get(qp + i);
            out.put(op + i, dequantize(unsigned ? b & 0xff : b, params.scale(c), params.zeroPoint(c)));
        });
    }

    /** Quantize then dequantize: the values the quantized model sees, in float. */
    public float[] fakeQuantize(float[] x, long... shape) {
        float[] y = new float[x.length];
        forEach(x.length, shape, (i, c) -> {
            float s = params.scale(c);
            int zp = params.zeroPoint(c);
            y[i] = dequantize(quantize(x[i], s, zp, qmin, qmax), s, zp);
        });
        return y;
    }

    private interface Element {
        void apply(int index, int channel);
    }

    /** Visits the n elements in order with their channel (0 for per-tensor parameters). */
    private void forEach(int n, long[] shape, Element e) {
        if (shape.length > 0 && product(shape) != n) {
            throw new ConfigException("expected " + product(shape) + " elements for shape " + Arrays.toString(shape) + ", found " + n);
        }
        if (!params.perAxis()) {
            for (int i = 0; i < n; i++) {
                e.apply(i, 0);
            }
            return;
        }
        int axis = params.axis();
        if (axis >= shape.length) {
            throw new ConfigException("expected a tensor shape with more than " + axis + " dims for per-axis parameters, found "
                    + Arrays.toString(shape));
        }
        if (shape[axis] != params.channels()) {
            throw new ConfigException("expected dim " + axis + " to equal the " + params.channels() + " channels, found " + shape[axis]);
        }
        int channels = params.channels();
        long inner = 1;
        for (int d = axis + 1; d < shape.length; d++) {
            inner *= shape[d];
        }
        int i = 0;
        while (i < n) {
            for (int c = 0; c < channels; c++) {
                for (long k = 0; k < inner; k++) {
                    e.apply(i++, c);
                }
            }
        }
    }

    private static long product(long[] shape) {
        long p = 1;
        for (long d : shape) {
            p *= d;
        }
        return p;
    }

    private void requireByteType() {
        if (params.type() == QuantType.INT32) {
            throw new ConfigException("expected an 8-bit type for byte output, found " + params.type());
        }
    }
}
