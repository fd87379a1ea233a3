package io.quantpipe.quant.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quantpipe.quant.eval.LayerError;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

class LayerSqnrChartTest {
    private static LayerError layer(String name, int rank, double sqnr) {
        return new LayerError(name, rank, 10, 10, sqnr, 1, 0, 0, 0);
    }

    @Test
    void aNearlyLosslessTensorDoesNotSqueezeTheOthers() {
        // uint8 pixels quantized to uint8 come out at ~145 dB; the layers that matter sit at 30-40 dB.
        ReportPage page = new ReportPage(LayerSqnrChart.svg(List.of(layer("conv", 1, 30), layer("pool", 2, 40),
                layer("input", 3, 144.9), layer("same", 4, Double.POSITIVE_INFINITY))));
        List<Element> bars = page.find("rect", "data-sqnr", null);
        double full = Double.parseDouble(bars.get(3).getAttribute("width"));
        assertEquals(30 / LayerSqnrChart.AXIS_MAX_DB * full, Double.parseDouble(bars.get(0).getAttribute("width")), 0.01);
        assertEquals(40 / LayerSqnrChart.AXIS_MAX_DB * full, Double.parseDouble(bars.get(1).getAttribute("width")), 0.01);
        assertEquals(full, Double.parseDouble(bars.get(2).getAttribute("width")));
        List<String> labels = page.find("text", "class", "value").stream().map(Element::getTextContent).toList();
        assertEquals(4, labels.size());
        assertEquals(true, labels.get(2).startsWith("144.9"), labels.toString());
        List<String> ticks = page.find("text", "class", "tick").stream().map(Element::getTextContent).toList();
        assertEquals("80", ticks.get(ticks.size() - 1));
    }

    @Test
    void theAxisEndsAtTheNextTenAboveTheLargestSqnrBelowTheCap() {
        ReportPage page = new ReportPage(LayerSqnrChart.svg(List.of(layer("a", 1, 31), layer("b", 2, 52))));
        List<String> ticks = page.find("text", "class", "tick").stream().map(Element::getTextContent).toList();
        assertEquals("60", ticks.get(ticks.size() - 1));
    }
}
