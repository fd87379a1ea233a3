package io.quantpipe.quant.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quantpipe.quant.BadInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScalesParquetTest {
    @TempDir
    Path dir;

    @Test
    void rowsReadBackEqualAndFloatsBitExact() {
        ScaleTable table = ScaleTables.random(11, 2000);
        Path file = dir.resolve("scales.parquet");
        ScalesParquet.write(table, file);
        ScaleTable back = ScalesParquet.read(file);
        assertEquals(table, back);
        for (int i = 0; i < table.size(); i++) {
            ScaleRow a = table.rows().get(i);
            ScaleRow b = back.rows().get(i);
            assertEquals(Float.floatToIntBits(a.scale()), Float.floatToIntBits(b.scale()));
            assertEquals(Float.floatToIntBits(a.min()), Float.floatToIntBits(b.min()));
            assertEquals(Float.floatToIntBits(a.max()), Float.floatToIntBits(b.max()));
            assertEquals(Float.floatToIntBits(a.amax()), Float.floatToIntBits(b.amax()));
            assertEquals(Float.floatToIntBits(a.threshold()), Float.floatToIntBits(b.threshold()));
        }
    }

    @Test
    void parquetAndJsonHoldTheSameTable() {
        ScaleTable table = ScaleTables.random(5, 300).sorted();
        Path parquet = dir.resolve("scales.parquet");
        ScalesParquet.write(table, parquet);
        assertArrayEquals(ScalesJson.toBytes(table), ScalesJson.toBytes(ScalesParquet.read(parquet)));
    }

    @Test
    void writesOneParquetFileAndNothingElse() throws IOException {
        Path file = dir.resolve("scales.parquet");
        ScalesParquet.write(ScaleTables.small(), file);
        ScalesParquet.write(ScaleTables.small(), file); // replacing works too
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of("scales.parquet"), s.map(p -> p.getFileName().toString()).toList());
        }
        byte[] bytes = Files.readAllBytes(file);
        byte[] magic = "PAR1".getBytes(StandardCharsets.US_ASCII);
        assertArrayEquals(magic, Arrays.copyOfRange(bytes, 0, 4));
        assertArrayEquals(magic, Arrays.copyOfRange(bytes, bytes.length - 4, bytes.length));
    }

    @Test
    void columnsHaveTheSchemaTypes() throws IOException {
        Path file = dir.resolve("scales.parquet");
        ScalesParquet.write(ScaleTables.small(), file);
        MessageType schema;
        long rows;
        try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file))) {
            schema = reader.getFooter().getFileMetaData().getSchema();
            rows = reader.getRecordCount();
        }
        assertEquals(2, rows);
        assertEquals(List.of("tensor", "channel", "method", "params_number", "params_text", "dtype", "scale",
                "zero_point", "min", "max", "amax", "threshold", "count", "nan_count", "posinf_count", "neginf_count"),
                schema.getFields().stream().map(Type::getName).toList());
        for (String f : List.of("scale", "min", "max", "amax", "threshold")) {
            assertEquals(PrimitiveTypeName.FLOAT, schema.getType(f).asPrimitiveType().getPrimitiveTypeName(), f);
            assertTrue(schema.getType(f).isRepetition(Type.Repetition.OPTIONAL), f);
        }
        assertEquals(PrimitiveTypeName.INT64, schema.getType("count").asPrimitiveType().getPrimitiveTypeName());
        assertEquals(PrimitiveTypeName.INT32, schema.getType("channel").asPrimitiveType().getPrimitiveTypeName());
    }

    @Test
    void emptyTableRoundTrips() {
        Path file = dir.resolve("empty.parquet");
        ScalesParquet.write(new ScaleTable(List.of()), file);
        assertEquals(0, ScalesParquet.read(file).size());
    }

    @Test
    void missingOrForeignFileIsBadInput() throws IOException {
        assertThrows(BadInputException.class, () -> ScalesParquet.read(dir.resolve("none.parquet")));
        Path text = Files.writeString(dir.resolve("scales.parquet"), "not parquet at all");
        BadInputException e = assertThrows(BadInputException.class, () -> ScalesParquet.read(text));
        assertTrue(e.getMessage().startsWith("expected a scale table Parquet file at "), e.getMessage());
    }
}
