package io.quantpipe.jobs.data;

import io.quantpipe.quant.BadInputException;
import java.util.Arrays;

/**
 * A model's single float input as it meets a dataset: how many elements a row must hold, how rows
 * are reshaped to feed it, and how many rows go into one call.
 *
 * @param name  the input's name
 * @param dims  its declared shape, batch dimension first (-1 = dynamic), or null when not declared
 * @param model names the model in errors, e.g. {@code "--fp32 m.onnx"}
 */
public record ModelInput(String name, long[] dims, String model) {

    /** Elements one row must hold, or {@link TensorDataset#ANY_ELEMENT_COUNT} when the input leaves some open. */
    public long expectedElements() {
        if (dims == null) {
            return TensorDataset.ANY_ELEMENT_COUNT;
        }
        long n = 1;
        for (int i = 1; i < dims.length; i++) {
            if (dims[i] < 0) {
                return TensorDataset.ANY_ELEMENT_COUNT;
            }
            n = Math.multiplyExact(n, dims[i]);
        }
        return n;
    }

    /**
     * The dataset's layout reshaped to what the model takes per row: the input's shape without its
     * batch dimension when fully declared (row-major order kept, e.g. rows stored as [28, 28] feed
     * [1, 28, 28]), else the dataset's own row shape, which must agree with every declared dimension.
     */
    public TensorLayout fit(TensorLayout data, String dataset) {
        if (dims == null) {
            return data;
        }
        long[] rowDims = Arrays.copyOfRange(dims, 1, dims.length);
        if (expectedElements() >= 0) {
            return data.withRowShape(rowDims);
        }
        long[] found = data.rowShape();
        boolean fits = found.length == rowDims.length;
        for (int i = 0; fits && i < found.length; i++) {
            fits = rowDims[i] < 0 || rowDims[i] == found[i];
        }
        if (!fits) {
            throw new BadInputException(model + ": expected rows of shape " + Arrays.toString(rowDims)
                    + " (-1 = any) for input '" + name + "' " + Arrays.toString(dims) + ", found rows of "
                    + Arrays.toString(found) + " in column '" + data.column() + "' of " + dataset
                    + " (set quantpipe.data.shape)");
        }
        return data;
    }

    /** Rows per model call: the configured batch size, or 1 when the model fixes its batch dimension to 1. */
    public int batchSize(int configured) {
        return dims != null && dims.length > 0 && dims[0] == 1 ? 1 : configured;
    }
}
