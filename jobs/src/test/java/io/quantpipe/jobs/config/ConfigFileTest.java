package io.quantpipe.jobs.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ConfigFileTest {
    @TempDir
    Path dir;

    private Path shipped(String name) throws IOException {
        return Files.writeString(dir.resolve(name), "quantpipe.calibrate.batch-size = 8\n");
    }

    @Test
    void bareNameMissingHereIsTheFileSparkSubmitShipped() throws IOException {
        Path conf = shipped("quantpipe-ci.conf");
        Map<String, String> props = Map.of("spark.files",
                "hdfs://nn/x/quantpipe-ci.conf,file:" + dir.resolve("other.conf") + ",file:" + conf);
        assertEquals(conf, ConfigFile.locate(Path.of("quantpipe-ci.conf"), props));
    }

    @Test
    void shippedPlainPathsCountToo() throws IOException {
        Path conf = shipped("quantpipe-ci.conf");
        assertEquals(conf, ConfigFile.locate(Path.of("quantpipe-ci.conf"), Map.of("spark.files", conf.toString())));
    }

    @Test
    void remoteOrMissingShippedFilesAreNotUsed() {
        Path given = Path.of("quantpipe-ci.conf");
        assertEquals(given, ConfigFile.locate(given, Map.of("spark.files", "hdfs://nn/x/quantpipe-ci.conf")));
        assertEquals(given, ConfigFile.locate(given,
                Map.of("spark.files", "file:" + dir.resolve("quantpipe-ci.conf"))));
        assertEquals(given, ConfigFile.locate(given, Map.of()));
    }

    @Test
    void aPathWithAFolderIsTakenAsGiven() throws IOException {
        Path conf = shipped("quantpipe-ci.conf");
        Path given = Path.of("conf", "quantpipe-ci.conf");
        assertEquals(given, ConfigFile.locate(given, Map.of("spark.files", "file:" + conf)));
    }

    @Test
    void aFileOfThatNameInTheWorkingDirectoryWins() throws IOException {
        Path other = shipped("pom.xml"); // the tests run in the module's folder, beside its pom.xml
        Path given = Path.of("pom.xml");
        assertEquals(given, ConfigFile.locate(given, Map.of("spark.files", "file:" + other)));
    }
}
