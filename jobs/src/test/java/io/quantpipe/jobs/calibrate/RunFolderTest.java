package io.quantpipe.jobs.calibrate;

import io.quantpipe.quant.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunFolderTest {
    @TempDir
    Path dir;

    @Test
    void filesAppearAtTheTargetOnlyWhenPublished() throws IOException {
        Path target = dir.resolve("runs").resolve("r1");
        try (RunFolder f = RunFolder.create(target, false)) {
            Files.writeString(f.file("a.json"), "{}");
            assertTrue(Files.notExists(target));
            assertEquals(1, Samples.list(dir.resolve("runs")).size());
            assertTrue(Samples.list(dir.resolve("runs")).get(0).startsWith(".r1.tmp-"));
            f.publish();
        }
        assertEquals(List.of("r1"), Samples.list(dir.resolve("runs")));
        assertEquals(List.of("a.json"), Samples.list(target));
    }

    @Test
    void anUnpublishedFolderIsRemoved() throws IOException {
        Path target = dir.resolve("r2");
        try (RunFolder f = RunFolder.create(target, false)) {
            Files.writeString(f.file("a.json"), "{}");
        }
        assertEquals(List.of(), Samples.list(dir));
    }

    @Test
    void anEmptyTargetIsTakenAndAFullOneNeedsOverwrite() throws IOException {
        Path target = dir.resolve("r3");
        Files.createDirectories(target);
        try (RunFolder f = RunFolder.create(target, false)) {
            Files.writeString(f.file("new.json"), "{}");
            f.publish();
        }
        ConfigException e = assertThrows(ConfigException.class, () -> RunFolder.create(target, false));
        assertTrue(e.getMessage().contains("--overwrite"), e.getMessage());
        try (RunFolder f = RunFolder.create(target, true)) {
            Files.writeString(f.file("newer.json"), "{}");
            f.publish();
        }
        assertEquals(List.of("r3"), Samples.list(dir));
        assertEquals(List.of("newer.json"), Samples.list(target));
    }

    @Test
    void aFileAtTheTargetIsRefused() throws IOException {
        Path target = dir.resolve("r4");
        Files.writeString(target, "x");
        assertThrows(ConfigException.class, () -> RunFolder.check(target, true));
    }
}
