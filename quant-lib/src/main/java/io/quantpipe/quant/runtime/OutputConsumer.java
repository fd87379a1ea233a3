package io.quantpipe.quant.runtime;

import java.nio.FloatBuffer;

/**
 * Receives one output of a {@link ModelRunner#runEach} call as a view: the floats between the
 * buffer's position and limit, in row-major order. The buffer is memory the runner reuses (often
 * ONNX Runtime's own output memory, read in place), valid only during the call; copy what must
 * outlive it and leave its position and limit as they are.
 */
@FunctionalInterface
public interface OutputConsumer {
    void accept(String name, FloatBuffer values, long[] shape);
}
