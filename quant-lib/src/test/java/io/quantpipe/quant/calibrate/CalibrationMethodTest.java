package io.quantpipe.quant.calibrate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quantpipe.quant.ConfigException;
import io.quantpipe.quant.calibrate.EntropyCalibrator.Divergence;
import io.quantpipe.quant.calibrate.EntropyCalibrator.ZeroBin;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CalibrationMethodTest {

    @Test
    void parsesNamesWithDefaults() {
        assertEquals(new MinMaxCalibrator(), CalibrationMethod.parse("minmax"));
        assertEquals(new PercentileCalibrator(99.99, false), CalibrationMethod.parse("percentile"));
        assertEquals(new EntropyCalibrator(Divergence.KL, EntropyCalibrator.AUTO_LEVELS, ZeroBin.SMOOTH), CalibrationMethod.parse("entropy"));
        assertEquals(new MseCalibrator(128, 1024), CalibrationMethod.parse("mse"));
        assertEquals(new EntropyCalibrator(), CalibrationMethod.parse("  Entropy "));
    }

    @Test
    void parsesPositionalAndKeyValueParameters() {
        assertEquals(new PercentileCalibrator(99.999, false), CalibrationMethod.parse("percentile:99.999"));
        assertEquals(new PercentileCalibrator(99.9, true), CalibrationMethod.parse("percentile:99.9,sides=2"));
        assertEquals(new PercentileCalibrator(99.9, true), CalibrationMethod.parse("percentile: sides=2 , percentile=99.9"));
        assertEquals(new EntropyCalibrator(Divergence.JS, 0, ZeroBin.SMOOTH), CalibrationMethod.parse("entropy:js"));
        assertEquals(new EntropyCalibrator(Divergence.SYMMETRIC_KL, 64, ZeroBin.SMOOTH), CalibrationMethod.parse("entropy:divergence=symmetric-kl,levels=64"));
        assertEquals(new EntropyCalibrator(Divergence.JS, 64, ZeroBin.SMOOTH), CalibrationMethod.parse("entropy:divergence=js,levels=64"));
        assertEquals(new EntropyCalibrator(Divergence.KL, 0, ZeroBin.KEEP), CalibrationMethod.parse("entropy:kl,zero=keep"));
        assertEquals(new EntropyCalibrator(Divergence.KL, 128, ZeroBin.KEEP), CalibrationMethod.parse("entropy:zero=Keep,levels=128"));
        assertEquals(new EntropyCalibrator(Divergence.JS, 0, ZeroBin.SMOOTH), CalibrationMethod.parse("entropy:js,levels=auto,zero=smooth"));
        assertEquals(new MseCalibrator(64, 256), CalibrationMethod.parse("mse:start_bin=64,max_candidates=256"));
    }

    @Test
    void specParsesBackToAnEqualCalibrator() {
        for (String s : List.of("minmax", "percentile", "percentile:99.999", "percentile:90,sides=2", "entropy",
                "entropy:js,levels=255", "entropy:symmetric-kl", "entropy:kl,zero=keep", "entropy:levels=128,zero=keep",
                "entropy:levels=auto", "mse", "mse:max_candidates=17")) {
            Calibrator c = CalibrationMethod.parse(s);
            assertEquals(c, CalibrationMethod.parse(CalibrationMethod.spec(c)), s);
        }
        assertEquals("entropy:divergence=js,levels=auto,zero=smooth", CalibrationMethod.spec(CalibrationMethod.parse("entropy:js")));
        assertEquals("entropy:divergence=kl,levels=128,zero=keep",
                CalibrationMethod.spec(new EntropyCalibrator(Divergence.KL, 128, ZeroBin.KEEP)));
        assertEquals("percentile:percentile=99.99,sides=1", CalibrationMethod.spec(new PercentileCalibrator()));
        assertEquals("minmax", CalibrationMethod.spec(new MinMaxCalibrator()));
    }

    @Test
    void parametersAreReportedAsData() {
        assertEquals(Map.of("divergence", "kl", "levels", "auto", "zero", "smooth"), new EntropyCalibrator().parameters());
        assertEquals(Map.of("divergence", "js", "levels", 64, "zero", "keep"), new EntropyCalibrator(Divergence.JS, 64, ZeroBin.KEEP).parameters());
        assertEquals(List.of("divergence", "levels", "zero"), List.copyOf(new EntropyCalibrator().parameters().keySet()));
        assertEquals(List.of("percentile", "sides"), List.copyOf(new PercentileCalibrator().parameters().keySet()));
        assertEquals(99.99, new PercentileCalibrator().parameters().get("percentile"));
        assertEquals(Map.of(), new MinMaxCalibrator().parameters());
    }

    @Test
    void defaultsHoldOneOfEachMethod() {
        assertEquals(CalibrationMethod.NAMES, CalibrationMethod.defaults().stream().map(Calibrator::name).toList());
        assertEquals(CalibrationMethod.defaults(), CalibrationMethod.parseAll(CalibrationMethod.NAMES));
        assertEquals(new EntropyCalibrator(Divergence.KL, EntropyCalibrator.AUTO_LEVELS, ZeroBin.SMOOTH), CalibrationMethod.defaults().get(2));
    }

    @Test
    void rejectsUnknownNamesAndParametersWithOneClearLine() {
        assertMessage("kl-divergence", "expected one of minmax, percentile, entropy, mse, found 'kl-divergence'");
        assertMessage("", "found an empty name");
        assertMessage("minmax:3", "this method takes no parameters");
        assertMessage("entropy:bins=2048", "unknown parameter 'bins', expected one of divergence, levels, zero");
        assertMessage("entropy:kl,zero=drop", "expected zero smooth or keep, found 'drop'");
        assertMessage("entropy:hellinger", "expected divergence kl, symmetric-kl or js, found 'hellinger'");
        assertMessage("entropy:levels=1", "expected levels auto or in [2, 4096], found 1");
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
