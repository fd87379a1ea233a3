package io.quantpipe.quant.observe;

import io.quantpipe.quant.io.StateCodec;
/**
 * PyTorch's MovingAverageMinMaxObserver, for parity with models calibrated there: the first batch
 * sets the range, later batches move it by {@code min += c * (batchMin - min)} (c = 0.01 by
 * default). The result depends on batch order and batch boundaries, so this state cannot be merged
 * across partitions; use it on one machine with ordered batches. Non-finite values are skipped.
 */
public final class MovingAverageMinMax {
    /** PyTorch's default averaging constant. */
    public static final float DEFAULT_AVERAGING_CONSTANT = 0.01f;

    private final float averagingConstant;
    private float min = Float.POSITIVE_INFINITY;
    private float max = Float.NEGATIVE_INFINITY;
    private long batches;

    public MovingAverageMinMax() {
        this(DEFAULT_AVERAGING_CONSTANT);
    }

    public MovingAverageMinMax(float averagingConstant) {
        if (!(averagingConstant > 0f && averagingConstant <= 1f)) {
            throw new IllegalArgumentException("averaging constant: expected (0, 1], found " + averagingConstant);
        }
        this.averagingConstant = averagingConstant;
    }

    /** Observes one batch. */
    public void update(float[] values, int offset, int length) {
        MinMax batch = new MinMax();
        batch.update(values, offset, length);
        if (batch.isEmpty()) {
            return;
        }
        if (batches == 0) {
            min = batch.min();
            max = batch.max();
        } else {
            // float32 arithmetic, as torch computes it on float tensors.
            min = min + averagingConstant * (batch.min() - min);
            max = max + averagingConstant * (batch.max() - max);
        }
        batches++;
    }

    public void update(float[] values) {
        update(values, 0, values.length);
    }

    public float min() {
        return min;
    }

    public float max() {
        return max;
    }

    public long batches() {
        return batches;
    }

    public float averagingConstant() {
        return averagingConstant;
    }

    public byte[] toBytes() {
        return new StateCodec.Writer(StateCodec.KIND_MOVING_AVERAGE).f32(averagingConstant).f32(min).f32(max)
                .varint(batches).toBytes();
    }

    public static MovingAverageMinMax fromBytes(byte[] bytes) {
        StateCodec.Reader r = new StateCodec.Reader(bytes, StateCodec.KIND_MOVING_AVERAGE, "moving-average state");
        MovingAverageMinMax m = new MovingAverageMinMax(r.f32());
        m.min = r.f32();
        m.max = r.f32();
        m.batches = r.varint();
        r.end();
        return m;
    }
}
