package io.quantpipe.jobs;

import io.quantpipe.quant.BadInputException;
import io.quantpipe.quant.ConfigException;
import io.quantpipe.quant.QuantpipeException;

/** The command line's exit codes, and the one a failure maps to. */
public final class ExitCodes {
    public static final int OK = 0;
    public static final int INTERNAL = 1;
    public static final int USAGE = 2;
    public static final int BAD_INPUT = 3;

    private ExitCodes() {
    }

    /**
     * The quantpipe exception behind {@code t}, if any: Spark wraps a task's failure in its own
     * exceptions, with the task's exception as a cause.
     */
    static QuantpipeException quantpipeCause(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof QuantpipeException q) {
                return q;
            }
        }
        return null;
    }

    static int of(Throwable t) {
        QuantpipeException q = quantpipeCause(t);
        if (q instanceof ConfigException) {
            return USAGE;
        }
        if (q instanceof BadInputException) {
            return BAD_INPUT;
        }
        return INTERNAL;
    }
}
