package io.quantpipe.quant.report;

import io.quantpipe.quant.eval.LayerError;
import io.quantpipe.quant.eval.LayerErrorState;
import java.nio.file.Path;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * {@code layers.parquet}: one row per quantized tensor, most damaged first, with the Avro schema
 * {@code layer_error.avsc} ({@code tensor, rank, sqnr_db, cosine, mse, max_abs_diff, rows,
 * elements, nonfinite_rows}); NaN stored as null.
 */
public final class LayersParquet {
    /** The Avro schema of a row, from {@code layer_error.avsc}. */
    public static final Schema SCHEMA = LocalParquet.schema("layer_error.avsc");

    private LayersParquet() {
    }

    /** Writes {@code layers}, ranked, to {@code file} atomically. */
    public static void write(LayerErrorState layers, Path file) {
        write(layers.ranked(), file);
    }

    /** Writes {@code errors} in the order given. */
    public static void write(List<LayerError> errors, Path file) {
        LocalParquet.write(file, SCHEMA, errors, e -> {
            GenericData.Record r = new GenericData.Record(SCHEMA);
            r.put("tensor", e.tensor());
            r.put("rank", e.rank());
            r.put("sqnr_db", LocalParquet.nullIfNaN(e.sqnrDb()));
            r.put("cosine", LocalParquet.nullIfNaN(e.cosine()));
            r.put("mse", LocalParquet.nullIfNaN(e.mse()));
            r.put("max_abs_diff", e.maxAbsDiff());
            r.put("rows", e.rows());
            r.put("elements", e.elements());
            r.put("nonfinite_rows", e.nonFiniteRows());
            return r;
        });
    }

    /** Reads the rows back, in file order. */
    public static List<LayerError> read(Path file) {
        return LocalParquet.read(file, "a layers Parquet file", (GenericRecord r) -> new LayerError(
                r.get("tensor").toString(), (Integer) r.get("rank"), (Long) r.get("rows"), (Long) r.get("elements"),
                LocalParquet.nanIfNull(r.get("sqnr_db")), LocalParquet.nanIfNull(r.get("cosine")),
                LocalParquet.nanIfNull(r.get("mse")), (Double) r.get("max_abs_diff"), (Long) r.get("nonfinite_rows")));
    }
}
