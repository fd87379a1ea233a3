package io.quantpipe.quant.runtime;

/**
 * Receives one output of a {@link ModelRunner#runEach} call as a view: {@code values[0, length)} in
 * row-major order. The array is a buffer the runner reuses, valid only during the call; copy what
 * must outlive it.
 */
@FunctionalInterface
public interface OutputConsumer {
    void accept(String name, float[] values, int length, long[] shape);
}
