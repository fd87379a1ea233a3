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

/** scripts/quantpipe's checks before it builds or runs anything. */
class LauncherScriptTest {
    @TempDir
    Path dir;

    /** A JAVA_HOME whose java reports {@code version}, as {@code java -version} does, on stderr. */
    private Path javaHome(String version) throws IOException {
        Path java = Files.createDirectories(dir.resolve("jdk/bin")).resolve("java");
        Files.writeString(java, "#!/bin/sh\necho 'openjdk version \"" + version + "\" 2021-01-19' >&2\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir.resolve("jdk");
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
