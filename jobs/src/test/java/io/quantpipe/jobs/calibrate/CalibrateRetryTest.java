package io.quantpipe.jobs.calibrate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quantpipe.jobs.Cli;
import io.quantpipe.jobs.spark.TestSpark;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.quantpipe.jobs.calibrate.Samples.TRAIN_2K;
import static io.quantpipe.jobs.calibrate.Samples.calibrate;
import static io.quantpipe.jobs.calibrate.Samples.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Task failures: with retries ({@code local[2,4]}) a job whose first attempts of some partitions fail
 * half-way writes the same bytes as a clean run. The retrying master needs its own SparkContext, so
 * that run is the command line in a child JVM; the test JVM keeps its one shared session.
 */
class CalibrateRetryTest {
    @TempDir
    static Path dir;

    private static Path clean;

    @BeforeAll
    static void cleanRun() {
        TestSpark.session();
        clean = dir.resolve("clean");
        Cli r = calibrate(TRAIN_2K, clean, "--partitions", "4");
        assertEquals(0, r.code(), r.toString());
    }

    /** {@code quantpipe args...} in a new JVM with this JVM's class path; returns the exit code. */
    private static int runInChildJvm(Path log, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx1g");
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-opens")) {
                command.add(a);
            }
        }
        command.add("-Dlog4j2.configurationFile=" + Path.of("..", "conf", "log4j2.properties").toAbsolutePath());
        command.add("-Dquantpipe.log.file=" + dir.resolve("child.log"));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("io.quantpipe.jobs.Main");
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        Process p = pb.start();
        if (!p.waitFor(3, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("the child JVM did not finish in 3 minutes; its output:\n" + Files.readString(log));
        }
        return p.exitValue();
    }

    @Test
    void firstAttemptsFailingHalfwayAreRetriedAndTheTablesAreByteIdentical() throws Exception {
        Path run = dir.resolve("retried");
        Path log = dir.resolve("retried.out");
        int code = runInChildJvm(log, "calibrate", "--master", "local[2,4]",
                "--set", FaultInjection.KEY + "=[0,3]", "--partitions", "4",
                "--model", Samples.MODEL.toString(), "--data", TRAIN_2K, "--out", run.toString());
        String output = Files.readString(log);
        assertEquals(0, code, output);
        assertTrue(output.contains("injected failure"), output);
        assertArrayEquals(read(clean.resolve("scales.json")), read(run.resolve("scales.json")));
        assertArrayEquals(read(clean.resolve("calibration.state")), read(run.resolve("calibration.state")));
        JsonNode summary = new ObjectMapper().readTree(run.resolve("calibration.json").toFile());
        assertEquals(2, summary.get("failed_task_attempts").asInt(), output);
        assertEquals(2000, summary.get("rows").asLong());
        assertEquals(4, summary.get("partitions").asInt());
    }

    @Test
    void withoutRetriesTheInjectedFailureFailsTheRunAndWritesNothing() {
        Path run = dir.resolve("no-retries");
        // The shared test session is local[2]: one attempt per task.
        Cli r = calibrate(TRAIN_2K, run, "--partitions", "4", "--set", FaultInjection.KEY + "=[1]");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("injected failure"), r.err());
        assertEquals(List.of(), Samples.list(dir).stream().filter(n -> n.contains("no-retries")).toList());
    }
}
