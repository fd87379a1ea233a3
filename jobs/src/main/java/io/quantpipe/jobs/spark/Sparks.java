package io.quantpipe.jobs.spark;

import io.quantpipe.jobs.config.QuantpipeConfig;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Creates or reuses the SparkSession. An existing session (a notebook, a test, an embedding
 * application) is used as it is; otherwise the master comes from the SparkConf when
 * {@code spark-submit} set one, else from {@code quantpipe.spark.master}.
 */
public final class Sparks {
    private static final Logger LOG = LoggerFactory.getLogger(Sparks.class);
    private static final long MIN_DRIVER_HEAP = 512L << 20;

    private Sparks() {
    }

    /** The active or default session, if one exists in this JVM. */
    public static Optional<SparkSession> existing() {
        var active = SparkSession.getActiveSession();
        if (active.isDefined()) {
            return Optional.of(active.get());
        }
        var dflt = SparkSession.getDefaultSession();
        return dflt.isDefined() ? Optional.of(dflt.get()) : Optional.empty();
    }

    /** Returns the existing session, or creates one configured from {@code config}. */
    public static SparkSession session(QuantpipeConfig config) {
        Optional<SparkSession> existing = existing();
        if (existing.isPresent()) {
            return existing.get();
        }
        SparkConf conf = new SparkConf(true); // spark.* system properties: what spark-submit passes
        SparkSession.Builder builder = SparkSession.builder();
        String master = conf.contains("spark.master") ? conf.get("spark.master") : config.sparkMaster();
        builder.master(master);
        if (!conf.contains("spark.app.name")) {
            builder.appName(config.appName());
        }
        // Progress bars on stderr break the one-line error contract and fill logs.
        builder.config("spark.ui.showConsoleProgress", "false");
        if (master.startsWith("local")) {
            // Shuffles here are small (reductions of statistics); 200 partitions is a cluster default.
            builder.config("spark.sql.shuffle.partitions", conf.get("spark.sql.shuffle.partitions", "8"));
            // A heartbeat sent while the context stops waits for its reply until it times out, and
            // the in-process executor's stop waits for it: a stall of one heartbeat interval (10 s
            // by default) at the end of some local runs. In one JVM a heartbeat costs nothing.
            builder.config("spark.executor.heartbeatInterval", conf.get("spark.executor.heartbeatInterval", "1s"));
            if (Runtime.getRuntime().maxMemory() < MIN_DRIVER_HEAP) {
                LOG.warn("driver heap is {} MB; Spark needs at least 512 MB (-Xmx)",
                        Runtime.getRuntime().maxMemory() >> 20);
            }
        }
        for (Map.Entry<String, String> e : config.sparkConf().entrySet()) {
            builder.config(e.getKey(), e.getValue());
        }
        LOG.info("starting Spark, master {}", master);
        return builder.getOrCreate();
    }

    /**
     * The Spark properties visible before a session exists: those of the existing session, else
     * {@code spark.*} system properties (spark-submit's {@code --conf}).
     */
    public static Map<String, String> properties() {
        Map<String, String> out = new TreeMap<>();
        SparkConf conf = existing().map(s -> s.sparkContext().getConf()).orElseGet(() -> new SparkConf(true));
        for (Tuple2<String, String> kv : conf.getAll()) {
            out.put(kv._1(), kv._2());
        }
        return out;
    }

    /**
     * Names the Spark jobs started until {@link JobDescription#close()} in the Spark UI, e.g.
     * {@code "calibrate: observe 12 tensors over 60000 rows"}; the previous description comes back on close.
     */
    public static JobDescription describe(SparkSession spark, String description) {
        return new JobDescription(spark.sparkContext(), description);
    }
}
