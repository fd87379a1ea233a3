package io.quantpipe.jobs.config;

/**
 * The factor applied to uint8 pixels before mean/std: {@code x * multiplier / divisor}. Written
 * {@code "1/255"} it divides by 255 in float, exactly as torchvision's ToTensor does.
 */
public record Scale(float multiplier, float divisor) {
    public Scale {
        if (!(Float.isFinite(multiplier) && Float.isFinite(divisor)) || multiplier == 0 || divisor == 0) {
            throw new IllegalArgumentException("scale: expected a finite non-zero factor, found "
                    + multiplier + "/" + divisor);
        }
    }

    /** Reads {@code 0.5}, {@code "0.5"} or {@code "1/255"}. */
    public static Scale parse(String text) {
        String t = text.strip();
        int slash = t.indexOf('/');
        try {
            if (slash < 0) {
                return new Scale(Float.parseFloat(t), 1f);
            }
            return new Scale(Float.parseFloat(t.substring(0, slash).strip()),
                    Float.parseFloat(t.substring(slash + 1).strip()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("scale: expected a number or a fraction such as 1/255, found '" + t + "'");
        }
    }

    public float apply(float x) {
        return x * multiplier / divisor;
    }

    @Override
    public String toString() {
        return divisor == 1f ? Float.toString(multiplier) : multiplier + "/" + divisor;
    }
}
