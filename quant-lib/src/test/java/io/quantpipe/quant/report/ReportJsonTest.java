package io.quantpipe.quant.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quantpipe.quant.ConfigException;
import io.quantpipe.quant.eval.EvaluationState;
import io.quantpipe.quant.eval.EvaluationSummary;
import io.quantpipe.quant.eval.LayerError;
import io.quantpipe.quant.eval.MetricRow;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static JsonNode parse(ReportInput input) throws IOException {
        return JSON.readTree(ReportJson.toBytes(input));
    }

    private static void assertFraction(JsonNode n, String where) {
        assertTrue(n.isFloatingPointNumber(), where + " should be a float, found " + n);
        assertTrue(n.asDouble() >= 0 && n.asDouble() <= 1, where + " should be in [0, 1], found " + n);
    }

    private static void assertFloat(JsonNode n, String where) {
        assertTrue(n != null && n.isFloatingPointNumber(), where + " should be a float, found " + n);
    }

    @Test
    void summaryHasEveryContractKeyWithItsType() throws IOException {
        JsonNode root = parse(ReportFixture.full(1).input);
        JsonNode s = root.get("summary");
        assertTrue(s.get("rows").isIntegralNumber());
        for (String model : List.of("fp32", "int8")) {
            assertFraction(s.get(model).get("top1"), model + ".top1");
            assertFraction(s.get(model).get("top5"), model + ".top5");
            assertFloat(s.get("latency_ms").get(model).get("median"), "latency " + model + " median");
            assertFloat(s.get("latency_ms").get(model).get("p95"), "latency " + model + " p95");
            assertTrue(s.get("model_bytes").get(model).isIntegralNumber());
        }
        assertFraction(s.get("top1_agreement"), "top1_agreement");
        assertFraction(s.get("cosine"), "cosine");
        for (String key : List.of("sqnr_db", "kl", "max_abs_diff", "speedup")) {
            assertFloat(s.get(key), key);
        }
        assertTrue(root.get("metrics").isArray() && root.get("metrics").size() > 0);
        for (JsonNode m : root.get("metrics")) {
            assertTrue(m.get("entity").isTextual() && m.get("instance").isTextual() && m.get("name").isTextual(), m.toString());
            JsonNode v = m.get("value");
            assertTrue(v.isNumber() || v.isNull() || v.asText().equals("Infinity") || v.asText().equals("-Infinity"),
                    m.toString());
        }
    }

    @Test
    void summaryValuesAreThePrimaryStatesExactly() throws IOException {
        ReportFixture f = ReportFixture.full(2);
        EvaluationSummary e = f.states.get("entropy").summary();
        JsonNode s = parse(f.input).get("summary");
        assertEquals("entropy", s.get("method").asText());
        assertEquals(ReportFixture.ROWS, s.get("rows").asLong());
        assertEquals(e.fp32Top1(), s.get("fp32").get("top1").asDouble());
        assertEquals(e.int8Top5(), s.get("int8").get("top5").asDouble());
        assertEquals(e.top1Agreement(), s.get("top1_agreement").asDouble());
        assertEquals(e.sqnrDb(), s.get("sqnr_db").asDouble());
        assertEquals(e.kl(), s.get("kl").asDouble());
        assertEquals(e.maxAbsDiff(), s.get("max_abs_diff").asDouble());
        assertEquals(e.int8Latency().p95Ms(), s.get("latency_ms").get("int8").get("p95").asDouble());
        assertEquals(e.speedup(), s.get("speedup").asDouble());
        assertEquals(1_712_345, s.get("model_bytes").get("fp32").asLong());
        assertEquals(468_902, s.get("model_bytes").get("int8").asLong());
    }

    @Test
    void methodsLayersFallbackAndNodesAreListed() throws IOException {
        ReportFixture f = ReportFixture.full(3);
        JsonNode root = parse(f.input);
        assertEquals(ReportFixture.METHODS, root.get("methods").findValuesAsText("method"));
        assertTrue(root.get("methods").get(0).get("primary").asBoolean());
        assertEquals(f.states.get("minmax").summary().sqnrDb(), root.get("methods").get(2).get("sqnr_db").asDouble());
        List<LayerError> ranked = f.layers.ranked();
        JsonNode layers = root.get("per_layer");
        assertEquals(ranked.size(), layers.size());
        for (int i = 0; i < ranked.size(); i++) {
            assertEquals(ranked.get(i).tensor(), layers.get(i).get("tensor").asText());
            assertEquals(ranked.get(i).sqnrDb(), layers.get(i).get("sqnr_db").asDouble());
        }
        assertEquals(List.of("/head/Softmax", "/pool/GlobalAveragePool"),
                JSON.convertValue(root.get("fp32_nodes"), List.class));
        assertEquals(3, root.get("fallback").size());
        assertEquals("fc1/Gemm_output_0", root.get("fallback").get(2).get("fp32_layers").get(1).asText());
    }

    @Test
    void metricRowsAreTheInputsRowsWithNaNAsNull() throws IOException {
        ReportInput input = ReportFixture.full(4).input;
        List<MetricRow> rows = input.metrics();
        JsonNode metrics = parse(input).get("metrics");
        assertEquals(rows.size(), metrics.size());
        for (int i = 0; i < rows.size(); i++) {
            MetricRow r = rows.get(i);
            JsonNode m = metrics.get(i);
            assertEquals(r.entity(), m.get("entity").asText());
            assertEquals(r.instance(), m.get("instance").asText());
            assertEquals(r.name(), m.get("name").asText());
            if (Double.isNaN(r.value())) {
                assertTrue(m.get("value").isNull());
            } else {
                assertEquals(r.value(), m.get("value").asDouble(), r.toString());
            }
        }
        assertTrue(rows.contains(new MetricRow("model", "int8", "bytes", 468_902)));
        assertTrue(rows.stream().anyMatch(r -> r.entity().equals("confusion") && r.instance().equals("int8/6/6")));
        assertTrue(rows.stream().anyMatch(r -> r.entity().equals("class") && r.instance().equals("Ankle boot")));
        assertTrue(rows.stream().anyMatch(r -> r.entity().equals("method") && r.instance().equals("minmax")));
        assertTrue(rows.stream().anyMatch(r -> r.entity().equals("layer") && r.name().equals("sqnr_db")));
    }

    @Test
    void withoutLabelsAccuraciesAreNullAndUnknownSizesToo() throws IOException {
        JsonNode s = parse(ReportFixture.minimal()).get("summary");
        for (String model : List.of("fp32", "int8")) {
            assertTrue(s.get(model).get("top1").isNull());
            assertTrue(s.get(model).get("top5").isNull());
            assertTrue(s.get("model_bytes").get(model).isNull());
            assertTrue(s.get("latency_ms").get(model).get("median").isNull());
        }
        assertTrue(s.get("speedup").isNull());
        assertFraction(s.get("top1_agreement"), "top1_agreement");
        assertEquals("int8", s.get("method").asText());
    }

    @Test
    void identicalOutputsGiveAnInfiniteSqnrAsAString() throws IOException {
        float[] logits = {1, 2, 3, 4};
        ReportInput input = ReportInput.builder().evaluation(new EvaluationState(2).add(logits, logits, null)).build();
        assertEquals("Infinity", parse(input).get("summary").get("sqnr_db").asText());
    }

    @Test
    void writesOneFileAtomically() throws IOException {
        Path file = dir.resolve("report.json");
        ReportJson.write(ReportFixture.full(5).input, file);
        ReportJson.write(ReportFixture.full(5).input, file);
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of("report.json"), s.map(p -> p.getFileName().toString()).toList());
        }
        assertTrue(Files.readString(file).endsWith("}\n"));
        assertFalse(Files.readString(file).contains("\r"));
    }

    @Test
    void sameInputGivesSameBytes() {
        assertEquals(new String(ReportJson.toBytes(ReportFixture.full(6).input)),
                new String(ReportJson.toBytes(ReportFixture.full(6).input)));
    }

    @Test
    void inconsistentInputsAreRejected() {
        EvaluationState ten = new EvaluationState(10);
        assertThrows(ConfigException.class, () -> ReportInput.builder().build());
        assertThrows(ConfigException.class, () -> ReportInput.builder().evaluation("a", ten)
                .evaluation("b", new EvaluationState(3)).build());
        assertThrows(ConfigException.class, () -> ReportInput.builder().evaluation("a", ten).evaluation("a", ten).build());
        assertThrows(ConfigException.class, () -> ReportInput.builder().evaluation(ten).classNames(List.of("x")).build());
        assertThrows(ConfigException.class, () -> ReportInput.builder().evaluation(ten).primary("nope").build());
        assertEquals("b", ReportInput.builder().evaluation("a", ten).evaluation("b", new EvaluationState(10))
                .primary("b").build().primary().method());
    }
}
