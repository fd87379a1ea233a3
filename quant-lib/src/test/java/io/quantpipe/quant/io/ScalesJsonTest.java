package io.quantpipe.quant.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quantpipe.quant.BadInputException;
import io.quantpipe.quant.tensor.QuantType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScalesJsonTest {
    @TempDir
    Path dir;

    private static String text(ScaleTable table) {
        return new String(ScalesJson.toBytes(table), StandardCharsets.UTF_8);
    }

    private static ScaleTable parse(String json) {
        return ScalesJson.fromBytes(json.getBytes(StandardCharsets.UTF_8), "scales.json");
    }

    @Test
    void writesOneRowPerLineWithParametersAfterTheMethod() {
        String expected = """
                {
                  "tensors": [
                    {"tensor": "conv1.out", "channel": -1, "method": "percentile", "percentile": 99.99, \
                "dtype": "uint8", "scale": 0.0123, "zero_point": 3, "min": -0.5, "max": 2.75, "amax": 2.75, \
                "threshold": 2.5, "count": 1000, "nan_count": 2, "posinf_count": 0, "neginf_count": 1},
                    {"tensor": "conv1.weight", "channel": 0, "method": "minmax", "dtype": "int8", "scale": 0.25, \
                "zero_point": 0, "min": "Infinity", "max": "-Infinity", "amax": 0.0, "threshold": null, \
                "count": 0, "nan_count": 7, "posinf_count": 0, "neginf_count": 0}
                  ]
                }
                """;
        assertEquals(expected, text(ScaleTables.small()));
    }

    @Test
    void writesAnEmptyTable() {
        assertEquals("{\n  \"tensors\": []\n}\n", text(new ScaleTable(List.of())));
        assertEquals(0, parse(text(new ScaleTable(List.of()))).size());
    }

    @Test
    void isValidJsonWithTheDocumentedKeysForAnOrdinaryReader() throws IOException {
        JsonNode root = new ObjectMapper().readTree(ScalesJson.toBytes(ScaleTables.small()));
        JsonNode rows = root.get("tensors");
        assertEquals(2, rows.size());
        JsonNode first = rows.get(0);
        for (String key : List.of("tensor", "channel", "method", "dtype", "scale", "zero_point", "min", "max", "amax",
                "threshold", "count", "nan_count")) {
            assertTrue(first.has(key), key);
        }
        assertEquals(99.99, first.get("percentile").doubleValue());
        assertEquals(-1, first.get("channel").intValue());
        assertEquals(0.0123f, first.get("scale").floatValue());
        assertTrue(rows.get(1).get("threshold").isNull());
    }

    @Test
    void floatsAreWrittenAsFloatToStringAndReadBackBitExact() {
        ScaleTable table = ScaleTables.random(42, 3000);
        String json = text(table);
        List<String> lines = json.lines().toList();
        for (int i = 0; i < table.size(); i++) {
            ScaleRow row = table.rows().get(i);
            float scale = row.scale();
            if (Float.isFinite(scale)) {
                String expected = "\"scale\": " + Float.toString(scale) + ",";
                assertTrue(lines.get(i + 2).contains(expected), lines.get(i + 2) + " lacks " + expected);
            }
        }
        ScaleTable back = parse(json);
        assertEquals(table, back);
        for (int i = 0; i < table.size(); i++) {
            ScaleRow a = table.rows().get(i);
            ScaleRow b = back.rows().get(i);
            assertEquals(Float.floatToIntBits(a.min()), Float.floatToIntBits(b.min()));
            assertEquals(Float.floatToIntBits(a.threshold()), Float.floatToIntBits(b.threshold()));
            assertEquals(a.params(), b.params());
        }
    }

    @Test
    void sameTableGivesIdenticalBytesAcrossWriteAndReread() throws IOException {
        ScaleTable table = ScaleTables.random(7, 500);
        Path a = dir.resolve("a.json");
        Path b = dir.resolve("b.json");
        ScalesJson.write(table, a);
        ScalesJson.write(ScalesJson.read(a), b);
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
    }

    @Test
    void wholeNumberParametersAreWrittenAsIntegers() {
        ScaleRow row = ScaleRow.builder("x", "entropy")
                .params(MethodParams.of("bins", 2048, "start", 0.5f))
                .dtype(QuantType.INT8).scale(1f).build();
        String json = text(ScaleTable.of(row));
        assertTrue(json.contains("\"bins\": 2048, \"start\": 0.5, \"dtype\""), json);
        ScaleRow back = parse(json).rows().get(0);
        assertEquals(2048.0, back.params().number("bins"));
        assertEquals(0.5, back.params().number("start"));
    }

    @Test
    void floatParameterKeepsTheDecimalTheUserWrote() {
        assertEquals(99.99, MethodParams.of("percentile", 99.99f).number("percentile"));
    }

    @Test
    void canonicalSortIsTensorThenMethodThenNumericChannel() {
        List<ScaleRow> rows = new ArrayList<>();
        for (String tensor : List.of("b", "a")) {
            for (String method : List.of("minmax", "entropy")) {
                for (int channel : List.of(10, -1, 2)) {
                    rows.add(ScaleRow.builder(tensor, method).channel(channel).dtype(QuantType.INT8).scale(1f).build());
                }
            }
        }
        Collections.shuffle(rows, new Random(3));
        List<String> order = new ScaleTable(rows).sorted().rows().stream()
                .map(r -> r.tensor() + "/" + r.method() + "/" + r.channel()).toList();
        assertEquals(List.of("a/entropy/-1", "a/entropy/2", "a/entropy/10", "a/minmax/-1", "a/minmax/2",
                "a/minmax/10", "b/entropy/-1", "b/entropy/2", "b/entropy/10", "b/minmax/-1", "b/minmax/2",
                "b/minmax/10"), order);
    }

    @Test
    void readsRowsWithoutOptionalColumnsAndIgnoresUnknownTopLevelKeys() {
        ScaleTable t = parse("""
                {"version": 2, "tensors": [{"tensor": "x", "channel": -1, "method": "minmax", "dtype": "int8",
                 "scale": 0.5, "zero_point": 0}]}""");
        ScaleRow r = t.rows().get(0);
        assertEquals(0.5f, r.scale());
        assertTrue(Float.isNaN(r.threshold()));
        assertEquals(0, r.count());
    }

    @Test
    void missingKeyNamesTheRowAndTheKey() {
        BadInputException e = assertThrows(BadInputException.class, () -> parse("""
                {"tensors": [
                  {"tensor": "x", "channel": -1, "method": "minmax", "dtype": "int8", "scale": 0.5, "zero_point": 0},
                  {"tensor": "y", "channel": -1, "method": "minmax", "dtype": "int8", "zero_point": 0}
                ]}"""));
        assertEquals("scales.json row 1: expected key 'scale', found none", e.getMessage());
    }

    @Test
    void wrongTypesAndBadJsonAreBadInput() {
        BadInputException type = assertThrows(BadInputException.class, () -> parse(
                "{\"tensors\": [{\"tensor\": \"x\", \"channel\": \"one\"}]}"));
        assertEquals("scales.json row 0: expected an integer for 'channel', found one", type.getMessage());
        BadInputException dtype = assertThrows(BadInputException.class, () -> parse(
                "{\"tensors\": [{\"tensor\": \"x\", \"dtype\": \"fp8\"}]}"));
        assertTrue(dtype.getMessage().contains("found 'fp8'"), dtype.getMessage());
        BadInputException syntax = assertThrows(BadInputException.class, () -> parse("{\"tensors\": [}"));
        assertTrue(syntax.getMessage().startsWith("scales.json: expected scale table JSON"), syntax.getMessage());
        BadInputException none = assertThrows(BadInputException.class, () -> parse("{\"rows\": []}"));
        assertEquals("scales.json: expected a 'tensors' array, found none", none.getMessage());
        BadInputException duplicate = assertThrows(BadInputException.class, () -> parse(
                "{\"tensors\": [{\"tensor\": \"x\", \"tensor\": \"y\"}]}"));
        assertTrue(duplicate.getMessage().contains("tensor"), duplicate.getMessage());
    }

    @Test
    void parameterNamesMustNotClashWithColumns() {
        assertThrows(IllegalArgumentException.class, () -> MethodParams.of("scale", 1.0));
        assertThrows(IllegalArgumentException.class, () -> MethodParams.of("p", Double.NaN));
    }

    @Test
    void missingFileIsBadInput() {
        assertThrows(BadInputException.class, () -> ScalesJson.read(dir.resolve("nope.json")));
    }
}
