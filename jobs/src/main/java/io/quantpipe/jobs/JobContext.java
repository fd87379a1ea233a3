package io.quantpipe.jobs;

import io.quantpipe.jobs.config.ConfigResolver;
import io.quantpipe.jobs.config.QuantpipeConfig;
import io.quantpipe.jobs.spark.Sparks;
import org.apache.spark.sql.SparkSession;

import java.io.PrintStream;

/**
 * What a running {@link Job} gets: the resolved configuration, the SparkSession (created on first
 * use, so a job that fails its own checks never starts Spark) and the stream for its summary.
 */
public final class JobContext implements AutoCloseable {
    private final QuantpipeConfig config;
    private final PrintStream out;
    private SparkSession spark;
    private boolean created;
    private DriverFiles files;

    public JobContext(QuantpipeConfig config, PrintStream out) {
        this.config = config;
        this.out = out;
    }

    public QuantpipeConfig config() {
        return config;
    }

    /** The user-facing output (stdout on the command line). */
    public PrintStream out() {
        return out;
    }

    /**
     * The models and run folders this command reads and writes on the driver, local or on any
     * Hadoop file system (through the Spark session's Hadoop configuration, created when first needed).
     */
    public DriverFiles files() {
        if (files == null) {
            files = new DriverFiles(() -> spark().sparkContext().hadoopConfiguration());
        }
        return files;
    }

    /** The existing session, or a new one from the configuration. */
    public SparkSession spark() {
        if (spark == null) {
            created = Sparks.existing().isEmpty();
            spark = Sparks.session(config);
        }
        return spark;
    }

    /**
     * Runs another command as a step of this one: its options parsed from {@code args}, its
     * configuration this run's plus its own options, the Spark session shared.
     */
    public void runStep(Job step, String... args) throws Exception {
        new picocli.CommandLine(step).registerConverter(Location.class, new Location.Converter()).parseArgs(args);
        ConfigResolver resolver = new ConfigResolver().base(config);
        step.configure(resolver);
        spark();
        try (JobContext child = new JobContext(resolver.resolve(), out)) {
            child.spark = spark;
            step.run(child);
        }
    }

    /** Stops the session if this context created it; a notebook's or a test's session stays. */
    @Override
    public void close() {
        if (files != null) {
            files.close();
            files = null;
        }
        if (spark != null && created) {
            spark.stop();
        }
        spark = null;
    }
}
