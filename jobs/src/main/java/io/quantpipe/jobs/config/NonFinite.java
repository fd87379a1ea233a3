package io.quantpipe.jobs.config;

/** What to do with NaN or infinite values in input data ({@code quantpipe.data.nonfinite}). */
public enum NonFinite {
    /** Count them and report the count; the values pass through. */
    COUNT,
    /** Stop with a bad-input error at the first one. */
    FAIL
}
