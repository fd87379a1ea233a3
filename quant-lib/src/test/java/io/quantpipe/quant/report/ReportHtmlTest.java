package io.quantpipe.quant.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quantpipe.quant.eval.EvaluationState;
import io.quantpipe.quant.eval.LayerError;
import io.quantpipe.quant.eval.ModelAccuracy;
import io.quantpipe.quant.io.ScaleRow;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;

class ReportHtmlTest {
    @TempDir
    Path dir;

    @Test
    void pageParsesAsXml() {
        ReportPage page = new ReportPage(ReportHtml.render(ReportFixture.full(1).input));
        assertEquals("html", page.doc.getDocumentElement().getTagName());
        assertEquals(1, page.find("style", null, null).size());
    }

    @Test
    void oneHistogramPerTensorWithALinePerMethodAtTheTablesValues() {
        ReportFixture f = ReportFixture.full(2);
        ReportPage page = new ReportPage(ReportHtml.render(f.input));
        List<Element> charts = page.charts("histogram");
        assertEquals(f.histograms.keySet().stream().toList(),
                charts.stream().map(c -> c.getAttribute("data-tensor")).toList());
        int withThreshold = 0;
        for (Element chart : charts) {
            String tensor = chart.getAttribute("data-tensor");
            assertEquals(Long.toString(f.histograms.get(tensor).totalCount()), chart.getAttribute("data-total"));
            List<ScaleRow> rows = f.scales.tensor(tensor).stream().filter(ScaleRow::isPerTensor).toList();
            List<Element> lines = ReportPage.within(chart, "line", "data-method", null);
            assertEquals(4, rows.size(), "every default method has a row");
            assertEquals(rows.size(), lines.size(), tensor);
            for (int i = 0; i < rows.size(); i++) {
                ScaleRow r = rows.get(i);
                Element line = lines.get(i);
                assertEquals(r.method(), line.getAttribute("data-method"));
                assertEquals(r.amax(), Float.parseFloat(line.getAttribute("data-amax")), tensor + " " + r.method());
                if (Float.isNaN(r.threshold())) {
                    // minmax: the range is the threshold.
                    assertEquals(r.amax(), Float.parseFloat(line.getAttribute("data-threshold")));
                    assertFalse(line.hasAttribute("data-method-threshold"), tensor + " " + r.method());
                } else {
                    assertEquals(r.threshold(), Float.parseFloat(line.getAttribute("data-threshold")));
                    assertEquals(r.threshold(), Float.parseFloat(line.getAttribute("data-method-threshold")));
                    withThreshold++;
                }
            }
        }
        assertTrue(withThreshold >= 3 * charts.size(), "percentile, entropy and mse have thresholds");
    }

    @Test
    void methodLinesSitWhereTheirThresholdFallsOnTheAxis() {
        ReportFixture f = ReportFixture.full(3);
        ReportPage page = new ReportPage(ReportHtml.render(f.input));
        for (Element chart : page.charts("histogram")) {
            List<Element> lines = ReportPage.within(chart, "line", "data-method", null);
            // Larger threshold, further right: the x order of the lines is the order of their values.
            for (Element a : lines) {
                for (Element b : lines) {
                    float va = Float.parseFloat(a.getAttribute("data-threshold"));
                    float vb = Float.parseFloat(b.getAttribute("data-threshold"));
                    double xa = Double.parseDouble(a.getAttribute("x1"));
                    double xb = Double.parseDouble(b.getAttribute("x1"));
                    if (va < vb) {
                        assertTrue(xa <= xb, va + " at " + xa + " vs " + vb + " at " + xb);
                    }
                }
            }
        }
    }

    @Test
    void aBarPerLayerInRankOrderWithItsSqnr() {
        ReportFixture f = ReportFixture.full(4);
        ReportPage page = new ReportPage(ReportHtml.render(f.input));
        List<Element> charts = page.charts("layer-sqnr");
        assertEquals(1, charts.size());
        List<Element> bars = ReportPage.within(charts.get(0), "rect", "data-sqnr", null);
        List<LayerError> ranked = f.layers.ranked();
        assertEquals(ranked.size(), bars.size());
        for (int i = 0; i < bars.size(); i++) {
            assertEquals(ranked.get(i).tensor(), bars.get(i).getAttribute("data-tensor"));
            assertEquals(ranked.get(i).sqnrDb(), Double.parseDouble(bars.get(i).getAttribute("data-sqnr")));
            assertEquals(Integer.toString(i + 1), bars.get(i).getAttribute("data-rank"));
        }
        // Bar length grows with SQNR.
        for (int i = 1; i < bars.size(); i++) {
            assertTrue(Double.parseDouble(bars.get(i - 1).getAttribute("width"))
                    <= Double.parseDouble(bars.get(i).getAttribute("width")));
        }
    }

    @Test
    void aHeatmapCellPerConfusionEntryOfBothModels() {
        ReportFixture f = ReportFixture.full(5);
        EvaluationState s = f.states.get("entropy");
        ReportPage page = new ReportPage(ReportHtml.render(f.input));
        List<Element> charts = page.charts("confusion");
        assertEquals(List.of("fp32", "int8"), charts.stream().map(c -> c.getAttribute("data-model")).toList());
        for (Element chart : charts) {
            ModelAccuracy a = chart.getAttribute("data-model").equals("fp32") ? s.fp32() : s.int8();
            List<Element> cells = ReportPage.within(chart, "rect", "data-count", null);
            assertEquals(a.classes() * a.classes(), cells.size());
            long total = 0;
            for (Element c : cells) {
                int t = Integer.parseInt(c.getAttribute("data-true"));
                int p = Integer.parseInt(c.getAttribute("data-pred"));
                long n = Long.parseLong(c.getAttribute("data-count"));
                assertEquals(a.confusion(t, p), n, t + "/" + p);
                total += n;
            }
            assertEquals(ReportFixture.ROWS, total);
        }
    }

    @Test
    void summaryTableHasAColumnPerMethodAndFp32() {
        ReportPage page = new ReportPage(ReportHtml.render(ReportFixture.full(6).input));
        Element table = page.find("table", "class", "summary").get(0);
        List<Element> head = ReportPage.within(table, "th", null, null).subList(0, 5);
        assertEquals("FP32", head.get(1).getTextContent());
        for (int m = 0; m < ReportFixture.METHODS.size(); m++) {
            assertTrue(head.get(2 + m).getTextContent().contains(ReportFixture.METHODS.get(m)));
        }
    }

    @Test
    void everyNameIsEscaped() {
        ReportFixture f = ReportFixture.hostile(7);
        String evil = "<img src=x onerror=alert(1)>&\"'\u0001";
        f.layers.add(evil, new float[] {1, 2}, new float[] {1, 2.5f}, 1);
        ReportInput input = ReportInput.builder().title(f.input.title()).evaluation(f.states.get("entropy"))
                .layers(f.layers).histograms(Map.of(evil, f.histograms.values().iterator().next()))
                .fp32Nodes(List.of(evil)).classNames(f.input.classNames()).build();
        String html = ReportHtml.render(input);
        assertFalse(html.contains("<script"));
        assertFalse(html.contains("<img"));
        assertFalse(html.contains("<b>&"));
        assertTrue(html.contains("Shirt &lt;b&gt;&amp;&quot;&#39;"));
        ReportPage page = new ReportPage(html);
        String expected = evil.replace('\u0001', '\uFFFD');
        assertEquals(expected, page.charts("histogram").get(0).getAttribute("data-tensor"));
        assertTrue(page.find("rect", "data-tensor", expected).size() == 1);
        assertTrue(page.doc.getElementsByTagName("title").item(0).getTextContent().startsWith("<script>"));
    }

    @Test
    void pageIsSelfContained() {
        String html = ReportHtml.render(ReportFixture.full(8).input);
        // The only URLs are the XHTML and SVG namespace names, which are never fetched.
        Matcher m = Pattern.compile("(?i)(https?:|//|url\\(|@import|<script|<link|src=)").matcher(
                html.replace("xmlns=\"http://www.w3.org/1999/xhtml\"", "").replace("xmlns=\"http://www.w3.org/2000/svg\"", ""));
        assertFalse(m.find(), () -> "external reference: " + m.group());
    }

    @Test
    void sectionsWithoutDataAreLeftOut() {
        ReportPage page = new ReportPage(ReportHtml.render(ReportFixture.minimal()));
        assertTrue(page.charts("histogram").isEmpty());
        assertTrue(page.charts("layer-sqnr").isEmpty());
        assertTrue(page.charts("confusion").isEmpty());
        assertEquals(1, page.find("table", "class", "summary").size());
    }

    @Test
    void manyClassesGetATableOfConfusionsInsteadOfAMatrix() {
        int classes = 100;
        float[] fp32 = new float[classes * classes];
        float[] int8 = new float[classes * classes];
        int[] labels = new int[classes];
        for (int r = 0; r < classes; r++) {
            labels[r] = r;
            fp32[r * classes + r] = 1;
            int8[r * classes + (r * 7) % classes] = 1;
        }
        EvaluationState s = new EvaluationState(classes).add(fp32, int8, labels);
        ReportPage page = new ReportPage(ReportHtml.render(ReportInput.builder().evaluation(s).build()));
        assertTrue(page.charts("confusion").isEmpty());
        assertTrue(page.doc.getDocumentElement().getTextContent().contains("most frequent confusions"));
    }

    @Test
    void writesTheFileAtomically() throws IOException {
        Path file = dir.resolve("report.html");
        ReportHtml.write(ReportFixture.full(9).input, file);
        assertEquals(ReportHtml.render(ReportFixture.full(9).input), Files.readString(file, StandardCharsets.UTF_8));
        try (var s = Files.list(dir)) {
            assertEquals(1, s.count());
        }
    }
}
