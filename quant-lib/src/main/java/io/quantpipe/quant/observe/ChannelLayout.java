package io.quantpipe.quant.observe;

import io.quantpipe.quant.BadInputException;

/**
 * A row-major tensor seen as {@code [outer, channels, inner]} around one axis: element
 * {@code (o, c, i)} sits at {@code (o * channels + c) * inner + i}.
 */
record ChannelLayout(int outer, int channels, int inner) {

    static ChannelLayout of(long[] shape, int axis, int length) {
        if (axis < 0 || axis >= shape.length) {
            throw new BadInputException("channel axis: expected an axis in [0, " + shape.length + "), found " + axis);
        }
        long outer = 1;
        long inner = 1;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] < 0) {
                throw new BadInputException("tensor shape: expected non-negative dims, found " + shape[d] + " at axis " + d);
            }
            if (d < axis) {
                outer *= shape[d];
            } else if (d > axis) {
                inner *= shape[d];
            }
        }
        long channels = shape[axis];
        if (outer * channels * inner != length) {
            throw new BadInputException("tensor shape: expected " + outer * channels * inner
                    + " elements for the shape, found " + length);
        }
        return new ChannelLayout((int) outer, (int) channels, (int) inner);
    }
}
