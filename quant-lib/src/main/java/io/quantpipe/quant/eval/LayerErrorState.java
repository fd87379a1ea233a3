package io.quantpipe.quant.eval;

import io.quantpipe.quant.io.StateCodec;
import io.quantpipe.quant.BadInputException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Per-layer error of the int8 model, mergeable: for every quantized tensor, the FP32 model's
 * activation against the int8 model's dequantized activation at the same tensor, as SQNR
 * ({@code 10 log10(sum x^2 / sum (x - y)^2)} over all values), mean per-row cosine similarity,
 * MSE and max |diff|. This is the layer-by-layer comparison of ONNX Runtime's
 * {@code qdq_loss_debug} and TensorRT's Polygraphy, done as a one-pass mergeable sum.
 *
 * <p>Like {@link OutputComparison}, each row's sums are computed in double in a fixed order and
 * added into {@link ExactSum}s, so the merged state is bit-identical for any partitioning and
 * merge order; rows with a NaN or ±Inf in either activation are counted and left out.
 * {@link #ranked()} orders tensors by damage, lowest SQNR first.
 */
public final class LayerErrorState {
    private final TreeMap<String, TensorError> tensors = new TreeMap<>();

    public LayerErrorState() {
    }

    /**
     * Adds one batch of one tensor: {@code fp32} and {@code int8} hold {@code rows} rows of equal
     * size, row-major.
     */
    public LayerErrorState add(String tensor, float[] fp32, float[] int8, int rows) {
        if (tensor == null || tensor.isEmpty()) {
            throw new BadInputException("layer error: expected a tensor name, found none");
        }
        Objects.requireNonNull(fp32, "FP32 activation");
        Objects.requireNonNull(int8, "int8 activation");
        if (int8.length != fp32.length) {
            throw new BadInputException("tensor '" + tensor + "': expected an int8 activation of " + fp32.length
                    + " values like the FP32 one, found " + int8.length);
        }
        if (rows < 1 || fp32.length % rows != 0) {
            throw new BadInputException("tensor '" + tensor + "': expected " + fp32.length
                    + " values to split into rows, found a row count of " + rows);
        }
        int size = fp32.length / rows;
        TensorError e = tensors.computeIfAbsent(tensor, t -> new TensorError());
        for (int r = 0; r < rows; r++) {
            e.addRow(fp32, int8, r * size, size);
        }
        return this;
    }

    /** Adds {@code other} into this state; {@code other} is unchanged. */
    public LayerErrorState merge(LayerErrorState other) {
        if (other == this) {
            throw new IllegalArgumentException("cannot merge a layer error state into itself");
        }
        for (Map.Entry<String, TensorError> e : other.tensors.entrySet()) {
            tensors.computeIfAbsent(e.getKey(), t -> new TensorError()).merge(e.getValue());
        }
        return this;
    }

    /** Tensor names, sorted. */
    public SortedSet<String> tensors() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(tensors.keySet()));
    }

    public boolean isEmpty() {
        return tensors.isEmpty();
    }

    /** The error of one tensor (its rank among all), or null when it was never added. */
    public LayerError error(String tensor) {
        return ranked().stream().filter(e -> e.tensor().equals(tensor)).findFirst().orElse(null);
    }

    /** Every tensor's error, most damaged first ({@link LayerError#BY_DAMAGE}), ranks from 1. */
    public List<LayerError> ranked() {
        List<LayerError> list = new ArrayList<>();
        tensors.forEach((name, e) -> list.add(e.result(name, 0)));
        list.sort(LayerError.BY_DAMAGE);
        List<LayerError> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            LayerError e = list.get(i);
            out.add(new LayerError(e.tensor(), i + 1, e.rows(), e.elements(), e.sqnrDb(), e.cosine(), e.mse(),
                    e.maxAbsDiff(), e.nonFiniteRows()));
        }
        return out;
    }

    /**
     * Long-format rows per tensor, in rank order: {@code ("layer", tensor, rank | sqnr_db | cosine |
     * mse | max_abs_diff | rows | nonfinite_rows)}.
     */
    public List<MetricRow> metrics() {
        List<MetricRow> rows = new ArrayList<>();
        for (LayerError e : ranked()) {
            rows.add(new MetricRow("layer", e.tensor(), "rank", e.rank()));
            rows.add(new MetricRow("layer", e.tensor(), "sqnr_db", e.sqnrDb()));
            rows.add(new MetricRow("layer", e.tensor(), "cosine", e.cosine()));
            rows.add(new MetricRow("layer", e.tensor(), "mse", e.mse()));
            rows.add(new MetricRow("layer", e.tensor(), "max_abs_diff", e.maxAbsDiff()));
            rows.add(new MetricRow("layer", e.tensor(), "rows", e.rows()));
            rows.add(new MetricRow("layer", e.tensor(), "nonfinite_rows", e.nonFiniteRows()));
        }
        return rows;
    }

    /** Versioned, canonical bytes (tensors in name order). */
    public byte[] toBytes() {
        StateCodec.Writer w = new StateCodec.Writer(StateCodec.KIND_LAYER_ERRORS);
        w.varint(tensors.size());
        tensors.forEach((name, e) -> {
            w.string(name);
            e.write(w);
        });
        return w.toBytes();
    }

    public static LayerErrorState fromBytes(byte[] bytes) {
        StateCodec.Reader r = new StateCodec.Reader(bytes, StateCodec.KIND_LAYER_ERRORS, "layer error state");
        LayerErrorState s = new LayerErrorState();
        int n = r.varintInt(0, bytes.length, "tensor count");
        String previous = null;
        for (int i = 0; i < n; i++) {
            String name = r.string();
            if (name.isEmpty() || (previous != null && name.compareTo(previous) <= 0)) {
                throw r.bad("expected tensor names non-empty, unique and sorted, found '" + name + "' after '"
                        + previous + "'");
            }
            s.tensors.put(name, TensorError.read(r));
            previous = name;
        }
        r.end();
        return s;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LayerErrorState s && s.tensors.equals(tensors);
    }

    @Override
    public int hashCode() {
        return tensors.keySet().hashCode();
    }

    @Override
    public String toString() {
        return "LayerErrorState" + tensors.keySet();
    }

    /** The sums of one tensor. */
    private static final class TensorError {
        private long rows;
        private long finiteRows;
        private long elements;
        private final ExactSum signal = new ExactSum();
        private final ExactSum noise = new ExactSum();
        private final ExactSum cosine = new ExactSum();
        private double maxAbsDiff;

        void addRow(float[] fp32, float[] int8, int offset, int size) {
            rows++;
            double xx = 0;
            double yy = 0;
            double xy = 0;
            double dd = 0;
            double maxDiff = 0;
            for (int j = offset, end = offset + size; j < end; j++) {
                double x = fp32[j];
                double y = int8[j];
                double d = x - y;
                xx += x * x;
                yy += y * y;
                xy += x * y;
                dd += d * d;
                maxDiff = Math.max(maxDiff, Math.abs(d));
            }
            // Float squares cannot overflow a double sum: only a NaN or ±Inf value makes these non-finite.
            if (!Double.isFinite(xx + yy + dd)) {
                return;
            }
            finiteRows++;
            elements += size;
            signal.add(xx);
            noise.add(dd);
            cosine.add(OutputComparison.cosine(xy, xx, yy));
            maxAbsDiff = Math.max(maxAbsDiff, maxDiff);
        }

        void merge(TensorError o) {
            rows += o.rows;
            finiteRows += o.finiteRows;
            elements += o.elements;
            signal.merge(o.signal);
            noise.merge(o.noise);
            cosine.merge(o.cosine);
            maxAbsDiff = Math.max(maxAbsDiff, o.maxAbsDiff);
        }

        LayerError result(String name, int rank) {
            double sqnr = Sqnr.decibels(signal.value(), noise.value(), finiteRows);
            double cos = finiteRows == 0 ? Double.NaN : cosine.value() / finiteRows;
            double mse = elements == 0 ? Double.NaN : noise.value() / elements;
            return new LayerError(name, rank, rows, elements, sqnr, cos, mse, maxAbsDiff, rows - finiteRows);
        }

        void write(StateCodec.Writer w) {
            w.varint(rows).varint(finiteRows).varint(elements);
            signal.write(w);
            noise.write(w);
            cosine.write(w);
            w.f64(maxAbsDiff);
        }

        static TensorError read(StateCodec.Reader r) {
            TensorError e = new TensorError();
            e.rows = r.varint(0, Long.MAX_VALUE, "rows");
            e.finiteRows = r.varint(0, e.rows, "finite rows");
            e.elements = r.varint(0, Long.MAX_VALUE, "elements");
            e.signal.merge(ExactSum.read(r));
            e.noise.merge(ExactSum.read(r));
            e.cosine.merge(ExactSum.read(r));
            e.maxAbsDiff = r.f64();
            if (!(e.maxAbsDiff >= 0)) {
                throw r.bad("expected max |diff| >= 0, found " + e.maxAbsDiff);
            }
            return e;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof TensorError e && e.rows == rows && e.finiteRows == finiteRows && e.elements == elements
                    && e.signal.equals(signal) && e.noise.equals(noise) && e.cosine.equals(cosine)
                    && Double.compare(e.maxAbsDiff, maxAbsDiff) == 0;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(rows);
        }
    }
}
