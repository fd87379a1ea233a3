package io.quantpipe.quant.observe;

import io.quantpipe.quant.io.StateCodec;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The mergeable state of a whole calibration pass: one {@link TensorStats} per observed tensor,
 * keyed by tensor name, plus the number of rows seen. This is what a Spark partition produces and
 * what the driver reduces; its bytes are deterministic (tensors in name order).
 */
public final class CalibrationState {
    private final SortedMap<String, TensorStats> tensors = new TreeMap<>();
    private long rows;

    public CalibrationState() {
    }

    /** The state of a tensor, created with {@code config} on first use. */
    public TensorStats tensor(String name, ObserverConfig config) {
        return tensors.computeIfAbsent(name, n -> new TensorStats(config));
    }

    public void addRows(long n) {
        rows += n;
    }

    public CalibrationState merge(CalibrationState other) {
        if (other == this) {
            throw new IllegalArgumentException("cannot merge a state into itself");
        }
        for (Map.Entry<String, TensorStats> e : other.tensors.entrySet()) {
            TensorStats mine = tensors.get(e.getKey());
            if (mine == null) {
                tensors.put(e.getKey(), TensorStats.fromBytes(e.getValue().toBytes()));
            } else {
                mine.merge(e.getValue());
            }
        }
        rows += other.rows;
        return this;
    }

    public long rows() {
        return rows;
    }

    /** Observed tensors by name, in name order (a read-only view). */
    public SortedMap<String, TensorStats> tensors() {
        return Collections.unmodifiableSortedMap(tensors);
    }

    public byte[] toBytes() {
        StateCodec.Writer w = new StateCodec.Writer(StateCodec.KIND_CALIBRATION_STATE);
        w.varint(rows).varint(tensors.size());
        for (Map.Entry<String, TensorStats> e : tensors.entrySet()) {
            w.bytes(e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            e.getValue().write(w);
        }
        return w.toBytes();
    }

    public static CalibrationState fromBytes(byte[] bytes) {
        StateCodec.Reader r = new StateCodec.Reader(bytes, StateCodec.KIND_CALIBRATION_STATE, "calibration state");
        CalibrationState s = new CalibrationState();
        s.rows = r.varint();
        int n = r.varintInt();
        for (int i = 0; i < n; i++) {
            String name = new String(r.bytes(), java.nio.charset.StandardCharsets.UTF_8);
            s.tensors.put(name, TensorStats.read(r));
        }
        r.end();
        return s;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CalibrationState c && c.rows == rows && c.tensors.equals(tensors);
    }

    @Override
    public int hashCode() {
        return tensors.hashCode() * 31 + Long.hashCode(rows);
    }
}
