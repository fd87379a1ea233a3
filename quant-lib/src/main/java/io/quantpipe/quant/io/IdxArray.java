package io.quantpipe.quant.io;

import java.util.Arrays;

/**
 * An unsigned-byte IDX array (MNIST / Fashion-MNIST images or labels): dimensions
 * {@code [items, ...]} and the values in row-major order.
 */
public final class IdxArray {
    private final int[] dims;
    private final byte[] data;
    private final int itemSize;

    IdxArray(int[] dims, byte[] data) {
        this.dims = dims.clone();
        this.data = data;
        long size = 1;
        for (int i = 1; i < dims.length; i++) {
            size *= dims[i];
        }
        this.itemSize = (int) size;
        if ((long) itemSize * dims[0] != data.length) {
            throw new IllegalArgumentException("dims " + Arrays.toString(dims) + " need "
                    + (long) itemSize * dims[0] + " bytes, found " + data.length);
        }
    }

    /** Dimensions, the first being the number of items (e.g. {@code [10000, 28, 28]}). */
    public int[] dims() {
        return dims.clone();
    }

    /** Number of items (images or labels). */
    public int count() {
        return dims[0];
    }

    /** Values per item: rows x cols for images, 1 for labels. */
    public int itemSize() {
        return itemSize;
    }

    /** All values, row-major, as the file stores them (unsigned bytes). */
    public byte[] data() {
        return data.clone();
    }

    /** Value {@code index} of the flat array, 0..255. */
    public int unsigned(long index) {
        return data[Math.toIntExact(index)] & 0xff;
    }

    /** The raw bytes of item {@code i}. */
    public byte[] item(int i) {
        checkItem(i);
        return Arrays.copyOfRange(data, i * itemSize, (i + 1) * itemSize);
    }

    /** Label {@code i} of a one-dimensional array, 0..255. */
    public int label(int i) {
        if (dims.length != 1) {
            throw new IllegalStateException("labels are one-dimensional, this array has dims " + Arrays.toString(dims));
        }
        checkItem(i);
        return data[i] & 0xff;
    }

    /** All labels of a one-dimensional array. */
    public int[] labels() {
        int[] out = new int[count()];
        for (int i = 0; i < out.length; i++) {
            out[i] = label(i);
        }
        return out;
    }

    /**
     * Item {@code i} as floats {@code x / 255} in [0, 1], float32 division as torchvision's
     * {@code ToTensor} does it.
     */
    public float[] normalised(int i) {
        checkItem(i);
        float[] out = new float[itemSize];
        int base = i * itemSize;
        for (int k = 0; k < itemSize; k++) {
            out[k] = (data[base + k] & 0xff) / 255f;
        }
        return out;
    }

    private void checkItem(int i) {
        if (i < 0 || i >= dims[0]) {
            throw new IndexOutOfBoundsException("item " + i + " of " + dims[0]);
        }
    }

    @Override
    public String toString() {
        return "IdxArray" + Arrays.toString(dims);
    }
}
