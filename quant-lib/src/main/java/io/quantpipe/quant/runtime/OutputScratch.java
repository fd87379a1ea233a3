package io.quantpipe.quant.runtime;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One thread's reusable run memory: a direct buffer per input that feeds are copied into, a direct
 * buffer per output that ONNX Runtime writes into ({@link ModelRunner#runEach}'s pinned outputs),
 * and the output shapes seen for the last few input shapes (a partition's short last batch must not
 * make the next full batch relearn them). Buffers only grow, so steady-state batches allocate
 * neither large arrays (which G1 would place in humongous regions, growing the committed heap) nor
 * native memory.
 */
final class OutputScratch {
    private final Map<String, FloatBuffer> direct = new HashMap<>();
    private final Map<String, FloatBuffer> inputs = new HashMap<>();
    private final Map<String, Map<String, long[]>> shapes = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Map<String, long[]>> eldest) {
            return size() > KEPT_INPUT_SHAPES;
        }
    };
    private static final int KEPT_INPUT_SHAPES = 8;

    /** The output shapes seen for these input shapes, or null. */
    Map<String, long[]> shapesFor(long[] key) {
        return shapes.get(Arrays.toString(key));
    }

    void remember(long[] key, LinkedHashMap<String, long[]> outputShapes) {
        shapes.put(Arrays.toString(key), outputShapes);
    }

    void forget(long[] key) {
        shapes.remove(Arrays.toString(key));
    }

    /** A native-order direct buffer of exactly {@code count} floats for the output, reused. */
    FloatBuffer direct(String name, int count) {
        return reused(direct, name, count);
    }

    /** A native-order direct buffer of exactly {@code count} floats for the input, reused. */
    FloatBuffer input(String name, int count) {
        return reused(inputs, name, count);
    }

    private static FloatBuffer reused(Map<String, FloatBuffer> buffers, String name, int count) {
        FloatBuffer b = buffers.get(name);
        if (b == null || b.capacity() < count) {
            b = ByteBuffer.allocateDirect(Math.multiplyExact(count, Float.BYTES)).order(ByteOrder.nativeOrder())
                    .asFloatBuffer();
            buffers.put(name, b);
        }
        b.clear().limit(count);
        return b;
    }
}
