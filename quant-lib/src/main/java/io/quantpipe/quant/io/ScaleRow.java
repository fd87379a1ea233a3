package io.quantpipe.quant.io;

import io.quantpipe.quant.BadInputException;
import io.quantpipe.quant.tensor.QuantType;
import java.util.Comparator;
import java.util.Locale;
import java.util.Objects;

/**
 * One row of the scale table: the quantization parameters one calibration method gives one tensor
 * (or one channel of it), with the statistics they came from.
 *
 * <p>Float columns use NaN for "none" (e.g. the {@code threshold} of minmax); every NaN is stored
 * as the canonical {@link Float#NaN}, and the file formats write it as null. A tensor that had no
 * finite value has {@code min = +Inf, max = -Inf}. Rows compare float columns bit by bit
 * ({@code -0.0 != 0.0}).
 *
 * @param tensor name of the tensor in the ONNX graph
 * @param channel channel index along the quantization axis, {@code -1} for the whole tensor
 * @param method calibration method, e.g. {@code "minmax"}, {@code "entropy"}, {@code "percentile"}
 * @param params the method's parameters, e.g. {@code {"percentile": 99.99}}
 * @param dtype integer type the tensor is quantized to
 * @param scale quantization scale
 * @param zeroPoint quantization zero point
 * @param min smallest finite value observed (+Inf when none)
 * @param max largest finite value observed (-Inf when none)
 * @param amax the clipping range's absolute maximum the scale was derived from
 * @param threshold the method's chosen threshold, NaN when the method has none
 * @param count number of finite values observed
 * @param nanCount number of NaN values observed
 * @param posInfCount number of +Inf values observed
 * @param negInfCount number of -Inf values observed
 */
public record ScaleRow(String tensor, int channel, String method, MethodParams params, QuantType dtype,
        float scale, int zeroPoint, float min, float max, float amax, float threshold,
        long count, long nanCount, long posInfCount, long negInfCount) {

    /** Canonical order of a table: tensor, method, channel, then parameters and dtype to break ties. */
    public static final Comparator<ScaleRow> CANONICAL_ORDER = Comparator.comparing(ScaleRow::tensor)
            .thenComparing(ScaleRow::method)
            .thenComparingInt(ScaleRow::channel)
            .thenComparing(r -> r.params().canonical())
            .thenComparing(ScaleRow::dtype);

    public ScaleRow {
        if (tensor == null || tensor.isEmpty()) {
            throw new IllegalArgumentException("a scale row needs a tensor name");
        }
        if (method == null || method.isEmpty()) {
            throw new IllegalArgumentException("scale row of '" + tensor + "' needs a method name");
        }
        if (channel < -1) {
            throw new IllegalArgumentException("channel must be >= -1 (-1 = per tensor), found " + channel);
        }
        Objects.requireNonNull(params, "params");
        Objects.requireNonNull(dtype, "dtype");
        if (count < 0 || nanCount < 0 || posInfCount < 0 || negInfCount < 0) {
            throw new IllegalArgumentException("counts of '" + tensor + "' must be >= 0");
        }
        scale = canonicalNaN(scale);
        min = canonicalNaN(min);
        max = canonicalNaN(max);
        amax = canonicalNaN(amax);
        threshold = canonicalNaN(threshold);
    }

    public static Builder builder(String tensor, String method) {
        return new Builder(tensor, method);
    }

    public boolean isPerTensor() {
        return channel == -1;
    }

    /** {@code dtype} as the tables write it: {@code "int8"}, {@code "uint8"}, {@code "int32"}. */
    public String dtypeName() {
        return dtypeName(dtype);
    }

    static String dtypeName(QuantType type) {
        return type.name().toLowerCase(Locale.ROOT);
    }

    static QuantType parseDtype(String name) {
        for (QuantType t : QuantType.values()) {
            if (dtypeName(t).equals(name)) {
                return t;
            }
        }
        throw new BadInputException("expected dtype int8, uint8 or int32, found '" + name + "'");
    }

    private static float canonicalNaN(float v) {
        return Float.isNaN(v) ? Float.NaN : v;
    }

    /** Builds a row; floats default to NaN (none), counts and zero point to 0, channel to -1. */
    public static final class Builder {
        private final String tensor;
        private final String method;
        private int channel = -1;
        private MethodParams params = MethodParams.none();
        private QuantType dtype;
        private float scale = Float.NaN;
        private int zeroPoint;
        private float min = Float.NaN;
        private float max = Float.NaN;
        private float amax = Float.NaN;
        private float threshold = Float.NaN;
        private long count;
        private long nanCount;
        private long posInfCount;
        private long negInfCount;

        private Builder(String tensor, String method) {
            this.tensor = tensor;
            this.method = method;
        }

        public Builder channel(int channel) {
            this.channel = channel;
            return this;
        }

        public Builder params(MethodParams params) {
            this.params = params;
            return this;
        }

        public Builder dtype(QuantType dtype) {
            this.dtype = dtype;
            return this;
        }

        public Builder scale(float scale) {
            this.scale = scale;
            return this;
        }

        public Builder zeroPoint(int zeroPoint) {
            this.zeroPoint = zeroPoint;
            return this;
        }

        public Builder range(float min, float max) {
            this.min = min;
            this.max = max;
            return this;
        }

        public Builder amax(float amax) {
            this.amax = amax;
            return this;
        }

        public Builder threshold(float threshold) {
            this.threshold = threshold;
            return this;
        }

        public Builder counts(long count, long nanCount, long posInfCount, long negInfCount) {
            this.count = count;
            this.nanCount = nanCount;
            this.posInfCount = posInfCount;
            this.negInfCount = negInfCount;
            return this;
        }

        public ScaleRow build() {
            return new ScaleRow(tensor, channel, method, params, dtype, scale, zeroPoint, min, max, amax,
                    threshold, count, nanCount, posInfCount, negInfCount);
        }
    }
}
