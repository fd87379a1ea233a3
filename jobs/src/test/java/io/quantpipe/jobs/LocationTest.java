package io.quantpipe.jobs;

import io.quantpipe.quant.ConfigException;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocationTest {
    @Test
    void plainPathsAndFileUrisAreLocal() {
        assertEquals(Path.of("runs/r1"), Location.of("runs/r1", "--out").path());
        assertEquals(Path.of("/m/a b.onnx"), Location.of("file:/m/a%20b.onnx", "--model").path());
        assertEquals(Path.of("/m/x.onnx"), Location.of("file:///m/x.onnx", "--model").path());
        assertEquals(Path.of("my model.onnx"), Location.of("my model.onnx", "--model").path());
        assertFalse(Location.of("file:///m/x.onnx", "--model").isRemote());
    }

    @Test
    void otherSchemesAreRemoteWithoutTrailingSlashes() {
        Location run = Location.of("hdfs://nn:8020/runs/r1//", "--out");
        assertTrue(run.isRemote());
        assertEquals(URI.create("hdfs://nn:8020/runs/r1"), run.uri());
        assertEquals("r1", run.fileName());
        assertEquals(URI.create("hdfs://nn:8020/runs/r1/scales.json"), run.resolve("scales.json").uri());
        assertEquals("hdfs://nn:8020/runs/r1//", run.toString(), "messages show the value as given");
        assertEquals("m.onnx", Location.of("s3a://bucket/models/m.onnx", "--model").fileName());
    }

    @Test
    void pathsWithSpacesAreTakenAsHadoopTakesThem() {
        Location run = Location.of("hdfs://nn/my runs/r 1", "--out");
        assertTrue(run.isRemote());
        assertEquals("/my runs/r 1", run.uri().getPath());
        assertEquals("r 1", run.fileName());
        assertEquals("/my runs/r 1/scales.json", run.resolve("scales.json").uri().getPath());
        assertEquals(Path.of("/m/a b.onnx"), Location.of("file:///m/a b.onnx", "--model").path());
        assertEquals(Path.of("runs/a b"), Location.of("runs/a b", "--out").path());
    }

    @Test
    void aRemoteUriWithoutAPathIsAUsageErrorNamingTheOption() {
        ConfigException e = assertThrows(ConfigException.class, () -> Location.of("s3a://bucket", "--model"));
        assertEquals("--model s3a://bucket: expected a local path or a file system URI with a path, such as "
                + "hdfs://namenode/models/m.onnx, found 's3a://bucket'", e.getMessage());
        assertThrows(ConfigException.class, () -> Location.of("hdfs:relative", "--out"));
        assertThrows(ConfigException.class, () -> Location.of("file://host/m/x.onnx", "--model"));
    }
}
