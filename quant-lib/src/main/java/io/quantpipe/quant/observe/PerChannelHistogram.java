package io.quantpipe.quant.observe;

import io.quantpipe.quant.io.StateCodec;
import java.util.Arrays;

/**
 * One {@link Histogram} per slice along an axis — per-channel activation histograms, which none of
 * the reference tools keep (they have per-channel min/max only). Opt-in: it costs
 * {@code channels × 2 × binsPerSide} counters.
 */
public final class PerChannelHistogram {
    private final int axis;
    private final int binsPerSide;
    private Histogram[] channels = new Histogram[0];
    private float[] scratch = new float[0];

    public PerChannelHistogram(int axis, int binsPerSide) {
        if (axis < 0) {
            throw new IllegalArgumentException("channel axis: expected >= 0, found " + axis);
        }
        new Histogram(binsPerSide); // validates the bin count
        this.axis = axis;
        this.binsPerSide = binsPerSide;
    }

    public void update(float[] values, long[] shape) {
        ChannelLayout l = ChannelLayout.of(shape, axis, values.length);
        ensureChannels(l.channels());
        if (l.outer() == 1) {
            for (int c = 0; c < l.channels(); c++) {
                channels[c].update(values, c * l.inner(), l.inner());
            }
            return;
        }
        // Gather each channel's slices so one histogram update sees the whole channel.
        int per = l.outer() * l.inner();
        if (scratch.length < per) {
            scratch = new float[per];
        }
        for (int c = 0; c < l.channels(); c++) {
            for (int o = 0; o < l.outer(); o++) {
                System.arraycopy(values, (o * l.channels() + c) * l.inner(), scratch, o * l.inner(), l.inner());
            }
            channels[c].update(scratch, 0, per);
        }
    }

    private void ensureChannels(int n) {
        if (channels.length == n) {
            return;
        }
        if (channels.length != 0) {
            throw new io.quantpipe.quant.BadInputException("per-channel histogram on axis " + axis + ": expected "
                    + channels.length + " channels, found " + n);
        }
        channels = new Histogram[n];
        for (int c = 0; c < n; c++) {
            channels[c] = new Histogram(binsPerSide);
        }
    }

    public PerChannelHistogram merge(PerChannelHistogram other) {
        if (other == this) {
            throw new IllegalArgumentException("cannot merge a state into itself");
        }
        if (other.axis != axis || other.binsPerSide != binsPerSide) {
            throw new IllegalArgumentException("per-channel histograms differ in axis or bins: axis " + axis + "/"
                    + other.axis + ", bins " + binsPerSide + "/" + other.binsPerSide);
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

    public int binsPerSide() {
        return binsPerSide;
    }

    public int channelCount() {
        return channels.length;
    }

    /** The histogram of one channel (live, do not modify). */
    public Histogram channel(int c) {
        return channels[c];
    }

    public byte[] toBytes() {
        StateCodec.Writer w = new StateCodec.Writer(StateCodec.KIND_PER_CHANNEL_HISTOGRAM);
        write(w);
        return w.toBytes();
    }

    void write(StateCodec.Writer w) {
        w.varint(axis).varint(binsPerSide).varint(channels.length);
        for (Histogram h : channels) {
            h.write(w);
        }
    }

    public static PerChannelHistogram fromBytes(byte[] bytes) {
        StateCodec.Reader r = new StateCodec.Reader(bytes, StateCodec.KIND_PER_CHANNEL_HISTOGRAM, "per-channel histogram state");
        PerChannelHistogram p = read(r);
        r.end();
        return p;
    }

    static PerChannelHistogram read(StateCodec.Reader r) {
        PerChannelHistogram p = new PerChannelHistogram(r.varintInt(), r.varintInt());
        int n = r.varintInt();
        p.channels = new Histogram[n];
        for (int c = 0; c < n; c++) {
            p.channels[c] = Histogram.read(r);
            if (p.channels[c].binsPerSide() != p.binsPerSide) {
                throw new io.quantpipe.quant.BadInputException("per-channel histogram state: channel " + c
                        + " has " + p.channels[c].binsPerSide() + " bins per side, expected " + p.binsPerSide);
            }
        }
        return p;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PerChannelHistogram p && p.axis == axis && p.binsPerSide == binsPerSide
                && Arrays.equals(p.channels, channels);
    }

    @Override
    public int hashCode() {
        return 31 * axis + Arrays.hashCode(channels);
    }
}
