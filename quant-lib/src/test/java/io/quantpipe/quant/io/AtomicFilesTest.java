package io.quantpipe.quant.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quantpipe.quant.BadInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir
    Path dir;

    private List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void writesTheBytesUnderTheTargetNameOnly() throws IOException {
        Path target = dir.resolve("scales.json");
        AtomicFiles.write(target, "hello".getBytes(StandardCharsets.UTF_8));
        assertEquals("hello", Files.readString(target));
        assertEquals(List.of("scales.json"), names());
    }

    @Test
    void replacesAnExistingFile() throws IOException {
        Path target = dir.resolve("report.json");
        AtomicFiles.write(target, new byte[] {1, 2, 3});
        AtomicFiles.writeStream(target, out -> out.write(new byte[] {4, 5}));
        assertArrayEquals(new byte[] {4, 5}, Files.readAllBytes(target));
        assertEquals(List.of("report.json"), names());
    }

    @Test
    void createsMissingParentFolders() throws IOException {
        Path target = dir.resolve("run/sub/calibration.cache");
        AtomicFiles.write(target, new byte[] {7});
        assertArrayEquals(new byte[] {7}, Files.readAllBytes(target));
    }

    @Test
    void failingWriterLeavesNeitherTargetNorTemporaryFile() throws IOException {
        Path target = dir.resolve("scales.parquet");
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> AtomicFiles.writeStream(target, out -> {
            out.write(new byte[1000]);
            throw new IOException("disk full");
        }));
        assertTrue(e.getMessage().contains("disk full"), e.getMessage());
        assertEquals(List.of(), names());
    }

    @Test
    void failingPathWriterLeavesNeitherTargetNorTemporaryFile() throws IOException {
        Path target = dir.resolve("model.int8.onnx");
        BadInputException thrown = new BadInputException("bad model");
        BadInputException e = assertThrows(BadInputException.class, () -> AtomicFiles.write(target, temporary -> {
            assertTrue(temporary.getFileName().toString().startsWith("model.int8.onnx.tmp-"), temporary.toString());
            assertEquals(dir.toAbsolutePath(), temporary.getParent());
            Files.write(temporary, new byte[10]);
            throw thrown;
        }));
        assertSame(thrown, e);
        assertEquals(List.of(), names());
    }

    @Test
    void failingWriterKeepsThePreviousFile() throws IOException {
        Path target = dir.resolve("report.json");
        AtomicFiles.write(target, "old".getBytes(StandardCharsets.UTF_8));
        assertThrows(UncheckedIOException.class, () -> AtomicFiles.writeStream(target, out -> {
            out.write("new, half".getBytes(StandardCharsets.UTF_8));
            throw new IOException("interrupted");
        }));
        assertEquals("old", Files.readString(target));
        assertEquals(List.of("report.json"), names());
    }

    @Test
    void pathWriterThatCreatesNothingFails() throws IOException {
        Path target = dir.resolve("x.bin");
        assertThrows(UncheckedIOException.class, () -> AtomicFiles.write(target, temporary -> { }));
        assertFalse(Files.exists(target));
        assertEquals(List.of(), names());
    }
}
