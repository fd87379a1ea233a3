package io.quantpipe.jobs;

import io.quantpipe.jobs.config.ConfigFile;
import io.quantpipe.jobs.config.ConfigResolver;
import io.quantpipe.jobs.config.QuantpipeConfig;
import io.quantpipe.jobs.spark.Sparks;
import io.quantpipe.quant.QuantpipeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code quantpipe <command> [options]}: parses the command line, resolves the configuration and
 * runs one {@link Job}. Exit codes are {@link ExitCodes}; a failure is one line on stderr
 * ({@code quantpipe: error: ...}), its stack trace goes to the {@code io.quantpipe.failures} log
 * and, with {@code --verbose}, to stderr.
 */
public final class Main {
    private static final Logger FAILURES = LoggerFactory.getLogger("io.quantpipe.failures");

    private final PrintStream out;
    private final PrintStream err;
    private final List<Supplier<Job>> commands;

    public Main(PrintStream out, PrintStream err) {
        this(out, err, Commands.ALL);
    }

    Main(PrintStream out, PrintStream err, List<Supplier<Job>> commands) {
        this.out = out;
        this.err = err;
        this.commands = commands;
    }

    public static void main(String[] args) {
        System.exit(new Main(System.out, System.err).run(args));
    }

    /** Runs the command line and returns its exit code; never calls System.exit. */
    public int run(String... args) {
        CommandLine cl = commandLine();
        ParseResult parsed;
        try {
            parsed = cl.parseArgs(args);
        } catch (ParameterException e) {
            return usageError(e);
        } catch (RuntimeException e) {
            return failure(e, GlobalOptions.verboseIn(args));
        }
        try {
            if (CommandLine.printHelpIfRequested(parsed)) {
                return ExitCodes.OK;
            }
        } finally {
            cl.getOut().flush();
        }
        ParseResult leaf = parsed;
        while (leaf.hasSubcommand()) {
            leaf = leaf.subcommand();
        }
        if (leaf == parsed) {
            return error(ExitCodes.USAGE, "missing command: expected one of " + commandNames(cl)
                    + " (see quantpipe --help)");
        }
        GlobalOptions global = GlobalOptions.from(parsed);
        Job job = (Job) leaf.commandSpec().userObject();
        try {
            QuantpipeConfig config = resolve(global, job);
            if (global.dryRun()) {
                printPlan(leaf.commandSpec().name(), config, job.plan(config));
                return ExitCodes.OK;
            }
            try (JobContext context = new JobContext(config, out)) {
                job.run(context);
            }
            out.flush();
            return ExitCodes.OK;
        } catch (Exception | LinkageError | AssertionError e) {
            return failure(e, global.verbose());
        }
    }

    private CommandLine commandLine() {
        CommandLine cl = new CommandLine(new QuantpipeCommand());
        for (Supplier<Job> command : commands) {
            cl.addSubcommand(command.get());
        }
        // After the subcommands: picocli hands a converter to the commands present when registered.
        cl.registerConverter(Path.class, new LocalPath.Converter());
        cl.registerConverter(Location.class, new Location.Converter());
        cl.setUsageHelpWidth(100);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl;
    }

    private static QuantpipeConfig resolve(GlobalOptions global, Job job) {
        ConfigResolver resolver = new ConfigResolver();
        Map<String, String> sparkProperties = Sparks.properties();
        if (global.config() != null) {
            resolver.file(ConfigFile.locate(global.config(), sparkProperties));
        }
        resolver.sparkProperties(sparkProperties);
        global.sets().forEach(resolver::set);
        if (global.master() != null) {
            resolver.option("quantpipe.spark.master", global.master(), "--master");
        }
        job.configure(resolver);
        return resolver.resolve();
    }

    private void printPlan(String command, QuantpipeConfig config, List<String> plan) {
        out.println("quantpipe " + command + " (dry run: nothing is run)");
        out.println("configuration:");
        config.describe().forEach(line -> out.println("  " + line));
        out.println("plan:");
        for (int i = 0; i < plan.size(); i++) {
            out.println("  " + (i + 1) + ". " + plan.get(i));
        }
        out.flush();
    }

    private int usageError(ParameterException e) {
        CommandLine where = e.getCommandLine();
        String message;
        if (e instanceof UnmatchedArgumentException u && where.getParent() == null
                && !u.getUnmatched().isEmpty() && !u.getUnmatched().get(0).startsWith("-")) {
            message = "unknown command '" + u.getUnmatched().get(0) + "': expected one of " + commandNames(where);
        } else {
            message = oneLine(e.getMessage()) + " (see quantpipe "
                    + (where.getParent() == null ? "" : where.getCommandName() + " ") + "--help)";
        }
        return error(ExitCodes.USAGE, message);
    }

    private int failure(Throwable t, boolean verbose) {
        int code = ExitCodes.of(t);
        QuantpipeException cause = ExitCodes.quantpipeCause(t);
        String io = cause == null ? ExitCodes.ioFailure(t) : null;
        String message = cause != null ? cause.getMessage()
                : io != null ? "I/O error: " + io
                : "internal error: " + t.getClass().getName() + ": " + t.getMessage();
        FAILURES.error(oneLine(message), t);
        error(code, cause == null && !verbose ? message + " (--verbose prints the stack trace)" : message);
        if (verbose) {
            t.printStackTrace(err);
            err.flush();
        }
        return code;
    }

    private int error(int code, String message) {
        err.println("quantpipe: error: " + oneLine(message));
        err.flush();
        return code;
    }

    private static String commandNames(CommandLine cl) {
        return String.join(", ", cl.getSubcommands().keySet());
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*\\R\\s*", " ").strip();
    }
}
