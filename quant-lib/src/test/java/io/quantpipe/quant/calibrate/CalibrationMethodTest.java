package io.quantpipe.quant.calibrate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quantpipe.quant.ConfigException;
import io.quantpipe.quant.calibrate.EntropyCalibrator.Divergence;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CalibrationMethodTest {

    @Test
    void parsesNamesWithDefaults() {
        assertEquals(new MinMaxCalibrator(), CalibrationMethod.parse("minmax"));
        assertEquals(new PercentileCalibrator(99.99, false), CalibrationMethod.parse("percentile"));
        assertEquals(new EntropyCalibrator(Divergence.KL, 128), CalibrationMethod.parse("entropy"));
        assertEquals(new MseCalibrator(128, 1024), CalibrationMethod.parse("mse"));
        assertEquals(new EntropyCalibrator(), CalibrationMethod.parse("  Entropy "));
    }

    @Test
    void parsesPositionalAndKeyValueParameters() {
        assertEquals(new PercentileCalibrator(99.999, false), CalibrationMethod.parse("percentile:99.999"));
        assertEquals(new PercentileCalibrator(99.9, true), CalibrationMethod.parse("percentile:99.9,sides=2"));
        assertEquals(new PercentileCalibrator(99.9, true), CalibrationMethod.parse("percentile: sides=2 , percentile=99.9"));
        assertEquals(new EntropyCalibrator(Divergence.JS, 128), CalibrationMethod.parse("entropy:js"));
        assertEquals(new EntropyCalibrator(Divergence.SYMMETRIC_KL, 64), CalibrationMethod.parse("entropy:divergence=symmetric-kl,levels=64"));
        assertEquals(new MseCalibrator(64, 256), CalibrationMethod.parse("mse:start_bin=64,max_candidates=256"));
    }

    @Test
    void specParsesBackToAnEqualCalibrator() {
        for (String s : List.of("minmax", "percentile", "percentile:99.999", "percentile:90,sides=2", "entropy",
                "entropy:js,levels=255", "entropy:symmetric-kl", "mse", "mse:max_candidates=17")) {
            Calibrator c = CalibrationMethod.parse(s);
            assertEquals(c, CalibrationMethod.parse(CalibrationMethod.spec(c)), s);
        }
        assertEquals("entropy:divergence=js,levels=128", CalibrationMethod.spec(CalibrationMethod.parse("entropy:js")));
        assertEquals("percentile:percentile=99.99,sides=1", CalibrationMethod.spec(new PercentileCalibrator()));
        assertEquals("minmax", CalibrationMethod.spec(new MinMaxCalibrator()));
    }

    @Test
    void parametersAreReportedAsData() {
        assertEquals(Map.of("divergence", "kl", "levels", 128), new EntropyCalibrator().parameters());
        assertEquals(List.of("percentile", "sides"), List.copyOf(new PercentileCalibrator().parameters().keySet()));
        assertEquals(99.99, new PercentileCalibrator().parameters().get("percentile"));
        assertEquals(Map.of(), new MinMaxCalibrator().parameters());
    }

    @Test
    void defaultsHoldOneOfEachMethod() {
        assertEquals(CalibrationMethod.NAMES, CalibrationMethod.defaults().stream().map(Calibrator::name).toList());
        assertEquals(CalibrationMethod.defaults(), CalibrationMethod.parseAll(CalibrationMethod.NAMES));
    }

    @Test
    void rejectsUnknownNamesAndParametersWithOneClearLine() {
        assertMessage("kl-divergence", "expected one of minmax, percentile, entropy, mse, found 'kl-divergence'");
        assertMessage("", "found an empty name");
        assertMessage("minmax:3", "this method takes no parameters");
        assertMessage("entropy:bins=2048", "unknown parameter 'bins', expected one of divergence, levels");
        assertMessage("entropy:hellinger", "expected divergence kl, symmetric-kl or js, found 'hellinger'");
        assertMessage("entropy:levels=1", "expected levels in [2, 4096], found 1");
        assertMessage("entropy:levels=many", "expected an integer for levels, found 'many'");
        assertMessage("percentile:abc", "expected a number for percentile, found 'abc'");
        assertMessage("percentile:101", "expected a percentile in (0, 100], found 101.0");
        assertMessage("percentile:99,sides=3", "expected sides 1 or 2, found 3");
        assertMessage("percentile:99,percentile=98", "expected percentile once, found it twice");
        assertMessage("percentile:sides=2,99", "expected key=value, found '99'");
        assertMessage("percentile:99,", "found an empty one");
        assertMessage("mse:max_candidates=", "expected a value for max_candidates, found none");
        assertMessage("mse:start_bin=0", "expected start_bin >= 1, found 0");
    }

    private static void assertMessage(String spec, String fragment) {
        ConfigException e = assertThrows(ConfigException.class, () -> CalibrationMethod.parse(spec), spec);
        assertTrue(e.getMessage().contains(fragment), "'" + spec + "': " + e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
    }
}
