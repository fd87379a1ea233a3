package io.quantpipe.quant.report;

import java.nio.file.Path;
import java.util.List;

/**
 * Writes a run's evaluation outputs into its folder: {@code report.json}, {@code report.html},
 * {@code metrics.parquet} and {@code layers.parquet}, each atomically (a failed run leaves no
 * half-written file). {@code layers.parquet} is written even when no layer was measured (zero rows),
 * so readers find the same files in every run.
 */
public final class ReportWriter {
    public static final String REPORT_JSON = "report.json";
    public static final String REPORT_HTML = "report.html";
    public static final String METRICS_PARQUET = "metrics.parquet";
    public static final String LAYERS_PARQUET = "layers.parquet";
    /** The four files in the order {@link #writeAll} writes them: {@code report.json} last. */
    public static final List<String> FILES = List.of(METRICS_PARQUET, LAYERS_PARQUET, REPORT_HTML, REPORT_JSON);

    private ReportWriter() {
    }

    /** Writes the four files into {@code runDir}, creating it if needed. */
    public static void writeAll(ReportInput input, Path runDir) {
        MetricsParquet.write(input.metrics(), runDir.resolve(METRICS_PARQUET));
        LayersParquet.write(input.layers(), runDir.resolve(LAYERS_PARQUET));
        ReportHtml.write(input, runDir.resolve(REPORT_HTML));
        // Last: scripts and DAG gates wait for report.json, so the others are complete when it appears.
        ReportJson.write(input, runDir.resolve(REPORT_JSON));
    }
}
