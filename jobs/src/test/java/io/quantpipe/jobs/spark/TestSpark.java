package io.quantpipe.jobs.spark;

import io.quantpipe.jobs.config.QuantpipeConfig;
import org.apache.spark.sql.SparkSession;

/**
 * The one SparkSession of the test JVM ({@code local[2]}, no UI), shared by every test class.
 * Code under test that asks {@link Sparks#session} for a session gets this one.
 */
public final class TestSpark {
    private static SparkSession session;

    private TestSpark() {
    }

    public static synchronized SparkSession session() {
        if (session == null) {
            session = Sparks.session(QuantpipeConfig.of(
                    "quantpipe.spark.master=local[2]",
                    "quantpipe.spark.app-name=quantpipe-tests",
                    "quantpipe.spark.conf.\"spark.ui.enabled\"=false",
                    "quantpipe.spark.conf.\"spark.sql.shuffle.partitions\"=2"));
        }
        return session;
    }
}
