package io.quantpipe.quant.runtime;

import java.util.Arrays;
import java.util.Objects;

/**
 * What a model declares about one of its inputs or outputs.
 *
 * @param name        value name in the graph
 * @param elementType ONNX element type code (1 = float, 2 = uint8, 3 = int8, 7 = int64, ...);
 *                    0 for values that are not tensors (sequences, maps)
 * @param shape       dimensions, -1 where a dimension is dynamic (symbolic or unknown); empty for a
 *                    scalar or when the rank is unknown
 */
public record TensorMeta(String name, int elementType, long[] shape) {

    public TensorMeta {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorMeta m && name.equals(m.name) && elementType == m.elementType
                && Arrays.equals(shape, m.shape);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, elementType, Arrays.hashCode(shape));
    }

    @Override
    public String toString() {
        return name + ":" + elementType + Arrays.toString(shape);
    }
}
