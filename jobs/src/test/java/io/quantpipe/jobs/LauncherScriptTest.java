package io.quantpipe.jobs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** scripts/quantpipe's checks before it builds or runs anything, and the JVM options it runs with. */
class LauncherScriptTest {
    @TempDir
    Path dir;

    /**
     * A JAVA_HOME whose java reports {@code version}, as {@code java -version} does, on stderr, and
     * otherwise prints its arguments one per line.
     */
    private Path javaHome(String version) throws IOException {
        Path java = Files.createDirectories(dir.resolve("jdk/bin")).resolve("java");
        Files.writeString(java, "#!/bin/sh\n"
                + "if [ \"$1\" = -version ]; then echo 'openjdk version \"" + version + "\" 2021-01-19' >&2; exit 0; fi\n"
                + "printf '%s\\n' \"$@\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir.resolve("jdk");
    }

    /**
     * A copy of the launcher with a build in place (empty jar, classpath file, build stamp) so that
     * it runs java at once; returns its path. The launcher finds its build beside itself.
     */
    private Path launcherWithBuild() throws IOException {
        Path root = dir.resolve("install");
        if (Files.exists(root)) {
            return root.resolve("scripts/quantpipe");
        }
        Path scripts = Files.createDirectories(root.resolve("scripts/lib"));
        Files.copy(ProcessRun.ROOT.resolve("scripts/quantpipe"), scripts.getParent().resolve("quantpipe"));
        Files.copy(ProcessRun.ROOT.resolve("scripts/lib/java17.sh"), scripts.resolve("java17.sh"));
        Path target = Files.createDirectories(root.resolve("jobs/target"));
        Files.writeString(target.resolve("quantpipe-jobs-1.0.jar"), "");
        Files.writeString(target.resolve("classpath.txt"), "/nowhere/spark.jar");
        Files.writeString(target.resolve(".quantpipe-built"), "");
        Files.setPosixFilePermissions(root.resolve("scripts/quantpipe"), PosixFilePermissions.fromString("rwxr-xr-x"));
        return root.resolve("scripts/quantpipe");
    }

    private List<String> heapOptions(Map<String, String> env) throws Exception {
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("JAVA_HOME", javaHome("17.0.9").toString());
        all.put("QUANTPIPE_NO_BUILD", "1");
        ProcessRun r = ProcessRun.run(all, dir, List.of(launcherWithBuild().toString(), "--version"));
        assertEquals(0, r.code(), r.toString());
        List<String> args = r.out().lines().toList();
        assertTrue(args.contains("io.quantpipe.jobs.Main"), r.toString());
        return args.stream().filter(a -> a.startsWith("-Xm")).toList();
    }

    @Test
    void heapHasAFloorBelowTheDriverMemory() throws Exception {
        assertEquals(List.of("-Xmx2g", "-Xms256m"), heapOptions(Map.of()));
        assertEquals(List.of("-Xmx1g", "-Xms256m"), heapOptions(Map.of("QUANTPIPE_DRIVER_MEMORY", "1g")));
        assertEquals(List.of("-Xmx3G", "-Xms1g"),
                heapOptions(Map.of("QUANTPIPE_DRIVER_MEMORY", "3G", "QUANTPIPE_DRIVER_MEMORY_MIN", "1g")));
    }

    @Test
    void heapFloorIsCappedAtTheDriverMemoryOrLeftOut() throws Exception {
        assertEquals(List.of("-Xmx768m", "-Xms768m"),
                heapOptions(Map.of("QUANTPIPE_DRIVER_MEMORY", "768m", "QUANTPIPE_DRIVER_MEMORY_MIN", "1g")));
        assertEquals(List.of("-Xmx1g"), heapOptions(Map.of("QUANTPIPE_DRIVER_MEMORY", "1g", "QUANTPIPE_DRIVER_MEMORY_MIN", "0")));
    }

    @Test
    void badHeapSizeIsRefusedOnOneLine() throws Exception {
        Path home = javaHome("17.0.9");
        for (String[] c : List.of(new String[] {"QUANTPIPE_DRIVER_MEMORY", "2gb", "2g or 1536m"},
                new String[] {"QUANTPIPE_DRIVER_MEMORY_MIN", "-1", "256m or 0 (none)"})) {
            ProcessRun r = ProcessRun.script(Map.of("JAVA_HOME", home.toString(), c[0], c[1]), dir,
                    "scripts/quantpipe", "--version");
            assertEquals(2, r.code(), r.toString());
            assertEquals(List.of("quantpipe: error: expected " + c[0] + " as a heap size such as " + c[2]
                    + ", found '" + c[1] + "'"), r.errLines());
        }
    }

    @Test
    void olderJavaIsRefusedOnOneLine() throws Exception {
        for (String version : List.of("11.0.2", "1.8.0_392")) {
            Path home = javaHome(version);
            ProcessRun r = ProcessRun.script(Map.of("JAVA_HOME", home.toString()), dir, "scripts/quantpipe", "--version");
            assertEquals(2, r.code(), r.toString());
            assertEquals(List.of("quantpipe: error: expected Java 17 or newer, found " + version + " at "
                    + home.resolve("bin/java") + " (set JAVA_HOME)"), r.errLines());
        }
    }
}
