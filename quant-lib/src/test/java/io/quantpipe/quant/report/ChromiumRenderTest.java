package io.quantpipe.quant.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.quantpipe.quant.io.ScaleRow;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Renders report.html in headless Chromium (Debian's {@code chromium}, installed by
 * {@code scripts/setup-test-deps}): the charts must survive a real browser's HTML parser with their
 * data, and the page must paint. The screenshot is kept in {@code target/report-render/} to look at.
 */
class ChromiumRenderTest {
    private static final Pattern ATTRIBUTE = Pattern.compile("([a-z-]+)=\"([^\"]*)\"");

    @TempDir
    static Path dir;
    private static Path chromium;
    private static ReportFixture fixture;
    private static Path page;

    @BeforeAll
    static void writeReport() {
        chromium = findChromium();
        fixture = ReportFixture.full(1);
        ReportWriter.writeAll(fixture.input, dir.resolve("run"));
        page = dir.resolve("run").resolve(ReportWriter.REPORT_HTML);
    }

    private static Path findChromium() {
        for (String folder : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            for (String name : List.of("chromium", "chromium-browser")) {
                Path p = Path.of(folder, name);
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        return fail("headless Chromium is needed to render report.html and was not found on PATH: "
                + "run scripts/setup-test-deps (it installs the Debian package 'chromium')");
    }

    /** Runs Chromium on the report with {@code extra} flags; returns what it printed on stdout. */
    private static String chromium(String... extra) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--hide-scrollbars", "--user-data-dir=" + Files.createTempDirectory(dir, "profile")));
        cmd.addAll(List.of(extra));
        cmd.add(page.toUri().toString());
        Path out = Files.createTempFile(dir, "stdout", ".txt");
        Path err = Files.createTempFile(dir, "stderr", ".txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        // A guard against a hung browser, not a measurement.
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("chromium did not finish within 180 s: " + Files.readString(err));
        }
        assertEquals(0, p.exitValue(), () -> "chromium failed: " + readQuietly(err));
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** Start tags named {@code tag} that carry attribute {@code marker}, each as its attribute list. */
    private static List<List<String[]>> tags(String dom, String tag, String marker) {
        List<List<String[]>> found = new ArrayList<>();
        Matcher m = Pattern.compile("<" + tag + "\\s[^>]*>").matcher(dom);
        while (m.find()) {
            if (!m.group().contains(" " + marker + "=")) {
                continue;
            }
            List<String[]> attrs = new ArrayList<>();
            Matcher a = ATTRIBUTE.matcher(m.group());
            while (a.find()) {
                attrs.add(new String[] {a.group(1), a.group(2)});
            }
            found.add(attrs);
        }
        return found;
    }

    private static String get(List<String[]> attrs, String name) {
        return attrs.stream().filter(a -> a[0].equals(name)).map(a -> a[1]).findFirst().orElse(null);
    }

    @Test
    void chartsAndTheirDataAreInTheRenderedDom() throws Exception {
        String dom = chromium("--dump-dom");
        List<List<String[]>> histograms = tags(dom, "svg", "data-chart");
        assertEquals(fixture.histograms.keySet().stream().toList(), histograms.stream()
                .filter(a -> "histogram".equals(get(a, "data-chart"))).map(a -> get(a, "data-tensor")).toList());
        Set<String> expected = new HashSet<>();
        for (ScaleRow r : fixture.scales.rows()) {
            if (r.isPerTensor() && fixture.histograms.containsKey(r.tensor())) {
                expected.add(r.method() + " " + r.amax() + " " + (Float.isNaN(r.threshold()) ? r.amax() : r.threshold()));
            }
        }
        Set<String> rendered = new HashSet<>();
        List<List<String[]>> lines = tags(dom, "line", "data-method");
        for (List<String[]> l : lines) {
            rendered.add(get(l, "data-method") + " " + Float.parseFloat(get(l, "data-amax")) + " "
                    + Float.parseFloat(get(l, "data-threshold")));
        }
        assertEquals(expected.size(), lines.size());
        assertEquals(expected, rendered);
        List<List<String[]>> bars = tags(dom, "rect", "data-sqnr");
        assertEquals(fixture.layers.ranked().stream().map(e -> e.tensor()).toList(),
                bars.stream().map(a -> get(a, "data-tensor")).toList());
        List<List<String[]>> cells = tags(dom, "rect", "data-count");
        assertEquals(2 * 10 * 10, cells.size());
        long diagonal = cells.stream().filter(a -> get(a, "data-true").equals(get(a, "data-pred")))
                .mapToLong(a -> Long.parseLong(get(a, "data-count"))).sum();
        var s = fixture.states.get("entropy");
        long correct = s.fp32().top1Correct() + s.int8().top1Correct();
        assertEquals(correct, diagonal);
    }

    @Test
    void screenshotShowsAPaintedPage() throws Exception {
        Path png = dir.resolve("report.png");
        chromium("--screenshot=" + png, "--window-size=1280,2000");
        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(1280, image.getWidth());
        assertEquals(2000, image.getHeight());
        Set<Integer> colors = new HashSet<>();
        long background = image.getRGB(4, 1990) & 0xFFFFFF;
        long painted = 0;
        boolean primaryBlue = false;
        for (int y = 0; y < image.getHeight(); y += 2) {
            for (int x = 0; x < image.getWidth(); x += 2) {
                int rgb = image.getRGB(x, y) & 0xFFFFFF;
                colors.add(rgb);
                if (rgb != background) {
                    painted++;
                }
                primaryBlue |= rgb == 0x2563eb;
            }
        }
        assertTrue(colors.size() > 200, "a rendered report has text, charts and colours; found " + colors.size() + " colours");
        assertTrue(painted > image.getWidth() * image.getHeight() / 4 / 3, "too little painted: " + painted);
        assertTrue(primaryBlue, "the first method's colour is painted in the summary and the charts");
        Path keep = Path.of("target", "report-render");
        Files.createDirectories(keep);
        Files.copy(png, keep.resolve("report.png"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(page, keep.resolve("report.html"), StandardCopyOption.REPLACE_EXISTING);
    }
}
