package io.quantpipe.quant.io;

import java.util.ArrayList;
import java.util.List;

/**
 * The scale table of a calibration run: rows in the order given, every method side by side.
 * Written as {@code scales.json} by {@link ScalesJson} and {@code scales.parquet} by
 * {@link ScalesParquet}.
 */
public record ScaleTable(List<ScaleRow> rows) {

    public ScaleTable {
        rows = List.copyOf(rows);
    }

    public static ScaleTable of(ScaleRow... rows) {
        return new ScaleTable(List.of(rows));
    }

    /** The same rows in {@link ScaleRow#CANONICAL_ORDER} (tensor, method, channel). */
    public ScaleTable sorted() {
        List<ScaleRow> copy = new ArrayList<>(rows);
        copy.sort(ScaleRow.CANONICAL_ORDER);
        return new ScaleTable(copy);
    }

    /** Rows of one method, in table order. */
    public List<ScaleRow> method(String method) {
        return rows.stream().filter(r -> r.method().equals(method)).toList();
    }

    /** Rows of one tensor, in table order. */
    public List<ScaleRow> tensor(String tensor) {
        return rows.stream().filter(r -> r.tensor().equals(tensor)).toList();
    }

    public int size() {
        return rows.size();
    }
}
