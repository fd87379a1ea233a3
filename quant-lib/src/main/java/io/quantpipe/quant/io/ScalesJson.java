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
import static io.quantpipe.quant.io.ScaleColumns.POSINF_COUNT;
import static io.quantpipe.quant.io.ScaleColumns.SCALE;
import static io.quantpipe.quant.io.ScaleColumns.TENSOR;
import static io.quantpipe.quant.io.ScaleColumns.THRESHOLD;
import static io.quantpipe.quant.io.ScaleColumns.ZERO_POINT;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import io.quantpipe.quant.BadInputException;
import io.quantpipe.quant.tensor.QuantType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code scales.json}: {@code {"tensors": [ {row}, ... ]}}, one row object per line, keys in the
 * order {@code tensor, channel, method, <parameters by name>, dtype, scale, zero_point, min, max,
 * amax, threshold, count, nan_count, posinf_count, neginf_count}; rows in table order. The same
 * table always gives the same bytes.
 *
 * <p>Floats are written by {@link Float#toString(float)}, which reads back to the same float.
 * NaN ("none", e.g. the threshold of minmax) is written as {@code null}; ±Inf (the range of a
 * tensor with no finite value) as the strings {@code "Infinity"} / {@code "-Infinity"}, which
 * Python's {@code float()} accepts. Numeric parameters are written as integers when they are whole
 * numbers, else by {@link Double#toString(double)}.
 *
 * <p>The reader takes unknown keys of a row as method parameters and ignores unknown keys at the
 * top level; {@code min, max, amax, threshold} default to NaN and the counts to 0 when absent.
 */
public final class ScalesJson {
    private static final String TENSORS = "tensors";
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private ScalesJson() {
    }

    /** Writes {@code table} to {@code file} atomically. */
    public static void write(ScaleTable table, Path file) {
        AtomicFiles.write(file, toBytes(table));
    }

    /** UTF-8 JSON of {@code table}, ending in a newline. */
    public static byte[] toBytes(ScaleTable table) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.setPrettyPrinter(new JsonLayout(2));
            g.writeStartObject();
            g.writeArrayFieldStart(TENSORS);
            for (ScaleRow row : table.rows()) {
                writeRow(g, row);
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.write('\n');
        return out.toByteArray();
    }

    private static void writeRow(JsonGenerator g, ScaleRow r) throws IOException {
        g.writeStartObject();
        g.writeStringField(TENSOR, r.tensor());
        g.writeNumberField(CHANNEL, r.channel());
        g.writeStringField(METHOD, r.method());
        for (Map.Entry<String, Object> p : r.params()) {
            g.writeFieldName(p.getKey());
            if (p.getValue() instanceof String s) {
                g.writeString(s);
            } else {
                writeParamNumber(g, (Double) p.getValue());
            }
        }
        g.writeStringField(DTYPE, r.dtypeName());
        writeFloat(g, SCALE, r.scale());
        g.writeNumberField(ZERO_POINT, r.zeroPoint());
        writeFloat(g, MIN, r.min());
        writeFloat(g, MAX, r.max());
        writeFloat(g, AMAX, r.amax());
        writeFloat(g, THRESHOLD, r.threshold());
        g.writeNumberField(COUNT, r.count());
        g.writeNumberField(NAN_COUNT, r.nanCount());
        g.writeNumberField(POSINF_COUNT, r.posInfCount());
        g.writeNumberField(NEGINF_COUNT, r.negInfCount());
        g.writeEndObject();
    }

    private static void writeFloat(JsonGenerator g, String name, float v) throws IOException {
        g.writeFieldName(name);
        if (Float.isNaN(v)) {
            g.writeNull();
        } else if (Float.isInfinite(v)) {
            g.writeString(v > 0 ? "Infinity" : "-Infinity");
        } else {
            g.writeNumber(v);
        }
    }

    private static void writeParamNumber(JsonGenerator g, double v) throws IOException {
        boolean whole = v == Math.rint(v) && Math.abs(v) < 0x1p53 && Double.doubleToRawLongBits(v) != Long.MIN_VALUE;
        if (whole) {
            g.writeNumber((long) v);
        } else {
            g.writeNumber(v);
        }
    }

    /** Reads a {@code scales.json} file. */
    public static ScaleTable read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new BadInputException("expected a scale table at " + file + ", found no file");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return fromBytes(bytes, file.toString());
    }

    /** Parses scale table JSON; {@code source} names it in error messages. */
    public static ScaleTable fromBytes(byte[] json, String source) {
        try (JsonParser p = FACTORY.createParser(json)) {
            expect(p, p.nextToken(), JsonToken.START_OBJECT, source, "the top-level object");
            List<ScaleRow> rows = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (TENSORS.equals(name)) {
                    expect(p, value, JsonToken.START_ARRAY, source, "'tensors'");
                    rows = new ArrayList<>();
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        expect(p, p.currentToken(), JsonToken.START_OBJECT, source, "a row object");
                        rows.add(readRow(p, source, rows.size()));
                    }
                } else {
                    p.skipChildren();
                }
            }
            if (rows == null) {
                throw new BadInputException(source + ": expected a 'tensors' array, found none");
            }
            return new ScaleTable(rows);
        } catch (JsonProcessingException e) {
            throw new BadInputException(source + ": expected scale table JSON, found "
                    + e.getOriginalMessage().lines().findFirst().orElse("invalid JSON") + " at line "
                    + e.getLocation().getLineNr(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ScaleRow readRow(JsonParser p, String source, int index) throws IOException {
        String where = source + " row " + index;
        String tensor = null;
        String method = null;
        Integer channel = null;
        QuantType dtype = null;
        Float scale = null;
        Integer zeroPoint = null;
        float min = Float.NaN;
        float max = Float.NaN;
        float amax = Float.NaN;
        float threshold = Float.NaN;
        long count = 0;
        long nanCount = 0;
        long posInf = 0;
        long negInf = 0;
        Map<String, Object> params = new TreeMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            switch (name) {
                case TENSOR -> tensor = readString(p, t, where, name);
                case METHOD -> method = readString(p, t, where, name);
                case DTYPE -> dtype = readDtype(readString(p, t, where, name), where);
                case CHANNEL -> channel = (int) readLong(p, t, where, name, Integer.MIN_VALUE, Integer.MAX_VALUE);
                case ZERO_POINT -> zeroPoint = (int) readLong(p, t, where, name, Integer.MIN_VALUE, Integer.MAX_VALUE);
                case SCALE -> scale = readFloat(p, t, where, name);
                case MIN -> min = readFloat(p, t, where, name);
                case MAX -> max = readFloat(p, t, where, name);
                case AMAX -> amax = readFloat(p, t, where, name);
                case THRESHOLD -> threshold = readFloat(p, t, where, name);
                case COUNT -> count = readLong(p, t, where, name, 0, Long.MAX_VALUE);
                case NAN_COUNT -> nanCount = readLong(p, t, where, name, 0, Long.MAX_VALUE);
                case POSINF_COUNT -> posInf = readLong(p, t, where, name, 0, Long.MAX_VALUE);
                case NEGINF_COUNT -> negInf = readLong(p, t, where, name, 0, Long.MAX_VALUE);
                default -> params.put(name, readParam(p, t, where, name));
            }
        }
        require(tensor, where, TENSOR);
        require(channel, where, CHANNEL);
        require(method, where, METHOD);
        require(dtype, where, DTYPE);
        require(scale, where, SCALE);
        require(zeroPoint, where, ZERO_POINT);
        try {
            return new ScaleRow(tensor, channel, method, MethodParams.of(params), dtype, scale, zeroPoint,
                    min, max, amax, threshold, count, nanCount, posInf, negInf);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(where + ": " + e.getMessage());
        }
    }

    private static void require(Object value, String where, String name) {
        if (value == null) {
            throw new BadInputException(where + ": expected key '" + name + "', found none");
        }
    }

    private static void expect(JsonParser p, JsonToken found, JsonToken expected, String source, String what) {
        if (found != expected) {
            throw new BadInputException(source + ": expected " + what + " at line "
                    + p.currentLocation().getLineNr() + ", found " + found);
        }
    }

    private static String readString(JsonParser p, JsonToken t, String where, String name) throws IOException {
        if (t != JsonToken.VALUE_STRING) {
            throw mismatch(where, name, "a string", t, p);
        }
        return p.getText();
    }

    private static QuantType readDtype(String name, String where) {
        try {
            return ScaleRow.parseDtype(name);
        } catch (BadInputException e) {
            throw new BadInputException(where + ": " + e.getMessage());
        }
    }

    private static long readLong(JsonParser p, JsonToken t, String where, String name, long lo, long hi)
            throws IOException {
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw mismatch(where, name, "an integer", t, p);
        }
        long v;
        try {
            v = Long.parseLong(p.getText());
        } catch (NumberFormatException e) {
            throw mismatch(where, name, "an integer in [" + lo + ", " + hi + "]", t, p);
        }
        if (v < lo || v > hi) {
            throw mismatch(where, name, "an integer in [" + lo + ", " + hi + "]", t, p);
        }
        return v;
    }

    // Parsed from the literal text: going through double first could round twice.
    private static float readFloat(JsonParser p, JsonToken t, String where, String name) throws IOException {
        switch (t) {
            case VALUE_NULL:
                return Float.NaN;
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return Float.parseFloat(p.getText());
            case VALUE_STRING:
                switch (p.getText()) {
                    case "Infinity":
                        return Float.POSITIVE_INFINITY;
                    case "-Infinity":
                        return Float.NEGATIVE_INFINITY;
                    case "NaN":
                        return Float.NaN;
                    default:
                        break;
                }
                break;
            default:
                break;
        }
        throw mismatch(where, name, "a number, null, \"Infinity\" or \"-Infinity\"", t, p);
    }

    private static Object readParam(JsonParser p, JsonToken t, String where, String name) throws IOException {
        return switch (t) {
            case VALUE_STRING -> p.getText();
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> Double.parseDouble(p.getText());
            default -> throw mismatch(where, name, "a string or number (method parameter)", t, p);
        };
    }

    private static BadInputException mismatch(String where, String name, String expected, JsonToken t, JsonParser p)
            throws IOException {
        String found = t == null ? "end of input" : t.isScalarValue() ? p.getText() : t.asString();
        return new BadInputException(where + ": expected " + expected + " for '" + name + "', found " + found);
    }
}
