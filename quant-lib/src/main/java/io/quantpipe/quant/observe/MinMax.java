package io.quantpipe.quant.observe;

import io.quantpipe.quant.io.StateCodec;
/**
 * Exact running minimum and maximum of a tensor's finite values, with counts of finite values,
 * NaN and infinities (PyTorch's MinMaxObserver, made exactly mergeable).
 *
 * <p>NaN and ±Inf are counted, never folded into the range. Updates and merges use
 * {@link Math#min(float, float)} / {@link Math#max(float, float)}, which order -0.0 below 0.0, so
 * the result does not depend on the order values arrive in.
 */
public final class MinMax {
    private float min = Float.POSITIVE_INFINITY;
    private float max = Float.NEGATIVE_INFINITY;
    private long count;
    private long nanCount;
    private long posInfCount;
    private long negInfCount;

    public MinMax() {
    }

    public void update(float[] values) {
        update(values, 0, values.length);
    }

    public void update(float[] values, int offset, int length) {
        // Fast path: a plain min/max reduction (NaN propagates through Math.min/max); a non-finite
        // result sends the batch to the careful path.
        float lo = Float.POSITIVE_INFINITY;
        float hi = Float.NEGATIVE_INFINITY;
        for (int i = offset, end = offset + length; i < end; i++) {
            float v = values[i];
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        if (length > 0 && !(Math.abs(lo) <= Float.MAX_VALUE && Math.abs(hi) <= Float.MAX_VALUE)) {
            updateCounting(values, offset, length);
            return;
        }
        fold(lo, hi, length);
    }

    private void updateCounting(float[] values, int offset, int length) {
        float lo = Float.POSITIVE_INFINITY;
        float hi = Float.NEGATIVE_INFINITY;
        long finite = 0;
        for (int i = offset, end = offset + length; i < end; i++) {
            float v = values[i];
            if (Math.abs(v) <= Float.MAX_VALUE) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
                finite++;
            } else if (Float.isNaN(v)) {
                nanCount++;
            } else if (v > 0) {
                posInfCount++;
            } else {
                negInfCount++;
            }
        }
        fold(lo, hi, finite);
    }

    /** Folds one batch's finite range and counts in (used by {@link Histogram}'s one-pass update). */
    void fold(float lo, float hi, long finite, long nan, long posInf, long negInf) {
        fold(lo, hi, finite);
        nanCount += nan;
        posInfCount += posInf;
        negInfCount += negInf;
    }

    private void fold(float lo, float hi, long finite) {
        min = Math.min(min, lo);
        max = Math.max(max, hi);
        count += finite;
    }

    /** Adds {@code other} into this state; {@code other} is unchanged. */
    public MinMax merge(MinMax other) {
        if (other == this) {
            throw new IllegalArgumentException("cannot merge a state into itself");
        }
        min = Math.min(min, other.min);
        max = Math.max(max, other.max);
        count += other.count;
        nanCount += other.nanCount;
        posInfCount += other.posInfCount;
        negInfCount += other.negInfCount;
        return this;
    }

    /** Smallest finite value seen, +Inf when none. */
    public float min() {
        return min;
    }

    /** Largest finite value seen, -Inf when none. */
    public float max() {
        return max;
    }

    /** Largest finite |x| seen, 0 when none. */
    public float absMax() {
        return isEmpty() ? 0f : Math.max(Math.abs(min), Math.abs(max));
    }

    /** Number of finite values seen. */
    public long count() {
        return count;
    }

    public long nanCount() {
        return nanCount;
    }

    public long posInfCount() {
        return posInfCount;
    }

    public long negInfCount() {
        return negInfCount;
    }

    /** NaN plus ±Inf. */
    public long nonFiniteCount() {
        return nanCount + posInfCount + negInfCount;
    }

    /** True when no finite value was seen. */
    public boolean isEmpty() {
        return count == 0;
    }

    public byte[] toBytes() {
        StateCodec.Writer w = new StateCodec.Writer(StateCodec.KIND_MIN_MAX);
        write(w);
        return w.toBytes();
    }

    void write(StateCodec.Writer w) {
        w.f32(min).f32(max).varint(count).varint(nanCount).varint(posInfCount).varint(negInfCount);
    }

    public static MinMax fromBytes(byte[] bytes) {
        StateCodec.Reader r = new StateCodec.Reader(bytes, StateCodec.KIND_MIN_MAX, "min/max state");
        MinMax m = read(r);
        r.end();
        return m;
    }

    static MinMax read(StateCodec.Reader r) {
        MinMax m = new MinMax();
        m.min = r.f32();
        m.max = r.f32();
        m.count = r.varint();
        m.nanCount = r.varint();
        m.posInfCount = r.varint();
        m.negInfCount = r.varint();
        return m;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MinMax m && Float.floatToRawIntBits(m.min) == Float.floatToRawIntBits(min)
                && Float.floatToRawIntBits(m.max) == Float.floatToRawIntBits(max) && m.count == count
                && m.nanCount == nanCount && m.posInfCount == posInfCount && m.negInfCount == negInfCount;
    }

    @Override
    public int hashCode() {
        return Float.hashCode(min) * 31 + Float.hashCode(max) + Long.hashCode(count * 17 + nanCount);
    }

    @Override
    public String toString() {
        return "MinMax[min=" + min + ", max=" + max + ", count=" + count + ", nan=" + nanCount
                + ", +inf=" + posInfCount + ", -inf=" + negInfCount + "]";
    }
}
