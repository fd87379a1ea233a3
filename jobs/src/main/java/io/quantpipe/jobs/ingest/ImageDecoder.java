package io.quantpipe.jobs.ingest;

import io.quantpipe.quant.BadInputException;

import javax.imageio.ImageIO;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.InputStream;

/**
 * Decodes an image file (PNG, JPEG, anything ImageIO reads) into uint8 CHW pixels. Grayscale
 * images are read from the raster as stored (ImageIO's getRGB would apply a gamma conversion to
 * them); colour and palette images through getRGB as sRGB; alpha is dropped.
 */
final class ImageDecoder {
    private ImageDecoder() {
    }

    static BufferedImage read(InputStream in, String name) throws IOException {
        BufferedImage img = ImageIO.read(in);
        if (img == null) {
            throw new BadInputException(name + ": expected an image ImageIO can read (PNG, JPEG, BMP, GIF), found another format");
        }
        return img;
    }

    /** 1 for grayscale images, 3 for colour ones. */
    static int channels(BufferedImage img) {
        return isGray(img) ? 1 : 3;
    }

    /**
     * Pixels of {@code img} as {@code [channels, height, width]}; a grayscale image is repeated
     * into 3 channels when asked, a colour one cannot become 1.
     */
    static byte[] chw(BufferedImage img, int channels, int height, int width, String name) {
        if (img.getHeight() != height || img.getWidth() != width) {
            throw new BadInputException(name + ": expected " + width + "x" + height + " pixels like the first image, found "
                    + img.getWidth() + "x" + img.getHeight());
        }
        int plane = height * width;
        byte[] out = new byte[channels * plane];
        if (isGray(img)) {
            Raster r = img.getRaster();
            int bits = img.getColorModel().getComponentSize(0);
            int max = (1 << bits) - 1;
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int v = r.getSample(x, y, 0);
                    int u8 = bits == 8 ? v : (v * 255 + max / 2) / max;
                    for (int c = 0; c < channels; c++) {
                        out[c * plane + y * width + x] = (byte) u8;
                    }
                }
            }
            return out;
        }
        if (channels != 3) {
            throw new BadInputException(name + ": expected a grayscale image like the first one, found colour (use --channels 3)");
        }
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int argb = img.getRGB(x, y);
                int i = y * width + x;
                out[i] = (byte) (argb >> 16);
                out[plane + i] = (byte) (argb >> 8);
                out[2 * plane + i] = (byte) argb;
            }
        }
        return out;
    }

    private static boolean isGray(BufferedImage img) {
        var cm = img.getColorModel();
        return cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY && cm.getNumColorComponents() == 1
                && !(cm instanceof java.awt.image.IndexColorModel);
    }
}
