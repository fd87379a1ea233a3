package io.quantpipe.jobs;

import io.quantpipe.jobs.config.QuantpipeConfig;
import io.quantpipe.jobs.spark.TestSpark;
import io.quantpipe.quant.BadInputException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.Command;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MainTest {
    private static final String T10K = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";

    @TempDir
    Path dir;

    @BeforeAll
    static void spark() {
        TestSpark.session();
    }

    @Test
    void unknownCommandIsAUsageErrorOnOneLine() {
        Cli r = Cli.run("frobnicate", "--x");
        assertEquals(ExitCodes.USAGE, r.code());
        assertEquals(List.of("quantpipe: error: unknown command 'frobnicate': expected one of " + commandNames()), r.errLines());
        assertEquals("", r.out());
    }

    @Test
    void missingCommandIsAUsageError() {
        Cli r = Cli.run();
        assertEquals(ExitCodes.USAGE, r.code());
        assertEquals(List.of("quantpipe: error: missing command: expected one of " + commandNames() + " (see quantpipe --help)"),
                r.errLines());
    }

    /** Every command, in the order --help lists them. */
    private static String commandNames() {
        return String.join(", ", Commands.ALL.stream()
                .map(c -> c.get().getClass().getAnnotation(picocli.CommandLine.Command.class).name()).toList());
    }

    @Test
    void missingRequiredOptionIsAUsageErrorOnOneLine() {
        Cli r = Cli.run("ingest", "--format", "idx", "--images", T10K);
        assertEquals(ExitCodes.USAGE, r.code());
        assertEquals(List.of("quantpipe: error: Missing required option: '--out=DATASET' (see quantpipe ingest --help)"),
                r.errLines());
    }

    @Test
    void unknownConfigKeyIsAUsageErrorNamingTheKey() {
        Cli r = Cli.run("ingest", "--format", "idx", "--images", T10K, "--out", dir.resolve("o").toString(),
                "--set", "quantpipe.data.tensor-colum=pixels");
        assertEquals(ExitCodes.USAGE, r.code());
        assertEquals(List.of("quantpipe: error: unknown configuration key 'quantpipe.data.tensor-colum' (from --set); "
                + "did you mean 'quantpipe.data.tensor-column'?"), r.errLines());
    }

    @Test
    void missingImagesFileIsBadInputOnOneLine() {
        Path missing = dir.resolve("no-such-images.gz");
        Cli r = Cli.run("ingest", "--format", "idx", "--images", missing.toString(), "--out", dir.resolve("o").toString());
        assertEquals(ExitCodes.BAD_INPUT, r.code());
        assertEquals(List.of("quantpipe: error: --images " + missing + ": expected an existing file, found nothing"),
                r.errLines());
    }

    @Test
    void dryRunPrintsTheResolvedConfigurationAndThePlanAndWritesNothing() throws Exception {
        Path conf = dir.resolve("my.conf");
        Files.writeString(conf, "quantpipe.data.label-column = y\n");
        Path out = dir.resolve("o");
        Cli r = Cli.run("ingest", "--format", "idx", "--images", T10K, "--out", out.toString(), "--limit", "10",
                "--config", conf.toString(), "--set", "quantpipe.calibrate.batch-size=128", "--partitions", "3", "--dry-run");
        assertEquals(ExitCodes.OK, r.code(), r.toString());
        assertEquals("", r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals("quantpipe ingest (dry run: nothing is run)", lines.get(0));
        assertTrue(lines.contains("  quantpipe.calibrate.batch-size = 128   # --set"), r.out());
        assertTrue(lines.contains("  quantpipe.data.label-column = \"y\"   # " + conf), r.out());
        assertTrue(lines.contains("  quantpipe.ingest.partitions = 3   # --partitions"), r.out());
        assertTrue(lines.contains("  quantpipe.data.tensor-column = \"image\""), r.out());
        assertTrue(lines.contains("  quantpipe.spark.master = \"local[*]\""), r.out());
        assertTrue(lines.contains("  1. read idx samples from " + T10K + ", the first 10"), r.out());
        assertTrue(lines.contains("  2. write columns index, image to a temporary directory beside " + out + " in 3 files"),
                r.out());
        assertFalse(Files.exists(out));
    }

    @Test
    void globalOptionsWorkBeforeTheCommandToo() {
        Cli r = Cli.run("--set", "quantpipe.calibrate.batch-size=7", "--dry-run", "ingest", "--format", "npy",
                "--images", "x.npy", "--out", "y");
        assertEquals(ExitCodes.OK, r.code(), r.toString());
        assertTrue(r.out().contains("quantpipe.calibrate.batch-size = 7   # --set"), r.out());
    }

    @Test
    void helpGoesToStdout() {
        Cli r = Cli.run("ingest", "--help");
        assertEquals(ExitCodes.OK, r.code());
        assertTrue(r.out().contains("--format=idx|npy|images"), r.out());
        assertTrue(r.out().contains("--dry-run"), r.out());
        assertEquals("", r.err());
    }

    /** A command whose run throws what it is given, to see how Main reports it. */
    @Command(name = "boom")
    static final class Boom implements Job {
        final RuntimeException failure;

        Boom(RuntimeException failure) {
            this.failure = failure;
        }

        @Override
        public List<String> plan(QuantpipeConfig config) {
            return List.of("fail");
        }

        @Override
        public void run(JobContext context) {
            throw failure;
        }
    }

    /** A command whose Spark task throws bad input, which Spark wraps in its own exception. */
    @Command(name = "badtask")
    static final class BadTask implements Job {
        @Override
        public List<String> plan(QuantpipeConfig config) {
            return List.of("run one failing task");
        }

        @Override
        public void run(JobContext context) {
            var sc = org.apache.spark.api.java.JavaSparkContext.fromSparkContext(context.spark().sparkContext());
            sc.parallelize(List.of(1, 2), 1).map(i -> {
                if (i == 2) {
                    throw new BadInputException("row 2: expected a tensor, found garbage");
                }
                return i;
            }).collect();
        }
    }

    private static List<Supplier<Job>> only(Supplier<Job> command) {
        return List.of(command);
    }

    @Test
    void internalErrorExitsOneWithOneLineAndNoStackTrace() {
        Cli r = Cli.run(only(() -> new Boom(new IllegalStateException("state went\nwrong"))), "boom");
        assertEquals(ExitCodes.INTERNAL, r.code());
        assertEquals(List.of("quantpipe: error: internal error: java.lang.IllegalStateException: state went wrong "
                + "(--verbose prints the stack trace)"), r.errLines());
    }

    @Test
    void fileErrorsSayWhatFailedWithTheReasonJavaKeepsInTheExceptionType() {
        Cli r = Cli.run(only(() -> new Boom(new java.io.UncheckedIOException("cannot write /x/y.onnx: /x",
                new java.nio.file.NotDirectoryException("/x")))), "boom");
        assertEquals(ExitCodes.INTERNAL, r.code());
        assertEquals(List.of("quantpipe: error: I/O error: cannot write /x/y.onnx: /x (not a folder) "
                + "(--verbose prints the stack trace)"), r.errLines());
        Cli denied = Cli.run(only(() -> new Boom(new java.io.UncheckedIOException("cannot read /r: /r: Permission denied",
                new java.nio.file.AccessDeniedException("/r", null, "Permission denied")))), "boom");
        assertEquals(List.of("quantpipe: error: I/O error: cannot read /r: /r: Permission denied "
                + "(--verbose prints the stack trace)"), denied.errLines(), "a reason already in the message is not repeated");
    }

    @Test
    void verbosePrintsTheStackTraceAfterTheErrorLine() {
        Cli r = Cli.run(only(() -> new Boom(new IllegalStateException("bad"))), "boom", "--verbose");
        assertEquals(ExitCodes.INTERNAL, r.code());
        assertEquals("quantpipe: error: internal error: java.lang.IllegalStateException: bad", r.errLines().get(0));
        assertTrue(r.err().contains("\tat io.quantpipe.jobs."), r.err());
    }

    @Test
    void badInputInsideASparkTaskExitsThreeWithItsOwnMessage() {
        Cli r = Cli.run(only(BadTask::new), "badtask");
        assertEquals(ExitCodes.BAD_INPUT, r.code(), r.toString());
        assertEquals(List.of("quantpipe: error: row 2: expected a tensor, found garbage"), r.errLines());
    }

    @Test
    void configErrorFromAJobExitsTwo() {
        Cli r = Cli.run(only(() -> new Boom(new io.quantpipe.quant.ConfigException("--x: expected 1, found 2"))), "boom");
        assertEquals(ExitCodes.USAGE, r.code());
        assertEquals(List.of("quantpipe: error: --x: expected 1, found 2"), r.errLines());
    }
}
