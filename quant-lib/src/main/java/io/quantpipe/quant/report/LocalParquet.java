package io.quantpipe.quant.report;

import io.quantpipe.quant.BadInputException;
import io.quantpipe.quant.io.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;

/**
 * One Parquet file of Avro records on the local file system, the way {@code ScalesParquet} writes
 * {@code scales.parquet}: parquet-avro over {@link LocalOutputFile} with a plain configuration, no
 * Hadoop file system; written atomically through {@link AtomicFiles}.
 */
final class LocalParquet {
    private LocalParquet() {
    }

    static Schema schema(String resource) {
        try (InputStream in = LocalParquet.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is missing from the class path");
            }
            return new Schema.Parser().parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static <T> void write(Path file, Schema schema, List<T> rows, Function<T, GenericRecord> toRecord) {
        AtomicFiles.write(file, temporary -> {
            try (ParquetWriter<GenericRecord> writer = AvroParquetWriter.<GenericRecord>builder(
                            new LocalOutputFile(temporary))
                    .withConf(new PlainParquetConfiguration())
                    .withSchema(schema)
                    .withDataModel(GenericData.get())
                    .withWriteMode(ParquetFileWriter.Mode.CREATE)
                    .withCompressionCodec(CompressionCodecName.UNCOMPRESSED)
                    .build()) {
                for (T row : rows) {
                    writer.write(toRecord.apply(row));
                }
            }
        });
    }

    static <T> List<T> read(Path file, String what, Function<GenericRecord, T> fromRecord) {
        if (!Files.isRegularFile(file)) {
            throw new BadInputException("expected " + what + " at " + file + ", found no file");
        }
        List<T> rows = new ArrayList<>();
        try (ParquetReader<GenericRecord> reader = AvroParquetReader
                .<GenericRecord>builder(new LocalInputFile(file), new PlainParquetConfiguration())
                .withDataModel(GenericData.get())
                .build()) {
            for (GenericRecord r = reader.read(); r != null; r = reader.read()) {
                rows.add(fromRecord.apply(r));
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof BadInputException bad) {
                throw bad;
            }
            throw new BadInputException("expected " + what + " at " + file + ", found "
                    + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
        return rows;
    }

    static Double nullIfNaN(double v) {
        return Double.isNaN(v) ? null : v;
    }

    static double nanIfNull(Object v) {
        return v == null ? Double.NaN : ((Number) v).doubleValue();
    }
}
