package io.quantpipe.jobs;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quantpipe.jobs.spark.TestSpark;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * scripts/airflow: the DAG compiles, declares the steps in order with the job jar and the Java 17
 * opens, its command lines are valid quantpipe command lines, and its gate passes or fails a run
 * by report.json. Runs Debian's /usr/bin/python3; Airflow itself is not installed here.
 */
class AirflowDagTest {
    static final String PYTHON = "/usr/bin/python3";
    static final Path AIRFLOW = ProcessRun.ROOT.resolve("scripts/airflow");
    static final Path FASHION = Path.of("/usr/share/datasets/fashion-mnist");
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    @BeforeAll
    static void spark() {
        TestSpark.session(); // the dry runs below share the test JVM's session settings
    }

    /** Python that writes no __pycache__ into the project. */
    private static ProcessRun python(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(PYTHON));
        command.addAll(List.of(args));
        return ProcessRun.run(Map.of("PYTHONPYCACHEPREFIX", dir.resolve("pycache").toString(),
                "PYTHONDONTWRITEBYTECODE", "1"), AIRFLOW, command);
    }

    @Test
    void compilesWithTheSystemPython() throws Exception {
        ProcessRun r = python("-m", "py_compile", "quantpipe_dag.py", "quantpipe_commands.py");
        assertEquals(0, r.code(), r.toString());
    }

    private static JsonNode inspect(Path... reports) throws Exception {
        Path script = dir.resolve("inspect_dag.py");
        try (var in = AirflowDagTest.class.getResourceAsStream("inspect_dag.py")) {
            Files.write(script, in.readAllBytes());
        }
        List<String> args = new ArrayList<>(List.of(script.toString(), AIRFLOW.toString()));
        for (Path p : reports) {
            args.add(p.toString());
        }
        ProcessRun r = python(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.toString());
        return JSON.readTree(r.out());
    }

    @Test
    void declaresIngestCalibrateQuantizeEvaluateThenTheGate() throws Exception {
        JsonNode dag = inspect();
        Set<List<String>> edges = new HashSet<>();
        dag.get("edges").forEach(e -> edges.add(List.of(e.get(0).asText(), e.get(1).asText())));
        assertEquals(Set.of(List.of("ingest_calibration", "calibrate"), List.of("calibrate", "quantize"),
                List.of("quantize", "evaluate"), List.of("ingest_test", "evaluate"), List.of("evaluate", "accuracy_gate")),
                edges);

        JsonNode d = dag.get("dag");
        assertEquals("@weekly", d.get("schedule").asText());
        assertFalse(d.get("catchup").asBoolean());
        assertFalse(d.has("schedule_interval"));
        assertEquals(1.0, d.get("params").get("max_top1_drop_points").asDouble());

        for (String id : List.of("ingest_calibration", "ingest_test", "calibrate", "quantize", "evaluate")) {
            JsonNode t = dag.get("tasks").get(id);
            assertEquals("io.quantpipe.jobs.Main", t.get("java_class").asText(), id);
            assertTrue(t.get("application").asText().contains("var.value.get('quantpipe_job_jar'"), id);
            assertTrue(t.get("files").asText().contains("var.value.get('quantpipe_conf'"), id);
            for (String side : List.of("driver", "executor")) {
                String javaOptions = t.get("conf").get("spark." + side + ".extraJavaOptions").asText();
                assertEquals(SubmitScriptTest.OPENS, javaOptions, id); // Spark's launcher's list
            }
            List<String> args = JSON.convertValue(t.get("application_args"), new TypeReference<>() { });
            assertEquals("--config", args.get(0), id);
            assertTrue(args.get(1).startsWith("{{ config_name(var.value.get('quantpipe_conf'"), args.get(1));
            assertTrue(args.stream().anyMatch(a -> a.startsWith("{{ params.work_dir }}/") && a.contains("/{{ ds_nodash }}")),
                    id + " " + args);
        }
        assertEquals(List.of("{{ params.work_dir }}/runs/{{ ds_nodash }}/report.json", "{{ params.max_top1_drop_points }}"),
                JSON.convertValue(dag.get("tasks").get("accuracy_gate").get("op_args"), new TypeReference<List<String>>() { }));
    }

    private static Path report(String name, double fp32, double int8) throws IOException {
        return Files.writeString(dir.resolve(name), "{\"summary\": {\"rows\": 10000, \"fp32\": {\"top1\": " + fp32
                + ", \"top5\": 0.99}, \"int8\": {\"top1\": " + int8 + ", \"top5\": 0.99}}, \"metrics\": []}");
    }

    @Test
    void gatePassesWithinTheBudgetAndFailsTheRunBeyondIt() throws Exception {
        JsonNode v = inspect(report("small.json", 0.9208, 0.9150), report("exact.json", 0.92, 0.91),
                report("large.json", 0.9208, 0.9050)).get("verdicts");
        assertTrue(v.get(0).get("passed").asBoolean());
        assertEquals("top-1 FP32 92.08%, int8 91.50%: drop 0.58 points (budget 1.00)", v.get(0).get("message").asText());
        assertTrue(v.get(1).get("passed").asBoolean(), v.get(1).toString()); // at most the budget passes
        assertFalse(v.get(2).get("passed").asBoolean());
        assertEquals("top-1 FP32 92.08%, int8 90.50%: drop 1.58 points (budget 1.00)", v.get(2).get("message").asText());
    }

    /** The command lines the DAG submits, built by the same function with this machine's paths. */
    private static Map<String, List<String>> commandLines() throws Exception {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("config", ProcessRun.ROOT.resolve("conf/quantpipe.conf").toString());
        values.put("model", ProcessRun.ROOT.resolve("data/fixtures/fashion_cnn.onnx").toString());
        values.put("input_format", "idx");
        values.put("calibration_images", FASHION.resolve("train-images-idx3-ubyte.gz").toString());
        values.put("calibration_labels", FASHION.resolve("train-labels-idx1-ubyte.gz").toString());
        values.put("test_images", FASHION.resolve("t10k-images-idx3-ubyte.gz").toString());
        values.put("test_labels", FASHION.resolve("t10k-labels-idx1-ubyte.gz").toString());
        values.put("work_dir", dir.resolve("work").toString());
        values.put("method", "entropy");
        values.put("preset", "tensorrt");
        ProcessRun r = python("-c", "import json, sys, quantpipe_commands as q; "
                + "print(json.dumps(q.command_lines(json.loads(sys.argv[1]), '20250106')))", JSON.writeValueAsString(values));
        assertEquals(0, r.code(), r.toString());
        return JSON.readValue(r.out(), new TypeReference<LinkedHashMap<String, List<String>>>() { });
    }

    @Test
    void everyCommandLineIsOneQuantpipeAccepts() throws Exception {
        Map<String, List<String>> lines = commandLines();
        assertEquals(List.of("ingest_calibration", "ingest_test", "calibrate", "quantize", "evaluate"), List.copyOf(lines.keySet()));
        String run = dir.resolve("work/runs/20250106").toString();
        assertEquals(List.of("--config", ProcessRun.ROOT.resolve("conf/quantpipe.conf").toString(), "quantize",
                "--model", ProcessRun.ROOT.resolve("data/fixtures/fashion_cnn.onnx").toString(), "--run", run,
                "--method", "entropy", "--preset", "tensorrt"), lines.get("quantize"));
        for (Map.Entry<String, List<String>> e : lines.entrySet()) {
            List<String> args = new ArrayList<>(e.getValue());
            args.add("--dry-run");
            Cli r = Cli.run(args.toArray(String[]::new));
            String command = args.get(2);
            assertEquals(ExitCodes.OK, r.code(), e.getKey() + ": " + r);
            assertTrue(r.out().startsWith("quantpipe " + command + " (dry run: nothing is run)"), r.out());
        }
        assertTrue(lines.get("calibrate").containsAll(List.of("--data", dir.resolve("work/datasets/20250106/calibration").toString(),
                "--out", run)));
        assertTrue(lines.get("evaluate").containsAll(List.of("--int8", run + "/model.int8.onnx", "--data",
                dir.resolve("work/datasets/20250106/test").toString())));
    }
}
