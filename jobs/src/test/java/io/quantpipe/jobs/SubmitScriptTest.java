package io.quantpipe.jobs;

import org.apache.spark.launcher.JavaModuleOptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The spark-submit command line scripts/submit builds, seen by a spark-submit that prints it. */
class SubmitScriptTest {
    static final Path ROOT = ProcessRun.ROOT;

    /** The --add-opens Spark's own launcher passes on Java 17, in its order. */
    static final String OPENS = String.join(" ", Arrays.stream(JavaModuleOptions.defaultModuleOptionArray())
            .filter(o -> o.startsWith("--add-opens=")).toList());

    @TempDir
    Path dir;

    private Path jar;
    private Path sparkHome;

    @BeforeEach
    void printingSparkSubmit() throws IOException {
        sparkHome = dir.resolve("spark");
        Path submit = Files.createDirectories(sparkHome.resolve("bin")).resolve("spark-submit");
        Files.writeString(submit, "#!/bin/sh\nprintf '%s\\n' \"$@\"\n");
        Files.setPosixFilePermissions(submit, PosixFilePermissions.fromString("rwxr-xr-x"));
        jar = Files.writeString(dir.resolve("quantpipe-jobs-9.9-job.jar"), "");
    }

    private ProcessRun submit(String... args) throws Exception {
        return ProcessRun.script(Map.of("SPARK_HOME", sparkHome.toString(), "QUANTPIPE_JOB_JAR", jar.toString()),
                dir, "scripts/submit", args);
    }

    private static List<String> lines(String... parts) {
        return new ArrayList<>(List.of(parts));
    }

    @Test
    void runsMainFromTheJobJarWithTheShippedConfigAndTheOpens() throws Exception {
        ProcessRun r = submit("--master", "yarn", "--num-executors", "3", "calibrate", "--model", "m.onnx", "--verbose");
        assertEquals(0, r.code(), r.toString());
        assertEquals(lines("--class", "io.quantpipe.jobs.Main", "--master", "yarn", "--num-executors", "3",
                "--files", ROOT.resolve("conf/quantpipe.conf").toString(),
                "--conf", "spark.driver.extraJavaOptions=" + OPENS + " -Dlog4j2.configurationFile=file:"
                        + ROOT.resolve("conf/log4j2.properties"),
                "--conf", "spark.executor.extraJavaOptions=" + OPENS,
                jar.toString(), "--config", "quantpipe.conf", "calibrate", "--model", "m.onnx", "--verbose"),
                r.out().lines().toList());
    }

    @Test
    void mergesTheUsersFilesAndJavaOptionsInClusterMode() throws Exception {
        Path conf = Files.writeString(dir.resolve("site.conf"), "");
        ProcessRun r = ProcessRun.script(Map.of("SPARK_HOME", sparkHome.toString(), "QUANTPIPE_JOB_JAR", jar.toString(),
                "QUANTPIPE_CONF", conf.toString()), dir, "scripts/submit",
                "--deploy-mode", "cluster", "--files", "a.txt,b.txt", "--conf", "spark.executor.extraJavaOptions=-XX:+UseG1GC",
                "--driver-java-options", "-Dx=1", "--conf=spark.quantpipe.calibrate.batch-size=8", "-v", "--", "ingest", "--help");
        assertEquals(0, r.code(), r.toString());
        assertEquals(lines("--class", "io.quantpipe.jobs.Main", "--deploy-mode", "cluster",
                "--conf", "spark.quantpipe.calibrate.batch-size=8", "-v",
                "--files", "a.txt,b.txt," + conf,
                "--conf", "spark.driver.extraJavaOptions=" + OPENS + " -Dx=1",
                "--conf", "spark.executor.extraJavaOptions=" + OPENS + " -XX:+UseG1GC",
                jar.toString(), "--config", "site.conf", "ingest", "--help"),
                r.out().lines().toList());
    }

    @Test
    void missingSparkSubmitIsOneLineNamingWhereItLooked() throws Exception {
        ProcessRun r = ProcessRun.script(Map.of("SPARK_HOME", dir.resolve("none").toString(), "PATH", "/usr/bin:/bin",
                "QUANTPIPE_JOB_JAR", jar.toString()), dir, "scripts/submit", "ingest", "--help");
        assertEquals(2, r.code(), r.toString());
        assertEquals(List.of("quantpipe: error: spark-submit not found: expected $SPARK_HOME/bin/spark-submit (SPARK_HOME="
                + dir.resolve("none") + ") or spark-submit on PATH; install a Spark 4.x distribution (Scala 2.13) "
                + "or use scripts/quantpipe on this machine"), r.errLines());
    }

    @Test
    void aCommandIsRequired() throws Exception {
        ProcessRun r = submit("--master", "yarn");
        assertEquals(2, r.code(), r.toString());
        assertEquals(List.of("quantpipe: error: expected a quantpipe command (ingest, calibrate, quantize, evaluate, ...) "
                + "after the spark-submit options"), r.errLines());
    }

    @Test
    void theMainClassIsNotTheUsersToChoose() throws Exception {
        ProcessRun r = submit("--class", "x.Y", "ingest");
        assertEquals(2, r.code(), r.toString());
        assertEquals(1, r.errLines().size(), r.toString());
    }
}
