package io.quantpipe.jobs;

import picocli.CommandLine.ParseResult;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The values of the global options, gathered from every level of the command line: {@code --set}
 * pairs in the order typed, the last {@code --config} and {@code --master}, any flag given anywhere.
 */
record GlobalOptions(Path config, List<String> sets, String master, boolean dryRun, boolean verbose) {

    static GlobalOptions from(ParseResult top) {
        Path config = null;
        String master = null;
        List<String> sets = new ArrayList<>();
        boolean dryRun = false;
        boolean verbose = false;
        for (ParseResult level = top; level != null; level = level.subcommand()) {
            config = level.matchedOptionValue("--config", config);
            master = level.matchedOptionValue("--master", master);
            sets.addAll(level.matchedOptionValue("--set", List.<String>of()));
            dryRun |= level.hasMatchedOption("--dry-run");
            verbose |= level.hasMatchedOption("--verbose");
        }
        return new GlobalOptions(config, List.copyOf(sets), master, dryRun, verbose);
    }

    /** Whether {@code --verbose} appears anywhere in {@code args}, for failures before parsing ends. */
    static boolean verboseIn(String... args) {
        for (String a : args) {
            if ("--verbose".equals(a)) {
                return true;
            }
        }
        return false;
    }
}
