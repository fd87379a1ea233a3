package io.quantpipe.quant.observe;

import io.quantpipe.quant.io.StateCodec;
import java.util.Arrays;

/**
 * Exact min/max per slice along one axis (PyTorch's PerChannelMinMaxObserver, exactly mergeable).
 * The channel count is taken from the first update; an empty state merges with anything.
 */
public final class PerChannelMinMax {
    private final int axis;
    private MinMax[] channels = new MinMax[0];

    public PerChannelMinMax(int axis) {
        if (axis < 0) {
            throw new IllegalArgumentException("channel axis: expected >= 0, found " + axis);
        }
        this.axis = axis;
    }

    /** Observes a row-major tensor of the given shape. */
    public void update(float[] values, long[] shape) {
        ChannelLayout l = ChannelLayout.of(shape, axis, values.length);
        ensureChannels(l.channels());
        for (int o = 0; o < l.outer(); o++) {
            for (int c = 0; c < l.channels(); c++) {
                channels[c].update(values, (o * l.channels() + c) * l.inner(), l.inner());
            }
        }
    }

    private void ensureChannels(int n) {
        if (channels.length == n) {
            return;
        }
        if (channels.length != 0) {
            throw new io.quantpipe.quant.BadInputException("per-channel state on axis " + axis + ": expected "
                    + channels.length + " channels, found " + n);
        }
        channels = new MinMax[n];
        for (int c = 0; c < n; c++) {
            channels[c] = new MinMax();
        }
    }

    public PerChannelMinMax merge(PerChannelMinMax other) {
        if (other == this) {
            throw new IllegalArgumentException("cannot merge a state into itself");
        }
        if (other.axis != axis) {
            throw new IllegalArgumentException("per-channel states on different axes: " + axis + " and " + other.axis);
        }
        if (other.channels.length == 0) {
            return this;
        }
        ensureChannels(other.channels.length);
        for (int c = 0; c < channels.length; c++) {
            channels[c].merge(other.channels[c]);
        }
        return this;
    }

    public int axis() {
        return axis;
    }

    public int channelCount() {
        return channels.length;
    }

    /** The state of one channel (live, do not modify). */
    public MinMax channel(int c) {
        return channels[c];
    }

    public float[] mins() {
        float[] m = new float[channels.length];
        for (int c = 0; c < m.length; c++) {
            m[c] = channels[c].min();
        }
        return m;
    }

    public float[] maxs() {
        float[] m = new float[channels.length];
        for (int c = 0; c < m.length; c++) {
            m[c] = channels[c].max();
        }
        return m;
    }

    public byte[] toBytes() {
        StateCodec.Writer w = new StateCodec.Writer(StateCodec.KIND_PER_CHANNEL_MIN_MAX);
        write(w);
        return w.toBytes();
    }

    void write(StateCodec.Writer w) {
        w.varint(axis).varint(channels.length);
        for (MinMax m : channels) {
            m.write(w);
        }
    }

    public static PerChannelMinMax fromBytes(byte[] bytes) {
        StateCodec.Reader r = new StateCodec.Reader(bytes, StateCodec.KIND_PER_CHANNEL_MIN_MAX, "per-channel min/max state");
        PerChannelMinMax p = read(r);
        r.end();
        return p;
    }

    static PerChannelMinMax read(StateCodec.Reader r) {
        PerChannelMinMax p = new PerChannelMinMax(r.varintInt());
        int n = r.varintInt();
        p.channels = new MinMax[n];
        for (int c = 0; c < n; c++) {
            p.channels[c] = MinMax.read(r);
        }
        return p;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PerChannelMinMax p && p.axis == axis && Arrays.equals(p.channels, channels);
    }

    @Override
    public int hashCode() {
        return 31 * axis + Arrays.hashCode(channels);
    }
}
