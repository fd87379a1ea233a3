package io.quantpipe.quant.eval;

import java.util.Comparator;

/**
 * How far one quantized tensor of the int8 model is from the same tensor of the FP32 model.
 *
 * @param tensor        tensor name in the ONNX graph
 * @param rank          1 for the most damaged tensor (lowest SQNR), 2 for the next, ...
 * @param rows          rows compared
 * @param elements      values compared in finite rows
 * @param sqnrDb        SQNR in dB over all values of the finite rows; +Inf when identical
 * @param cosine        mean per-row cosine similarity
 * @param mse           mean squared difference per value
 * @param maxAbsDiff    largest absolute difference
 * @param nonFiniteRows rows left out because either activation had a NaN or ±Inf
 */
public record LayerError(String tensor, int rank, long rows, long elements, double sqnrDb, double cosine,
        double mse, double maxAbsDiff, long nonFiniteRows) {

    /** Most damage first: lowest SQNR, then lowest cosine; undefined SQNR last; ties by name. */
    public static final Comparator<LayerError> BY_DAMAGE = Comparator
            .comparing((LayerError e) -> Double.isNaN(e.sqnrDb()))
            .thenComparingDouble(LayerError::sqnrDb)
            .thenComparing((LayerError e) -> Double.isNaN(e.cosine()))
            .thenComparingDouble(LayerError::cosine)
            .thenComparing(LayerError::tensor);
}
