package io.quantpipe.jobs;

import io.quantpipe.quant.BadInputException;
import io.quantpipe.quant.ConfigException;
import io.quantpipe.quant.QuantpipeException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Locale;

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

    /**
     * What went wrong reading or writing a file, when that is what {@code t} is (outside any Spark
     * task): the message of the {@link UncheckedIOException} or {@link IOException}, with the reason
     * java.nio keeps in the exception's type ("/etc/hostname" alone says little; "not a directory"
     * does). Null for other failures.
     */
    static String ioFailure(Throwable t) {
        Throwable io = t instanceof UncheckedIOException || t instanceof IOException ? t : null;
        if (io == null) {
            return null;
        }
        Throwable root = io instanceof UncheckedIOException u && u.getCause() != null ? u.getCause() : io;
        String message = io.getMessage() == null ? "" : io.getMessage();
        String reason = reason(root);
        boolean said = reason == null || message.toLowerCase(Locale.ROOT).contains(reason.toLowerCase(Locale.ROOT));
        return said ? message : message + " (" + reason + ")";
    }

    private static String reason(Throwable e) {
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or folder";
        }
        if (e instanceof NotDirectoryException) {
            return "not a folder";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "already exists";
        }
        if (e instanceof DirectoryNotEmptyException) {
            return "folder not empty";
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
