package io.quantpipe.jobs;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a script or program of the project as a child process, the way a user does, and keeps its
 * exit code, stdout and stderr.
 */
public record ProcessRun(int code, String out, String err) {
    /** The project's root folder (tests run in the jobs module's folder). */
    public static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    /** A guard against a hung child, not a timing assertion. */
    private static final long MAX_MINUTES = 10;

    public static ProcessRun run(Map<String, String> env, Path cwd, List<String> command)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile("quantpipe-run", ".out");
        Path err = Files.createTempFile("quantpipe-run", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(MAX_MINUTES, TimeUnit.MINUTES)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new IllegalStateException("still running after " + MAX_MINUTES + " minutes: " + command);
            }
            return new ProcessRun(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Runs {@code script} (relative to the project root) with {@code args}. */
    public static ProcessRun script(Map<String, String> env, Path cwd, String script, String... args)
            throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>();
        command.add(ROOT.resolve(script).toString());
        command.addAll(List.of(args));
        return run(env, cwd, command);
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
