package io.quantpipe.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quantpipe.jobs.spark.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Zeppelin notes: well-formed 0.10 notes whose every SQL paragraph runs on a real run folder. */
class NotebooksTest {
    private static final Path NOTEBOOKS = Path.of("../notebooks");
    private static final Pattern FORM = Pattern.compile("\\$\\{(\\w+)(=[^}]*)?}");
    @TempDir
    static Path dir;
    static Path run;

    /** A calibrate run evaluated into the same folder, as the pipeline leaves it. */
    @BeforeAll
    static void makeRun() {
        TestSpark.session();
        run = dir.resolve("run");
        Cli c = Cli.run("calibrate", "--model", "../data/fixtures/fashion_cnn.onnx", "--data", "../data/samples/fashion-mnist-train-2k",
                "--out", run.toString(), "--methods", "minmax,percentile,mse");
        assertEquals(0, c.code(), c.toString());
        Cli e = Cli.run("evaluate", "--fp32", "../data/fixtures/fashion_cnn.onnx", "--calibration", run.toString(),
                "--data", "../data/samples/fashion-mnist-test-1k", "--out", run.toString(), "--per-layer");
        assertEquals(0, e.code(), e.toString());
    }

    static List<Path> notes() throws Exception {
        try (Stream<Path> s = Files.list(NOTEBOOKS)) {
            return s.filter(p -> p.toString().endsWith(".zpln")).sorted().toList();
        }
    }

    @Test
    void notesHaveZeppelinStructure() throws Exception {
        assertEquals(2, notes().size());
        Set<String> ids = new HashSet<>();
        for (Path p : notes()) {
            JsonNode note = new ObjectMapper().readTree(p.toFile());
            assertTrue(note.get("name").asText().startsWith("quantpipe/"), p.toString());
            assertTrue(ids.add(note.get("id").asText()), "note id unique: " + p);
            assertEquals("spark", note.get("defaultInterpreterGroup").asText());
            assertTrue(note.get("version").asText().startsWith("0.10"), p.toString());
            for (JsonNode para : note.get("paragraphs")) {
                assertTrue(ids.add(para.get("id").asText()), "paragraph id unique: " + para.get("id"));
                String text = para.get("text").asText();
                assertTrue(text.startsWith("%md\n") || text.startsWith("%spark.sql\n"), p + ": " + text);
                assertTrue(para.get("config").has("editorSetting"), p.toString());
                assertTrue(para.has("settings") && para.get("settings").has("forms"), p.toString());
            }
        }
    }

    @Test
    void everySqlParagraphRunsOnARealRunFolder() throws Exception {
        SparkSession spark = TestSpark.session();
        Map<String, String> forms = Map.of("run", run.toAbsolutePath().toString(), "eval", run.toAbsolutePath().toString(),
                "tensor", "/res/Relu_1_output_0");
        int ran = 0;
        for (Path p : notes()) {
            for (JsonNode para : new ObjectMapper().readTree(p.toFile()).get("paragraphs")) {
                String text = para.get("text").asText();
                if (!text.startsWith("%spark.sql")) {
                    continue;
                }
                String sql = substitute(text.substring("%spark.sql".length()), forms);
                List<Row> rows = spark.sql(sql).collectAsList();
                String title = p.getFileName() + " / " + para.get("title").asText();
                if (!title.contains("Non-finite") && !title.contains("Fallback") && !title.contains("Confusion")) {
                    assertFalse(rows.isEmpty(), title + " returned no rows");
                }
                ran++;
            }
        }
        assertEquals(13, ran);
    }

    private static String substitute(String sql, Map<String, String> forms) {
        Matcher m = FORM.matcher(sql);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = forms.get(m.group(1));
            if (value == null) {
                throw new AssertionError("form " + m.group(1) + " has no test value");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }
}
