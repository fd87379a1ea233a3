package io.quantpipe.jobs.spark;

import io.quantpipe.jobs.config.QuantpipeConfig;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

class SparksTest {

    @Test
    void createdSessionCarriesTheConfiguredMasterNameAndProperties() {
        SparkSession spark = TestSpark.session();
        assertEquals("local[2]", spark.sparkContext().master());
        assertEquals("quantpipe-tests", spark.sparkContext().appName());
        assertEquals("false", spark.conf().get("spark.ui.showConsoleProgress"));
        assertEquals("2", spark.conf().get("spark.sql.shuffle.partitions")); // quantpipe.spark.conf over the local default
    }

    @Test
    void anExistingSessionIsReusedWhateverTheConfigSays() {
        SparkSession spark = TestSpark.session();
        assertSame(spark, Sparks.session(QuantpipeConfig.of("quantpipe.spark.master=local[1]")));
    }

    @Test
    void propertiesComeFromTheExistingSession() {
        TestSpark.session();
        Map<String, String> p = Sparks.properties();
        assertEquals("local[2]", p.get("spark.master"));
        assertEquals("quantpipe-tests", p.get("spark.app.name"));
    }

    @Test
    void jobDescriptionIsRestoredOnClose() {
        SparkSession spark = TestSpark.session();
        var sc = spark.sparkContext();
        assertNull(sc.getLocalProperty("spark.job.description"));
        try (JobDescription outer = Sparks.describe(spark, "outer")) {
            try (JobDescription inner = Sparks.describe(spark, "inner")) {
                assertEquals("inner", sc.getLocalProperty("spark.job.description"));
            }
            assertEquals("outer", sc.getLocalProperty("spark.job.description"));
        }
        assertNull(sc.getLocalProperty("spark.job.description"));
    }
}
