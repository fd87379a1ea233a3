package io.quantpipe.jobs;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The top-level {@code quantpipe} command and the options every subcommand accepts (before or
 * after the subcommand's name). {@link GlobalOptions} reads their values from the parse result.
 */
@Command(name = "quantpipe", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Distributed INT8 post-training quantization of ONNX models on Apache Spark.",
        synopsisSubcommandLabel = "COMMAND")
final class QuantpipeCommand {
    @Option(names = "--config", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "HOCON file of quantpipe.* keys (see conf/quantpipe.conf).")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", scope = ScopeType.INHERIT,
            description = "Sets one configuration key; repeatable; wins over --config.")
    List<String> sets = new ArrayList<>();

    @Option(names = "--master", paramLabel = "URL", scope = ScopeType.INHERIT,
            description = "Spark master when none is set by spark-submit (default local[*]).")
    String master;

    @Option(names = "--dry-run", scope = ScopeType.INHERIT,
            description = "Prints the resolved configuration and the plan; runs nothing.")
    boolean dryRun;

    @Option(names = "--verbose", scope = ScopeType.INHERIT,
            description = "Prints the stack trace of a failure.")
    boolean verbose;
}
