package io.quantpipe.quant.observe;

import io.quantpipe.quant.io.StateCodec;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * Everything observed about one tensor in one pass: exact min/max with NaN/Inf counts, the
 * power-of-two histogram, and optionally per-channel min/max and histograms. Every calibration
 * method is computed from this one state; it merges exactly (associative, commutative).
 */
public final class TensorStats {
    private final ObserverConfig config;
    private final MinMax minMax;
    private final Histogram histogram;
    private final PerChannelMinMax channelMinMax;
    private final PerChannelHistogram channelHistograms;

    public TensorStats(ObserverConfig config) {
        this(config, new MinMax(), new Histogram(config.binsPerSide()),
                config.channelAxis() >= 0 ? new PerChannelMinMax(config.channelAxis()) : null,
                config.channelHistograms() ? new PerChannelHistogram(config.channelAxis(), config.binsPerSide()) : null);
    }

    private TensorStats(ObserverConfig config, MinMax minMax, Histogram histogram, PerChannelMinMax channelMinMax,
            PerChannelHistogram channelHistograms) {
        this.config = config;
        this.minMax = minMax;
        this.histogram = histogram;
        this.channelMinMax = channelMinMax;
        this.channelHistograms = channelHistograms;
    }

    /** Observes one row-major tensor; the shape matters only for per-channel state. */
    public void update(float[] values, long[] shape) {
        update(values, values.length, shape);
    }

    /**
     * Observes the row-major tensor held in {@code values[0, length)}; the array may be longer (a
     * reused buffer). The shape matters only for per-channel state.
     */
    public void update(float[] values, int length, long[] shape) {
        if (length < 0 || length > values.length) {
            throw new IllegalArgumentException("length: expected 0.." + values.length + ", found " + length);
        }
        histogram.updateWithMinMax(values, 0, length, minMax);
        if (channelMinMax != null || channelHistograms != null) {
            // Per-channel observers take the whole array; a reused buffer is trimmed (rare path).
            float[] exact = length == values.length ? values : Arrays.copyOf(values, length);
            if (channelMinMax != null) {
                channelMinMax.update(exact, shape);
            }
            if (channelHistograms != null) {
                channelHistograms.update(exact, shape);
            }
        }
    }

    /**
     * Observes the row-major tensor between the buffer's position and limit without a heap copy of
     * the whole tensor (the native kernels read direct memory in place, BitKeyBinning a chunk at a
     * time), when it can: per-tensor state only, and a run long enough for a fast path that takes it
     * (NativeBinning takes any values; BitKeyBinning finite ones only). Returns false, having changed
     * nothing, otherwise; the caller then copies the values and calls {@link #update(float[], int, long[])}.
     */
    public boolean tryUpdateInPlace(FloatBuffer values) {
        return channelMinMax == null && channelHistograms == null
                && histogram.updateLongRun(values, minMax);
    }

    /**
     * Which fast path observes long runs in this JVM: "native AVX-512", "native AVX2", or "Java (why
     * not native)". Every path gives the same state.
     */
    public static String observePath() {
        return NativeBinning.status();
    }

    /** Observes a flat run of values (per-tensor state only; fails when per-channel state is kept). */
    public void update(float[] values, int offset, int length) {
        if (channelMinMax != null) {
            throw new IllegalStateException("per-channel state needs the tensor shape: use update(values, shape)");
        }
        histogram.updateWithMinMax(values, offset, length, minMax);
    }

    public TensorStats merge(TensorStats other) {
        if (other == this) {
            throw new IllegalArgumentException("cannot merge a state into itself");
        }
        if (!other.config.equals(config)) {
            throw new IllegalArgumentException("tensor states with different configs: " + config + " and " + other.config);
        }
        minMax.merge(other.minMax);
        histogram.merge(other.histogram);
        if (channelMinMax != null) {
            channelMinMax.merge(other.channelMinMax);
        }
        if (channelHistograms != null) {
            channelHistograms.merge(other.channelHistograms);
        }
        return this;
    }

    public ObserverConfig config() {
        return config;
    }

    public MinMax minMax() {
        return minMax;
    }

    public Histogram histogram() {
        return histogram;
    }

    /** Per-channel min/max, or null when not kept. */
    public PerChannelMinMax channelMinMax() {
        return channelMinMax;
    }

    /** Per-channel histograms, or null when not kept. */
    public PerChannelHistogram channelHistograms() {
        return channelHistograms;
    }

    public byte[] toBytes() {
        StateCodec.Writer w = new StateCodec.Writer(StateCodec.KIND_TENSOR_STATS);
        write(w);
        return w.toBytes();
    }

    void write(StateCodec.Writer w) {
        w.varint(config.binsPerSide()).varint(config.channelAxis()).varint(config.channelHistograms() ? 1 : 0);
        minMax.write(w);
        histogram.write(w);
        if (channelMinMax != null) {
            channelMinMax.write(w);
        }
        if (channelHistograms != null) {
            channelHistograms.write(w);
        }
    }

    public static TensorStats fromBytes(byte[] bytes) {
        StateCodec.Reader r = new StateCodec.Reader(bytes, StateCodec.KIND_TENSOR_STATS, "tensor state");
        TensorStats t = read(r);
        r.end();
        return t;
    }

    static TensorStats read(StateCodec.Reader r) {
        ObserverConfig config;
        try {
            config = new ObserverConfig(r.varintInt(), r.varintInt(), r.varint() != 0);
        } catch (IllegalArgumentException e) {
            throw new io.quantpipe.quant.BadInputException("tensor state: " + e.getMessage());
        }
        MinMax mm = MinMax.read(r);
        Histogram h = Histogram.read(r);
        PerChannelMinMax cmm = config.channelAxis() >= 0 ? PerChannelMinMax.read(r) : null;
        PerChannelHistogram ch = config.channelHistograms() ? PerChannelHistogram.read(r) : null;
        return new TensorStats(config, mm, h, cmm, ch);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorStats t && t.config.equals(config) && t.minMax.equals(minMax)
                && t.histogram.equals(histogram) && Objects.equals(t.channelMinMax, channelMinMax)
                && Objects.equals(t.channelHistograms, channelHistograms);
    }

    @Override
    public int hashCode() {
        return Objects.hash(config, minMax, histogram);
    }
}
