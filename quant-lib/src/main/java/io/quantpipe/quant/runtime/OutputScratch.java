package io.quantpipe.quant.runtime;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One thread's reusable output memory for {@link ModelRunner#runEach}: a direct buffer per output
 * that ONNX Runtime writes into (pinned outputs), one heap array the values are read into, and the
 * output shapes last seen for an input shape. Buffers only grow, so steady-state batches allocate
 * no large arrays (which G1 would place in humongous regions, growing the committed heap).
 */
final class OutputScratch {
    private final Map<String, FloatBuffer> direct = new HashMap<>();
    private float[] values = new float[0];
    private long[] inputKey;
    private Map<String, long[]> shapes;

    /** The output shapes seen last time for these input shapes, or null. */
    Map<String, long[]> shapesFor(long[] key) {
        return Arrays.equals(key, inputKey) ? shapes : null;
    }

    void remember(long[] key, LinkedHashMap<String, long[]> outputShapes) {
        inputKey = key;
        shapes = outputShapes;
    }

    void forget() {
        inputKey = null;
        shapes = null;
    }

    /** A native-order direct buffer of exactly {@code count} floats for the output, reused. */
    FloatBuffer direct(String name, int count) {
        FloatBuffer b = direct.get(name);
        if (b == null || b.capacity() < count) {
            b = ByteBuffer.allocateDirect(Math.multiplyExact(count, Float.BYTES)).order(ByteOrder.nativeOrder())
                    .asFloatBuffer();
            direct.put(name, b);
        }
        b.clear().limit(count);
        return b;
    }

    /** The heap array, at least {@code count} long. */
    float[] values(int count) {
        if (values.length < count) {
            values = new float[count];
        }
        return values;
    }
}
