package io.quantpipe.jobs.data;

import io.quantpipe.quant.BadInputException;

import java.util.Locale;

/** How a row's tensor is stored in the tensor column. */
public enum TensorEncoding {
    /** {@code array<float>}: one float per element. */
    FLOAT_ARRAY("float32"),
    /** {@code binary}: 4 bytes per element, IEEE float32 little-endian. */
    FLOAT32_LE("float32le"),
    /** {@code binary}: 1 byte per element, an unsigned pixel normalised with {@code quantpipe.data.uint8.*}. */
    UINT8("uint8");

    private final String metadataName;

    TensorEncoding(String metadataName) {
        this.metadataName = metadataName;
    }

    /** The value of the {@value DatasetMetadata#ENCODING} column metadata. */
    public String metadataName() {
        return metadataName;
    }

    /** Bytes per element in a binary column (array columns: 4, their float width). */
    public int bytesPerElement() {
        return this == UINT8 ? 1 : 4;
    }

    public boolean isBinary() {
        return this != FLOAT_ARRAY;
    }

    static TensorEncoding fromMetadata(String name, String column) {
        for (TensorEncoding e : values()) {
            if (e.metadataName.equals(name.toLowerCase(Locale.ROOT))) {
                return e;
            }
        }
        throw new BadInputException("tensor column '" + column + "': expected metadata "
                + DatasetMetadata.ENCODING + " uint8, float32le or float32, found '" + name + "'");
    }
}
