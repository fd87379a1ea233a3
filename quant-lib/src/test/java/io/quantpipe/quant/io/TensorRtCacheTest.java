package io.quantpipe.quant.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quantpipe.quant.BadInputException;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TensorRtCacheTest {
    @TempDir
    Path dir;

    @Test
    void hexIsTheLowercaseUnpaddedFloat32BitPattern() {
        assertEquals("3f800000", TensorRtCache.hex(1.0f));
        assertEquals("3f000000", TensorRtCache.hex(0.5f));
        assertEquals("40490fdb", TensorRtCache.hex((float) Math.PI));
        assertEquals("3c010204", TensorRtCache.hex(1f / 127f));
        assertEquals("1", TensorRtCache.hex(Float.MIN_VALUE));
        assertEquals("800000", TensorRtCache.hex(Float.MIN_NORMAL));
        assertEquals("7f7fffff", TensorRtCache.hex(Float.MAX_VALUE));
        assertEquals("0", TensorRtCache.hex(0f));
    }

    @Test
    void writesHeaderThenOneLinePerTensorInOrder() {
        Map<String, Float> scales = new LinkedHashMap<>();
        scales.put("input", 1f / 127f);
        scales.put("conv1/BiasAdd:0", 0.5f);
        scales.put("dead", 0f);
        assertEquals("""
                TRT-8601-EntropyCalibration2
                input: 3c010204
                conv1/BiasAdd:0: 3f000000
                dead: 0
                """, TensorRtCache.ofScales(scales).toText());
    }

    @Test
    void scaleIsAmaxOver127AndTheHeaderNamesTheAlgorithm() {
        TensorRtCache cache = TensorRtCache.ofAmax("8601", "MinMaxCalibration", Map.of("x", 127f, "y", 63.5f));
        assertEquals("TRT-8601-MinMaxCalibration", cache.header());
        assertEquals(1f, cache.scale("x"));
        assertEquals(0.5f, cache.scale("y"));
        assertEquals(63.5f, cache.amax("y"));
        assertTrue(cache.toText().startsWith("TRT-8601-MinMaxCalibration\n"));
    }

    @Test
    void randomScalesRoundTripBitExactThroughText() {
        Random rnd = new Random(2024);
        Map<String, Float> scales = new LinkedHashMap<>();
        int i = 0;
        while (scales.size() < 20000) {
            float s = switch (i % 4) {
                case 0 -> Float.intBitsToFloat(rnd.nextInt() & 0x7fffffff);  // any non-negative bits
                case 1 -> Float.intBitsToFloat(rnd.nextInt(0x00800000));      // subnormal, short hex
                case 2 -> rnd.nextInt(1 << 20) / 1024f;                        // exactly representable
                default -> rnd.nextFloat() * 1e-3f;                            // typical scales
            };
            i++;
            if (Float.isFinite(s)) {
                scales.put("t" + i, s);
            }
        }
        scales.put("tiny", Float.MIN_VALUE);
        scales.put("huge", Float.MAX_VALUE);
        scales.put("zero", 0f);
        String text = TensorRtCache.ofScales(scales).toText();
        TensorRtCache back = TensorRtCache.parse(text, "calibration.cache");
        assertEquals(scales.keySet().stream().toList(), back.scales().keySet().stream().toList());
        for (Map.Entry<String, Float> e : scales.entrySet()) {
            assertEquals(Float.floatToRawIntBits(e.getValue()), Float.floatToRawIntBits(back.scale(e.getKey())),
                    e.getKey());
        }
        // An independent reading of each line: the hex is the bit pattern, with no padding.
        text.lines().skip(1).forEach(line -> {
            String hex = line.substring(line.lastIndexOf(": ") + 2);
            assertTrue(hex.equals("0") || hex.charAt(0) != '0', line);
            assertEquals(hex, hex.toLowerCase());
            String name = line.substring(0, line.lastIndexOf(": "));
            assertEquals(Float.floatToRawIntBits(scales.get(name)), new BigInteger(hex, 16).intValue(), line);
        });
    }

    @Test
    void negativeZeroIsWrittenAsZeroAndNegativeScalesAreRefused() {
        assertEquals("TRT-8601-EntropyCalibration2\nx: 0\n", TensorRtCache.ofScales(Map.of("x", -0f)).toText());
        assertThrows(IllegalArgumentException.class, () -> TensorRtCache.ofScales(Map.of("x", -1f)));
        assertThrows(IllegalArgumentException.class, () -> TensorRtCache.ofScales(Map.of("x", Float.NaN)));
        assertThrows(IllegalArgumentException.class, () -> TensorRtCache.ofScales(Map.of("x\ny", 1f)));
        assertThrows(IllegalArgumentException.class, () -> new TensorRtCache("8.6", "Entropy", Map.of()));
    }

    @Test
    void writesAndReadsAFile() throws IOException {
        Path file = dir.resolve("calibration.cache");
        TensorRtCache cache = TensorRtCache.ofAmax("8601", "EntropyCalibration2", Map.of("a", 2.5f));
        cache.write(file);
        assertEquals(cache, TensorRtCache.read(file));
        assertEquals("TRT-8601-EntropyCalibration2\na: " + TensorRtCache.hex(2.5f / 127f) + "\n",
                Files.readString(file));
    }

    @Test
    void readsUppercaseHexAndWindowsLineEnds() {
        TensorRtCache c = TensorRtCache.parse("TRT-7000-EntropyCalibration2\r\nx: 3F800000\r\n\r\n", "c");
        assertEquals("7000", c.version());
        assertEquals(1f, c.scale("x"));
    }

    @Test
    void malformedLinesAreBadInputNamingTheLine() {
        assertMessage("TRT8601\nx: 1\n", "c line 1: expected a header TRT-<version>-<algorithm>, found 'TRT8601'");
        assertMessage("", "c line 1: expected a header TRT-<version>-<algorithm>, found an empty file");
        assertMessage("TRT-8601-EntropyCalibration2\nx: 3f800000\ny 3f800000\n",
                "c line 3: expected '<tensor>: <hex>', found 'y 3f800000'");
        assertMessage("TRT-8601-EntropyCalibration2\nx: 0x3f80\n",
                "c line 2: expected 1 to 8 hex digits after 'x: ', found '0x3f80'");
        assertMessage("TRT-8601-EntropyCalibration2\nx: 3f8000000\n",
                "c line 2: expected 1 to 8 hex digits after 'x: ', found '3f8000000'");
        assertMessage("TRT-8601-EntropyCalibration2\nx: 1\nx: 2\n",
                "c line 3: expected each tensor once, found 'x' again");
        assertMessage("TRT-8601-EntropyCalibration2\nx: bf800000\n",
                "c line 2: expected a finite scale >= 0 for 'x', found -1.0 (bf800000)");
        assertMessage("TRT-8601-EntropyCalibration2\nx: 7fc00000\n",
                "c line 2: expected a finite scale >= 0 for 'x', found NaN (7fc00000)");
    }

    private static void assertMessage(String text, String message) {
        BadInputException e = assertThrows(BadInputException.class, () -> TensorRtCache.parse(text, "c"));
        assertEquals(message, e.getMessage());
    }
}
