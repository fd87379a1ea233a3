package io.quantpipe.quant.report;

import io.quantpipe.quant.eval.MetricRow;
import java.nio.file.Path;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * {@code metrics.parquet}: the report's long-format metric rows with the Avro schema
 * {@code metric_row.avsc} ({@code entity, instance, name, value}); NaN is stored as null, ±Inf as
 * themselves. Spark reads it as {@code spark.read.parquet(run + "/metrics.parquet")}.
 */
public final class MetricsParquet {
    /** The Avro schema of a row, from {@code metric_row.avsc}. */
    public static final Schema SCHEMA = LocalParquet.schema("metric_row.avsc");

    private MetricsParquet() {
    }

    /** Writes {@code rows} to {@code file} atomically. */
    public static void write(List<MetricRow> rows, Path file) {
        LocalParquet.write(file, SCHEMA, rows, r -> {
            GenericData.Record rec = new GenericData.Record(SCHEMA);
            rec.put("entity", r.entity());
            rec.put("instance", r.instance());
            rec.put("name", r.name());
            rec.put("value", LocalParquet.nullIfNaN(r.value()));
            return rec;
        });
    }

    /** Reads the rows back, in file order. */
    public static List<MetricRow> read(Path file) {
        return LocalParquet.read(file, "a metrics Parquet file", (GenericRecord r) -> new MetricRow(
                r.get("entity").toString(), r.get("instance").toString(), r.get("name").toString(),
                LocalParquet.nanIfNull(r.get("value"))));
    }
}
