package io.quantpipe.jobs.calibrate;

import io.quantpipe.quant.ConfigException;
import io.quantpipe.quant.calibrate.CalibrationMethod;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MethodListTest {
    @Test
    void parametersSplitOffByListCommasGoBackToTheirMethod() {
        assertEquals(List.of("minmax", "percentile:99.9,sides=2", "entropy:js,levels=64", "mse"),
                MethodList.specs(List.of("minmax,percentile:99.9,sides=2", "entropy:js", "levels=64", " mse ")));
    }

    @Test
    void parsesToTheCanonicalCalibrators() {
        assertEquals(List.of("minmax", "percentile:percentile=99.9,sides=2"),
                MethodList.parse(List.of("MinMax,percentile:99.9,sides=2")).stream().map(CalibrationMethod::spec).toList());
    }

    @Test
    void aMethodTwiceIsAConfigError() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> MethodList.parse(List.of("percentile:99.99", "percentile")));
        assertTrue(e.getMessage().contains("expected each method once, found percentile:percentile=99.99,sides=1 twice"),
                e.getMessage());
    }

    @Test
    void noMethodIsAConfigError() {
        assertThrows(ConfigException.class, () -> MethodList.parse(List.of(" , ")));
    }

    @Test
    void anUnknownMethodIsAConfigError() {
        ConfigException e = assertThrows(ConfigException.class, () -> MethodList.parse(List.of("minmax,kl")));
        assertTrue(e.getMessage().contains("percentile"), e.getMessage());
    }
}
