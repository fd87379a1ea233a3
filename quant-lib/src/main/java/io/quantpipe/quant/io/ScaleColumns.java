package io.quantpipe.quant.io;

import java.util.List;

/** Column names of the scale table, shared by its JSON and Parquet forms. */
final class ScaleColumns {
    static final String TENSOR = "tensor";
    static final String CHANNEL = "channel";
    static final String METHOD = "method";
    static final String DTYPE = "dtype";
    static final String SCALE = "scale";
    static final String ZERO_POINT = "zero_point";
    static final String MIN = "min";
    static final String MAX = "max";
    static final String AMAX = "amax";
    static final String THRESHOLD = "threshold";
    static final String COUNT = "count";
    static final String NAN_COUNT = "nan_count";
    static final String POSINF_COUNT = "posinf_count";
    static final String NEGINF_COUNT = "neginf_count";
    /** Parquet only: numeric and text method parameters, as two typed maps. */
    static final String PARAMS_NUMBER = "params_number";
    static final String PARAMS_TEXT = "params_text";

    /** Every fixed column, in the order JSON writes them (parameters go after {@link #METHOD}). */
    static final List<String> ALL = List.of(TENSOR, CHANNEL, METHOD, DTYPE, SCALE, ZERO_POINT, MIN, MAX, AMAX,
            THRESHOLD, COUNT, NAN_COUNT, POSINF_COUNT, NEGINF_COUNT, PARAMS_NUMBER, PARAMS_TEXT);

    private ScaleColumns() {
    }
}
