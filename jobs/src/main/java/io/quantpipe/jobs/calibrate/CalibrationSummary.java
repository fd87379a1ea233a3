package io.quantpipe.jobs.calibrate;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import io.quantpipe.quant.io.AtomicFiles;
import io.quantpipe.quant.observe.CalibrationState;
import io.quantpipe.quant.observe.MinMax;
import io.quantpipe.quant.observe.TensorStats;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code calibration.json}: what a calibration run did, for people and scripts.
 *
 * <pre>
 * {
 *   "quantpipe_version": "0.1.0",
 *   "rows": 60000,                      rows read from the dataset
 *   "partitions": 16,                   Spark partitions of the pass
 *   "failed_task_attempts": 0,          attempts Spark retried (their state never counts)
 *   "methods": ["minmax", ...],         canonical specs, in the order of the scale rows
 *   "preset": "cpu",                    whose activation spec scales.json uses
 *   "batch_size": 32, "bins_per_side": 4096,
 *   "model": {"path", "sha256", "input", "input_shape"},   -1 = symbolic dimension
 *   "dataset": {"path", "column", "encoding", "row_shape"},
 *   "nonfinite": {"policy", "input_rows", "input_values"}, NaN/Inf in the input data
 *   "tensors": [ {"tensor", "count", "nan_count", "posinf_count", "neginf_count", "min", "max"}, ... ],
 *   "time_s": {"total", "pass", "tables"}, "rows_per_s": pass rate,
 *   "outputs": ["scales.json", ...]
 * }
 * </pre>
 * Per-tensor counts are of activation values (a NaN input row gives NaNs downstream). Non-finite
 * min/max are written as the strings "Infinity" / "-Infinity", as in {@code scales.json}.
 */
record CalibrationSummary(String version, long rows, int partitions, int failedAttempts, List<String> methods,
                          String preset, int batchSize, int binsPerSide, String modelPath, String modelSha256,
                          String inputName, long[] inputShape, String datasetPath, String column, String encoding,
                          long[] rowShape, String nonFinitePolicy, long nonFiniteRows, long nonFiniteValues,
                          CalibrationState state, double totalSeconds, double passSeconds, double tablesSeconds,
                          List<String> outputs) {

    private static final JsonFactory JSON = new JsonFactory();

    void write(Path file) {
        AtomicFiles.write(file, toBytes());
    }

    byte[] toBytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.setPrettyPrinter(new DefaultPrettyPrinter());
            g.writeStartObject();
            g.writeStringField("quantpipe_version", version);
            g.writeNumberField("rows", rows);
            g.writeNumberField("partitions", partitions);
            g.writeNumberField("failed_task_attempts", failedAttempts);
            strings(g, "methods", methods);
            g.writeStringField("preset", preset);
            g.writeNumberField("batch_size", batchSize);
            g.writeNumberField("bins_per_side", binsPerSide);

            g.writeObjectFieldStart("model");
            g.writeStringField("path", modelPath);
            g.writeStringField("sha256", modelSha256);
            g.writeStringField("input", inputName);
            longs(g, "input_shape", inputShape);
            g.writeEndObject();

            g.writeObjectFieldStart("dataset");
            g.writeStringField("path", datasetPath);
            g.writeStringField("column", column);
            g.writeStringField("encoding", encoding);
            longs(g, "row_shape", rowShape);
            g.writeEndObject();

            g.writeObjectFieldStart("nonfinite");
            g.writeStringField("policy", nonFinitePolicy);
            g.writeNumberField("input_rows", nonFiniteRows);
            g.writeNumberField("input_values", nonFiniteValues);
            g.writeEndObject();

            g.writeArrayFieldStart("tensors");
            for (Map.Entry<String, TensorStats> e : state.tensors().entrySet()) {
                MinMax m = e.getValue().minMax();
                g.writeStartObject();
                g.writeStringField("tensor", e.getKey());
                g.writeNumberField("count", m.count());
                g.writeNumberField("nan_count", m.nanCount());
                g.writeNumberField("posinf_count", m.posInfCount());
                g.writeNumberField("neginf_count", m.negInfCount());
                number(g, "min", m.min());
                number(g, "max", m.max());
                g.writeEndObject();
            }
            g.writeEndArray();

            g.writeObjectFieldStart("time_s");
            g.writeNumberField("total", round3(totalSeconds));
            g.writeNumberField("pass", round3(passSeconds));
            g.writeNumberField("tables", round3(tablesSeconds));
            g.writeEndObject();
            g.writeNumberField("rows_per_s", passSeconds > 0 ? Math.round(rows / passSeconds) : 0);
            strings(g, "outputs", outputs);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.write('\n');
        return out.toByteArray();
    }

    private static void strings(JsonGenerator g, String name, List<String> values) throws IOException {
        g.writeArrayFieldStart(name);
        for (String v : values) {
            g.writeString(v);
        }
        g.writeEndArray();
    }

    private static void longs(JsonGenerator g, String name, long[] values) throws IOException {
        if (values == null) {
            g.writeNullField(name);
            return;
        }
        g.writeArrayFieldStart(name);
        for (long v : values) {
            g.writeNumber(v);
        }
        g.writeEndArray();
    }

    private static void number(JsonGenerator g, String name, float v) throws IOException {
        if (Float.isNaN(v)) {
            g.writeNullField(name);
        } else if (Float.isInfinite(v)) {
            g.writeStringField(name, v > 0 ? "Infinity" : "-Infinity");
        } else {
            g.writeNumberField(name, v);
        }
    }

    private static double round3(double seconds) {
        return Math.round(seconds * 1000) / 1000.0;
    }
}
