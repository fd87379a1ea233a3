package io.quantpipe.jobs.data;

import io.quantpipe.jobs.config.QuantpipeConfig;
import io.quantpipe.jobs.config.Scale;
import io.quantpipe.quant.ConfigException;

import java.io.Serializable;

/**
 * Turns uint8 pixels into model inputs: {@code (x * scale - mean[c]) / std[c]} in float, the order
 * torchvision applies ToTensor then Normalize, so the floats match a PyTorch pipeline bit for bit.
 * Rows are channel-major (CHW); with one mean/std value every element shares it. The 256 possible
 * results per channel are computed once into a table.
 */
public final class Uint8Normalization implements Serializable {
    private static final long serialVersionUID = 1L;

    private final float[][] table; // [channel][pixel value]
    private final int planeSize;

    private Uint8Normalization(float[][] table, int planeSize) {
        this.table = table;
        this.planeSize = planeSize;
    }

    /**
     * @param elements elements per row; with per-channel mean/std it must split evenly into
     *                 {@code mean.length} channel planes
     */
    public static Uint8Normalization of(Scale scale, float[] mean, float[] std, int elements) {
        int channels = Math.max(mean.length, std.length);
        if ((mean.length != 1 && mean.length != channels) || (std.length != 1 && std.length != channels)) {
            throw new ConfigException("quantpipe.data.uint8.mean and .std: expected one value or one per channel, found "
                    + mean.length + " and " + std.length + " values");
        }
        if (elements % channels != 0) {
            throw new ConfigException("quantpipe.data.uint8.mean/std: expected " + channels
                    + " channels to split a row of " + elements + " elements evenly (CHW), found a remainder of "
                    + elements % channels);
        }
        float[][] table = new float[channels][256];
        for (int c = 0; c < channels; c++) {
            float m = mean[mean.length == 1 ? 0 : c];
            float s = std[std.length == 1 ? 0 : c];
            for (int x = 0; x < 256; x++) {
                table[c][x] = (scale.apply(x) - m) / s;
            }
        }
        return new Uint8Normalization(table, elements / channels);
    }

    public static Uint8Normalization of(QuantpipeConfig config, int elements) {
        return of(config.uint8Scale(), config.uint8Mean(), config.uint8Std(), elements);
    }

    /** Number of channels the mean/std describe (1 when shared). */
    public int channels() {
        return table.length;
    }

    /** Writes the normalised pixels of one whole row (CHW) into {@code dst} from {@code dstOffset}. */
    public void applyRow(byte[] row, float[] dst, int dstOffset) {
        if (table.length == 1) {
            float[] t = table[0];
            for (int i = 0; i < row.length; i++) {
                dst[dstOffset + i] = t[row[i] & 0xFF];
            }
            return;
        }
        for (int c = 0, i = 0; c < table.length; c++) {
            float[] t = table[c];
            for (int end = i + planeSize; i < end; i++) {
                dst[dstOffset + i] = t[row[i] & 0xFF];
            }
        }
    }
}
