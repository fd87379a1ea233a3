package io.quantpipe.jobs;

import io.quantpipe.quant.ConfigException;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LocalPathTest {
    @Test
    void plainPathsAreTakenAsGiven() {
        assertEquals(Path.of("/m/model.onnx"), LocalPath.of("/m/model.onnx", "--model"));
        assertEquals(Path.of("runs/r1"), LocalPath.of("runs/r1", "--run"));
        assertEquals(Path.of("my model.onnx"), LocalPath.of("my model.onnx", "--model"));
    }

    @Test
    void fileUrisAreLocalPaths() {
        assertEquals(Path.of("/m/model.onnx"), LocalPath.of("file:/m/model.onnx", "--model"));
        assertEquals(Path.of("/m/model.onnx"), LocalPath.of("file:///m/model.onnx", "--model"));
        assertEquals(Path.of("runs/r1"), LocalPath.of("file:runs/r1", "--run"));
        assertEquals(Path.of("/m/a b.onnx"), LocalPath.of("file:/m/a%20b.onnx", "--model"));
    }

    @Test
    void otherFileSystemsAreUsageErrorsNamingTheOption() {
        ConfigException e = assertThrows(ConfigException.class, () -> LocalPath.of("hdfs://nn:8020/m/x.onnx", "--model"));
        assertEquals("--model hdfs://nn:8020/m/x.onnx: expected a local path or file: URI, found a hdfs: URI "
                + "(this command works on the driver's file system)", e.getMessage());
        assertThrows(ConfigException.class, () -> LocalPath.of("file://host/m/x.onnx", "--model"));
    }
}
