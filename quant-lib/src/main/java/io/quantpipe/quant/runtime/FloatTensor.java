package io.quantpipe.quant.runtime;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * A float tensor on the Java side: values in row-major order plus a shape. As an input it may wrap a
 * {@link FloatBuffer} (a direct buffer reaches ONNX Runtime without a copy); as an output it always
 * holds a heap array that no native memory refers to.
 */
public final class FloatTensor {
    private final FloatBuffer data;
    private final long[] shape;

    private FloatTensor(FloatBuffer data, long[] shape) {
        if (data == null || shape == null) {
            throw new IllegalArgumentException("tensor data and shape must be given, found null");
        }
        this.data = data;
        this.shape = shape.clone();
    }

    /** Wraps the array, without copying it. */
    public static FloatTensor of(float[] values, long... shape) {
        return new FloatTensor(FloatBuffer.wrap(values), shape);
    }

    /** Wraps the buffer's remaining elements, without copying them. */
    public static FloatTensor of(FloatBuffer values, long... shape) {
        return new FloatTensor(values.slice(), shape);
    }

    public long[] shape() {
        return shape.clone();
    }

    /** Elements held, which need not agree with the shape until the tensor is run. */
    public int size() {
        return data.remaining();
    }

    /**
     * The values as an array. For a tensor made from an array (every output is) this is that array
     * itself, not a copy: activations can be large, so callers read it in place.
     */
    public float[] values() {
        if (data.hasArray() && data.arrayOffset() == 0 && data.array().length == data.remaining()) {
            return data.array();
        }
        float[] out = new float[data.remaining()];
        data.duplicate().get(out);
        return out;
    }

    FloatBuffer buffer() {
        return data.duplicate();
    }

    @Override
    public String toString() {
        return "FloatTensor" + Arrays.toString(shape);
    }
}
