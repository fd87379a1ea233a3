package io.quantpipe.quant.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ObserverConfigTest {

    @Test
    void binsPerSideMustBeAPowerOfTwoInRange() {
        for (int bins : new int[] {0, 1, 3, 1000, 1 << 21}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ObserverConfig(bins, -1, false));
            assertEquals("bins per side: expected a power of two in [2, 1048576], found " + bins, e.getMessage());
        }
        for (int bins : new int[] {2, 2048, 1 << 20}) {
            assertEquals(bins, new ObserverConfig(bins, -1, false).binsPerSide());
        }
    }

    @Test
    void channelSettingsMustFitTogether() {
        assertEquals("channel axis: expected -1 (none) or >= 0, found -2",
                assertThrows(IllegalArgumentException.class, () -> new ObserverConfig(2048, -2, false)).getMessage());
        assertEquals("per-channel histograms need a channel axis",
                assertThrows(IllegalArgumentException.class, () -> new ObserverConfig(2048, -1, true)).getMessage());
        assertEquals(1, new ObserverConfig(2048, 1, true).channelAxis());
    }
}
