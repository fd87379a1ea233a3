package io.quantpipe.jobs.config;

import io.quantpipe.quant.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigResolverTest {

    @Test
    void defaultsAreTheDocumentedOnes() {
        QuantpipeConfig c = QuantpipeConfig.defaults();
        assertEquals("local[*]", c.sparkMaster());
        assertEquals("quantpipe", c.appName());
        assertEquals(Map.of(), c.sparkConf());
        assertEquals("image", c.tensorColumn());
        assertEquals("label", c.labelColumn());
        assertEquals(Optional.empty(), c.shape());
        assertEquals("auto", c.dataEncoding());
        assertEquals(new Scale(1f, 255f), c.uint8Scale());
        assertArrayEquals(new float[] {0f}, c.uint8Mean());
        assertArrayEquals(new float[] {1f}, c.uint8Std());
        assertEquals(NonFinite.COUNT, c.nonFinite());
        assertEquals(0, c.ingestPartitions());
        assertEquals(List.of("minmax", "percentile:99.99", "entropy", "mse"), c.calibrateMethods());
        assertEquals(0, c.calibratePartitions());
        assertEquals(32, c.calibrateBatchSize());
        assertEquals(4096, c.binsPerSide());
        assertEquals(1, c.intraOpThreads());
        assertEquals("cpu", c.quantizePreset());
        assertEquals("mse", c.quantizeMethod());
        assertEquals(64, c.evaluateBatchSize());
    }

    @Test
    void laterLayersWinFileThenSparkThenSetThenOption(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("q.conf");
        Files.writeString(file, """
                quantpipe.calibrate.batch-size = 8
                quantpipe.calibrate.bins-per-side = 1024
                quantpipe.evaluate.batch-size = 16
                quantpipe.ingest.partitions = 3
                quantpipe.runtime.intra-op-threads = 2
                """);
        QuantpipeConfig c = new ConfigResolver()
                .file(file)
                .sparkProperties(Map.of(
                        "spark.quantpipe.calibrate.batch-size", "9",
                        "spark.quantpipe.evaluate.batch-size", "17",
                        "spark.quantpipe.ingest.partitions", "4",
                        "spark.executor.memory", "2g"))
                .set("quantpipe.evaluate.batch-size=18")
                .set("quantpipe.ingest.partitions=5")
                .option("quantpipe.ingest.partitions", 6, "--partitions")
                .resolve();
        assertEquals(2, c.intraOpThreads());       // file only
        assertEquals(1024, c.binsPerSide());       // file only
        assertEquals(9, c.calibrateBatchSize());   // Spark property over file
        assertEquals(18, c.evaluateBatchSize());   // --set over Spark property
        assertEquals(6, c.ingestPartitions());     // command option over --set
        assertEquals(file.toString(), c.sourceOf("quantpipe.runtime.intra-op-threads"));
        assertEquals("Spark property", c.sourceOf("quantpipe.calibrate.batch-size"));
        assertEquals("--set", c.sourceOf("quantpipe.evaluate.batch-size"));
        assertEquals("--partitions", c.sourceOf("quantpipe.ingest.partitions"));
        assertEquals("default", c.sourceOf("quantpipe.quantize.preset"));
    }

    @Test
    void unknownKeyIsNamedWithTheClosestKnownKey() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> QuantpipeConfig.of("quantpipe.calibrate.batchsize=32"));
        assertEquals("unknown configuration key 'quantpipe.calibrate.batchsize' (from --set); "
                + "did you mean 'quantpipe.calibrate.batch-size'?", e.getMessage());
    }

    @Test
    void keyWithoutPrefixSuggestsThePrefixedKey() {
        ConfigException e = assertThrows(ConfigException.class, () -> QuantpipeConfig.of("data.tensor-column=x"));
        assertTrue(e.getMessage().endsWith("did you mean 'quantpipe.data.tensor-column'?"), e.getMessage());
    }

    @Test
    void farOffKeyPointsToTheDocumentedFile() {
        ConfigException e = assertThrows(ConfigException.class, () -> QuantpipeConfig.of("completely.different=1"));
        assertTrue(e.getMessage().endsWith("the known keys are listed in conf/quantpipe.conf"), e.getMessage());
    }

    @Test
    void unknownKeyInFileNamesTheFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.conf");
        Files.writeString(file, "quantpipe { data { tensor-colum = pixels } }\n");
        ConfigException e = assertThrows(ConfigException.class, () -> new ConfigResolver().file(file).resolve());
        assertEquals("unknown configuration key 'quantpipe.data.tensor-colum' (from " + file
                + "); did you mean 'quantpipe.data.tensor-column'?", e.getMessage());
    }

    @Test
    void unknownSparkPropertyKeyIsNamed() {
        ConfigException e = assertThrows(ConfigException.class, () -> new ConfigResolver()
                .sparkProperties(Map.of("spark.quantpipe.calibrate.method", "entropy")).resolve());
        assertTrue(e.getMessage().startsWith("unknown configuration key 'quantpipe.calibrate.method' (from Spark property)"),
                e.getMessage());
    }

    @Test
    void childOfAScalarKeyIsUnknown() {
        assertThrows(ConfigException.class, () -> QuantpipeConfig.of("quantpipe.calibrate.batch-size.x=1"));
    }

    @Test
    void missingConfigFileIsAConfigError(@TempDir Path dir) {
        ConfigException e = assertThrows(ConfigException.class, () -> new ConfigResolver().file(dir.resolve("nope.conf")));
        assertEquals("config file not found: " + dir.resolve("nope.conf") + " (--config)", e.getMessage());
    }

    @Test
    void wrongValueNamesKeySourceExpectedAndFound() {
        ConfigException e = assertThrows(ConfigException.class, () -> QuantpipeConfig.of("quantpipe.calibrate.batch-size=abc"));
        assertEquals("configuration key 'quantpipe.calibrate.batch-size' (from --set): expected an integer >= 1, found \"abc\"",
                e.getMessage());
        e = assertThrows(ConfigException.class, () -> QuantpipeConfig.of("quantpipe.calibrate.bins-per-side=1000"));
        assertEquals("configuration key 'quantpipe.calibrate.bins-per-side' (from --set): expected a power of two in "
                + "[2, 1048576], found 1000", e.getMessage());
        e = assertThrows(ConfigException.class, () -> QuantpipeConfig.of("quantpipe.data.nonfinite=ignore"));
        assertEquals("configuration key 'quantpipe.data.nonfinite' (from --set): expected one of count|fail, found \"ignore\"",
                e.getMessage());
        assertThrows(ConfigException.class, () -> QuantpipeConfig.of("quantpipe.data.uint8.std=[1, 0]"));
        assertThrows(ConfigException.class, () -> QuantpipeConfig.of("quantpipe.data.shape=[28, -1]"));
        assertThrows(ConfigException.class, () -> QuantpipeConfig.of("quantpipe.quantize.preset=gpu"));
    }

    @Test
    void listsAcceptHoconOrCommaSeparatedText() {
        assertEquals(List.of("minmax", "entropy"), QuantpipeConfig.of("quantpipe.calibrate.methods=minmax,entropy").calibrateMethods());
        assertEquals(List.of("minmax", "percentile:99.9"),
                QuantpipeConfig.of("quantpipe.calibrate.methods=[\"minmax\", \"percentile:99.9\"]").calibrateMethods());
        assertEquals(List.of("minmax", "percentile:99.9"),
                QuantpipeConfig.of("quantpipe.calibrate.methods=[minmax, percentile:99.9]").calibrateMethods());
        assertArrayEquals(new long[] {1, 28, 28}, QuantpipeConfig.of("quantpipe.data.shape=[1,28,28]").shape().orElseThrow());
        assertArrayEquals(new long[] {3, 32, 32}, QuantpipeConfig.of("quantpipe.data.shape=3,32,32").shape().orElseThrow());
        assertArrayEquals(new float[] {0.485f, 0.456f, 0.406f},
                QuantpipeConfig.of("quantpipe.data.uint8.mean=[0.485, 0.456, 0.406]").uint8Mean());
        assertArrayEquals(new float[] {0.5f}, QuantpipeConfig.of("quantpipe.data.uint8.mean=0.5").uint8Mean());
    }

    @Test
    void masterWithBracketsStaysText() {
        assertEquals("local[2]", QuantpipeConfig.of("quantpipe.spark.master=local[2]").sparkMaster());
        assertEquals("local-cluster[2,1,1024]", QuantpipeConfig.of("quantpipe.spark.master=local-cluster[2,1,1024]").sparkMaster());
    }

    @Test
    void sparkConfTakesAnySparkPropertyQuotedOrNested(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("s.conf");
        Files.writeString(file, """
                quantpipe.spark.conf {
                  spark.executor.memory = 4g
                  "spark.sql.shuffle.partitions" = 16
                }
                """);
        QuantpipeConfig c = new ConfigResolver().file(file)
                .set("quantpipe.spark.conf.\"spark.ui.enabled\"=false").resolve();
        assertEquals(Map.of("spark.executor.memory", "4g", "spark.sql.shuffle.partitions", "16",
                "spark.ui.enabled", "false"), c.sparkConf());
    }

    @Test
    void scaleReadsFractionsAndPlainNumbers() {
        assertEquals(new Scale(1f, 255f), Scale.parse("1/255"));
        assertEquals(1f, Scale.parse("1/255").apply(255f));
        assertEquals(128f / 255f, Scale.parse("1/255").apply(128f)); // ToTensor divides in float32
        assertEquals(new Scale(0.5f, 1f), QuantpipeConfig.of("quantpipe.data.uint8.scale=0.5").uint8Scale());
    }

    @Test
    void describeListsEveryKeyWithItsSource() {
        QuantpipeConfig c = QuantpipeConfig.of("quantpipe.calibrate.batch-size=128",
                "quantpipe.spark.conf.\"spark.ui.enabled\"=false");
        List<String> lines = c.describe();
        assertTrue(lines.contains("quantpipe.calibrate.batch-size = 128   # --set"), lines.toString());
        assertTrue(lines.contains("quantpipe.data.tensor-column = \"image\""), lines.toString());
        assertTrue(lines.contains("quantpipe.data.shape = null"), lines.toString());
        assertTrue(lines.contains("quantpipe.spark.conf.\"spark.ui.enabled\" = false   # --set"), lines.toString());
        assertEquals(new KnownKeys(Reference.config()).all().size(), lines.size()); // conf {} is replaced by its entry
    }

    @Test
    void documentedUserCopyHasEveryKeyWithItsDefault() {
        Path userCopy = Path.of("..", "conf", "quantpipe.conf");
        assertTrue(Files.isRegularFile(userCopy), userCopy.toAbsolutePath().toString());
        var documented = com.typesafe.config.ConfigFactory.parseFile(userCopy.toFile());
        var reference = Reference.config();
        assertEquals(KnownKeys.leafPaths(reference.root()), KnownKeys.leafPaths(documented.root()));
        for (String key : KnownKeys.leafPaths(reference.root())) {
            Object expected = reference.hasPath(key) ? reference.getValue(key).unwrapped() : null;
            Object found = documented.hasPath(key) ? documented.getValue(key).unwrapped() : null;
            assertEquals(expected, found, key);
        }
        assertFalse(KnownKeys.leafPaths(reference.root()).isEmpty());
    }
}
