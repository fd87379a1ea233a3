package io.quantpipe.quant.io;

import static io.quantpipe.quant.io.ScaleColumns.AMAX;
import static io.quantpipe.quant.io.ScaleColumns.CHANNEL;
import static io.quantpipe.quant.io.ScaleColumns.COUNT;
import static io.quantpipe.quant.io.ScaleColumns.DTYPE;
import static io.quantpipe.quant.io.ScaleColumns.MAX;
import static io.quantpipe.quant.io.ScaleColumns.METHOD;
import static io.quantpipe.quant.io.ScaleColumns.MIN;
import static io.quantpipe.quant.io.ScaleColumns.NAN_COUNT;
import static io.quantpipe.quant.io.ScaleColumns.NEGINF_COUNT;
import static io.quantpipe.quant.io.ScaleColumns.PARAMS_NUMBER;
import static io.quantpipe.quant.io.ScaleColumns.PARAMS_TEXT;
import static io.quantpipe.quant.io.ScaleColumns.POSINF_COUNT;
import static io.quantpipe.quant.io.ScaleColumns.SCALE;
import static io.quantpipe.quant.io.ScaleColumns.TENSOR;
import static io.quantpipe.quant.io.ScaleColumns.THRESHOLD;
import static io.quantpipe.quant.io.ScaleColumns.ZERO_POINT;

import io.quantpipe.quant.BadInputException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;

/**
 * {@code scales.parquet}: one Parquet file on the local file system, with the Avro schema
 * {@code scale_row.avsc} next to this class. Floats are stored as Parquet FLOAT (bit for bit, ±Inf
 * included) and NaN as null; method parameters as two maps, {@code params_number} (double) and
 * {@code params_text} (string), so both keep their type and SQL reads them as
 * {@code params_number['percentile']}.
 */
public final class ScalesParquet {
    /** The Avro schema of a row, from {@code scale_row.avsc}. */
    public static final Schema SCHEMA = loadSchema();

    private ScalesParquet() {
    }

    /** Writes {@code table} to {@code file} as one uncompressed Parquet file, atomically. */
    public static void write(ScaleTable table, Path file) {
        AtomicFiles.write(file, temporary -> {
            try (ParquetWriter<GenericRecord> writer = AvroParquetWriter.<GenericRecord>builder(
                            new LocalOutputFile(temporary))
                    .withConf(configuration())
                    .withSchema(SCHEMA)
                    .withDataModel(GenericData.get())
                    .withWriteMode(ParquetFileWriter.Mode.CREATE)
                    .withCompressionCodec(CompressionCodecName.UNCOMPRESSED)
                    .build()) {
                for (ScaleRow row : table.rows()) {
                    writer.write(toRecord(row));
                }
            }
        });
    }

    /** Reads a scale table Parquet file; rows come back in file order. */
    public static ScaleTable read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new BadInputException("expected a scale table Parquet file at " + file + ", found none");
        }
        List<ScaleRow> rows = new ArrayList<>();
        try (ParquetReader<GenericRecord> reader = AvroParquetReader
                .<GenericRecord>builder(new LocalInputFile(file), configuration())
                .withDataModel(GenericData.get())
                .build()) {
            for (GenericRecord r = reader.read(); r != null; r = reader.read()) {
                rows.add(fromRecord(r, file + " row " + rows.size()));
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof BadInputException bad) {
                throw bad;
            }
            throw new BadInputException("expected a scale table Parquet file at " + file + ", found "
                    + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
        return new ScaleTable(rows);
    }

    private static ParquetConfiguration configuration() {
        PlainParquetConfiguration conf = new PlainParquetConfiguration();
        // Lists written by Spark have 3-level element groups; read them as plain lists.
        conf.set("parquet.avro.add-list-element-records", "false");
        return conf;
    }

    static GenericRecord toRecord(ScaleRow row) {
        Map<String, Double> numbers = new TreeMap<>();
        Map<String, String> texts = new TreeMap<>();
        for (Map.Entry<String, Object> p : row.params()) {
            if (p.getValue() instanceof String s) {
                texts.put(p.getKey(), s);
            } else {
                numbers.put(p.getKey(), (Double) p.getValue());
            }
        }
        GenericData.Record r = new GenericData.Record(SCHEMA);
        r.put(TENSOR, row.tensor());
        r.put(CHANNEL, row.channel());
        r.put(METHOD, row.method());
        r.put(PARAMS_NUMBER, numbers);
        r.put(PARAMS_TEXT, texts);
        r.put(DTYPE, row.dtypeName());
        r.put(SCALE, nullIfNaN(row.scale()));
        r.put(ZERO_POINT, row.zeroPoint());
        r.put(MIN, nullIfNaN(row.min()));
        r.put(MAX, nullIfNaN(row.max()));
        r.put(AMAX, nullIfNaN(row.amax()));
        r.put(THRESHOLD, nullIfNaN(row.threshold()));
        r.put(COUNT, row.count());
        r.put(NAN_COUNT, row.nanCount());
        r.put(POSINF_COUNT, row.posInfCount());
        r.put(NEGINF_COUNT, row.negInfCount());
        return r;
    }

    static ScaleRow fromRecord(GenericRecord r, String where) {
        Map<String, Object> params = new TreeMap<>();
        if (get(r, PARAMS_NUMBER) instanceof Map<?, ?> numbers) {
            numbers.forEach((k, v) -> params.put(k.toString(), ((Number) v).doubleValue()));
        }
        if (get(r, PARAMS_TEXT) instanceof Map<?, ?> texts) {
            texts.forEach((k, v) -> params.put(k.toString(), v.toString()));
        }
        try {
            return new ScaleRow(
                    required(r, TENSOR, where).toString(),
                    ((Number) required(r, CHANNEL, where)).intValue(),
                    required(r, METHOD, where).toString(),
                    MethodParams.of(params),
                    ScaleRow.parseDtype(required(r, DTYPE, where).toString()),
                    floatOrNaN(r, SCALE),
                    ((Number) required(r, ZERO_POINT, where)).intValue(),
                    floatOrNaN(r, MIN),
                    floatOrNaN(r, MAX),
                    floatOrNaN(r, AMAX),
                    floatOrNaN(r, THRESHOLD),
                    longOrZero(r, COUNT),
                    longOrZero(r, NAN_COUNT),
                    longOrZero(r, POSINF_COUNT),
                    longOrZero(r, NEGINF_COUNT));
        } catch (IllegalArgumentException | ClassCastException e) {
            throw new BadInputException(where + ": " + e.getMessage());
        }
    }

    private static Object get(GenericRecord r, String name) {
        return r.hasField(name) ? r.get(name) : null;
    }

    private static Object required(GenericRecord r, String name, String where) {
        Object v = get(r, name);
        if (v == null) {
            throw new BadInputException(where + ": expected column '" + name + "', found "
                    + (r.hasField(name) ? "null" : "no such column"));
        }
        return v;
    }

    private static float floatOrNaN(GenericRecord r, String name) {
        Object v = get(r, name);
        return v == null ? Float.NaN : (Float) v;
    }

    private static long longOrZero(GenericRecord r, String name) {
        Object v = get(r, name);
        return v == null ? 0 : ((Number) v).longValue();
    }

    private static Float nullIfNaN(float v) {
        return Float.isNaN(v) ? null : v;
    }

    private static Schema loadSchema() {
        try (InputStream in = ScalesParquet.class.getResourceAsStream("scale_row.avsc")) {
            if (in == null) {
                throw new IllegalStateException("scale_row.avsc is missing from the class path");
            }
            return new Schema.Parser().parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
