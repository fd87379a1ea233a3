package io.quantpipe.quant.io;

import io.quantpipe.quant.BadInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * TensorRT's INT8 calibration cache (text): a header {@code TRT-<version>-<algorithm>}, then one
 * line {@code <tensor name>: <hex>} per tensor, where {@code <hex>} is the lowercase, unpadded hex
 * of the IEEE-754 float32 bits of {@code scale = amax / 127} ({@code 0} for zero). This is what
 * TensorRT's {@code IInt8Calibrator::writeCalibrationCache} produces and what ONNX Runtime's
 * TensorRT provider reads (it takes {@code dynamic_range = scale * 127}).
 *
 * <p>Tensor names may contain {@code ':'} (TensorFlow's {@code "conv/BiasAdd:0"}): a line is split
 * at its last {@code ": "}.
 */
public final class TensorRtCache {
    public static final String DEFAULT_VERSION = "8601";
    public static final String DEFAULT_ALGORITHM = "EntropyCalibration2";
    /** The symmetric int8 range TensorRT divides amax by. */
    public static final float INT8_MAX = 127f;

    private static final Pattern HEADER = Pattern.compile("TRT-(\\d+)-(\\w+)");
    private static final Pattern HEX = Pattern.compile("[0-9a-fA-F]{1,8}");

    private final String version;
    private final String algorithm;
    private final Map<String, Float> scales;

    /**
     * A cache of {@code scales} (tensor name to scale, kept in the given order) under the header
     * {@code TRT-<version>-<algorithm>}, e.g. {@code ("8601", "MinMaxCalibration", ...)}.
     */
    public TensorRtCache(String version, String algorithm, Map<String, Float> scales) {
        if (version == null || !version.matches("\\d+")) {
            throw new IllegalArgumentException("TensorRT version must be digits (e.g. 8601), found " + version);
        }
        if (algorithm == null || !algorithm.matches("\\w+")) {
            throw new IllegalArgumentException("calibration algorithm must be a word (e.g. EntropyCalibration2), found "
                    + algorithm);
        }
        LinkedHashMap<String, Float> copy = new LinkedHashMap<>();
        scales.forEach((name, scale) -> copy.put(checkName(name), checkScale(name, scale)));
        this.version = version;
        this.algorithm = algorithm;
        this.scales = Collections.unmodifiableMap(copy);
    }

    /** A cache with the default header {@code TRT-8601-EntropyCalibration2}. */
    public static TensorRtCache ofScales(Map<String, Float> scales) {
        return new TensorRtCache(DEFAULT_VERSION, DEFAULT_ALGORITHM, scales);
    }

    /** A cache from absolute maxima: each scale is {@code amax / 127} (float division). */
    public static TensorRtCache ofAmax(String version, String algorithm, Map<String, Float> amax) {
        LinkedHashMap<String, Float> scales = new LinkedHashMap<>();
        amax.forEach((name, a) -> scales.put(name, a / INT8_MAX));
        return new TensorRtCache(version, algorithm, scales);
    }

    public String version() {
        return version;
    }

    public String algorithm() {
        return algorithm;
    }

    /** The first line, e.g. {@code TRT-8601-EntropyCalibration2}. */
    public String header() {
        return "TRT-" + version + "-" + algorithm;
    }

    /** Tensor name to scale, in file order. */
    public Map<String, Float> scales() {
        return scales;
    }

    public float scale(String tensor) {
        Float s = scales.get(tensor);
        if (s == null) {
            throw new IllegalArgumentException("no tensor '" + tensor + "' in the calibration cache");
        }
        return s;
    }

    /** {@code scale * 127}, the dynamic range a TensorRT reader derives (not always the amax written). */
    public float amax(String tensor) {
        return scale(tensor) * INT8_MAX;
    }

    /** The cache text, every line ending in {@code \n}. */
    public String toText() {
        StringBuilder out = new StringBuilder(header()).append('\n');
        scales.forEach((name, scale) -> out.append(name).append(": ").append(hex(scale)).append('\n'));
        return out.toString();
    }

    /** Writes the cache to {@code file} atomically. */
    public void write(Path file) {
        AtomicFiles.write(file, toText().getBytes(StandardCharsets.UTF_8));
    }

    public static TensorRtCache read(Path file) {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        } catch (NoSuchFileException e) {
            throw new BadInputException("expected a TensorRT calibration cache at " + file + ", found no file");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Parses cache text; {@code source} names it in error messages. Blank lines are skipped. */
    public static TensorRtCache parse(String text, String source) {
        List<String> lines = text.lines().toList();
        if (lines.isEmpty()) {
            throw new BadInputException(source + " line 1: expected a header TRT-<version>-<algorithm>, found an empty file");
        }
        Matcher header = HEADER.matcher(lines.get(0).strip());
        if (!header.matches()) {
            throw new BadInputException(source + " line 1: expected a header TRT-<version>-<algorithm>, found '"
                    + lines.get(0) + "'");
        }
        LinkedHashMap<String, Float> scales = new LinkedHashMap<>();
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            String where = source + " line " + (i + 1);
            int colon = line.lastIndexOf(": ");
            if (colon <= 0) {
                throw new BadInputException(where + ": expected '<tensor>: <hex>', found '" + line + "'");
            }
            String name = line.substring(0, colon);
            String hex = line.substring(colon + 2);
            if (!HEX.matcher(hex).matches()) {
                throw new BadInputException(where + ": expected 1 to 8 hex digits after '" + name + ": ', found '"
                        + hex + "'");
            }
            float scale = Float.intBitsToFloat(Integer.parseUnsignedInt(hex, 16));
            if (!(scale >= 0f) || Float.isInfinite(scale)) {
                throw new BadInputException(where + ": expected a finite scale >= 0 for '" + name + "', found "
                        + scale + " (" + hex + ")");
            }
            if (scales.put(name, scale) != null) {
                throw new BadInputException(where + ": expected each tensor once, found '" + name + "' again");
            }
        }
        return new TensorRtCache(header.group(1), header.group(2), scales);
    }

    /** Lowercase hex of the float32 bits of {@code scale}, unpadded; {@code "0"} for zero. */
    public static String hex(float scale) {
        return Integer.toHexString(Float.floatToRawIntBits(scale));
    }

    private static String checkName(String name) {
        if (name == null || name.isEmpty() || name.strip().length() != name.length()
                || name.indexOf('\n') >= 0 || name.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("a tensor name in a calibration cache must be non-empty, one line, "
                    + "without surrounding spaces; found '" + name + "'");
        }
        return name;
    }

    // TensorRT reads the bits back as-is: a negative, NaN or infinite scale has no meaning there.
    private static Float checkScale(String name, Float scale) {
        if (scale == null || !(scale >= 0f) || scale.isInfinite()) {
            throw new IllegalArgumentException("scale of '" + name + "' must be finite and >= 0, found " + scale);
        }
        return scale == 0f ? 0f : scale; // -0.0 would be written 80000000
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorRtCache c && c.version.equals(version) && c.algorithm.equals(algorithm)
                && c.scales.equals(scales);
    }

    @Override
    public int hashCode() {
        return (version.hashCode() * 31 + algorithm.hashCode()) * 31 + scales.hashCode();
    }

    @Override
    public String toString() {
        return header() + " " + scales;
    }
}
