package io.quantpipe.jobs;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;

/** Runs {@link Main} in the test JVM and keeps its exit code, stdout and stderr. */
public record Cli(int code, String out, String err) {

    public static Cli run(String... args) {
        return run(Commands.ALL, args);
    }

    static Cli run(List<Supplier<Job>> commands, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new Main(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), commands).run(args);
        return new Cli(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** stderr's lines. */
    public List<String> errLines() {
        return err.lines().toList();
    }

    @Override
    public String toString() {
        return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
}
