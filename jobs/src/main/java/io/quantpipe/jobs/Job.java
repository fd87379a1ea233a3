package io.quantpipe.jobs;

import io.quantpipe.jobs.config.ConfigResolver;
import io.quantpipe.jobs.config.QuantpipeConfig;

import java.util.List;

/**
 * A quantpipe command. Implementations are picocli {@code @Command} classes whose options picocli
 * fills; {@link Main} then resolves the configuration, prints the plan for {@code --dry-run}, or
 * runs the job. To add a command: write the class, add one line to {@link Commands#ALL}.
 */
public interface Job {
    /**
     * Adds this command's own options that stand for configuration keys (they win over every
     * other layer), e.g. {@code config.option("quantpipe.ingest.partitions", partitions, "--partitions")}.
     */
    default void configure(ConfigResolver config) {
    }

    /** What {@link #run} would do, one step per line, for {@code --dry-run}. Reads no data. */
    List<String> plan(QuantpipeConfig config);

    /** Does the work; a user-facing summary goes to {@link JobContext#out()}. */
    void run(JobContext context) throws Exception;
}
