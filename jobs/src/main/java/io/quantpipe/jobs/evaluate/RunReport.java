package io.quantpipe.jobs.evaluate;

import io.quantpipe.jobs.DriverFiles;
import io.quantpipe.jobs.Location;
import io.quantpipe.quant.ConfigException;
import io.quantpipe.quant.eval.EvaluationSummary;
import io.quantpipe.quant.eval.LayerError;
import io.quantpipe.quant.report.MethodEvaluation;
import io.quantpipe.quant.report.ReportInput;
import io.quantpipe.quant.report.ReportWriter;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * Writes a report into a run folder and prints its summary. The folder may already hold a calibrate
 * run (the usual case), so the report files join it rather than replace it: a previous
 * {@code report.json} is removed when the evaluation starts, every file is written atomically and
 * {@code report.json} comes last, so a run that fails never looks finished.
 */
public final class RunReport {
    private RunReport() {
    }

    /**
     * The run folder {@code option} names, local or on another Hadoop file system; a usage error
     * when it is a file.
     */
    public static DriverFiles.Folder folder(DriverFiles files, String out, String option) {
        DriverFiles.Folder folder = files.folder(Location.of(out, option));
        if (folder.isFile()) {
            throw new ConfigException(option + " " + out + ": expected a folder, found a file");
        }
        return folder;
    }

    /**
     * Removes a previous {@code report.json} from {@code run} before a new evaluation starts: a run
     * that then fails leaves no report a script could take for its result.
     */
    public static void invalidate(DriverFiles.Folder run) {
        run.delete(ReportWriter.REPORT_JSON);
    }

    /**
     * Writes report.json (last), report.html, metrics.parquet and layers.parquet into {@code run}
     * (and, for a remote run, uploads them in that order).
     */
    public static void write(ReportInput input, DriverFiles.Folder run) {
        invalidate(run);
        ReportWriter.writeAll(input, run.dir());
        ReportWriter.FILES.forEach(run::publish);
    }

    /** The summary a person reads on the console. */
    public static void print(ReportInput input, PrintStream out, int worstLayers) {
        MethodEvaluation primary = input.primary();
        EvaluationSummary s = primary.state().summary();
        out.printf(Locale.ROOT, "rows %d%s%n", s.rows(), s.hasLabels() ? "" : " (no labels: accuracy not measured)");
        if (s.hasLabels()) {
            out.printf(Locale.ROOT, "FP32 top-1 %.4f  top-5 %.4f%n", s.fp32Top1(), s.fp32Top5());
        }
        out.println(String.format(Locale.ROOT, "%-14s %8s %8s %9s %9s %9s %8s", "model", "top-1", "drop",
                "agreement", "SQNR dB", "KL", "speed-up"));
        for (MethodEvaluation e : input.evaluations()) {
            EvaluationSummary m = e.state().summary();
            out.println(String.format(Locale.ROOT, "%-14s %8s %8s %9.4f %9.2f %9.2e %8s", e.method()
                            + (input.comparesMethods() && e == primary ? "*" : ""),
                    m.hasLabels() ? String.format(Locale.ROOT, "%.4f", m.int8Top1()) : "-",
                    m.hasLabels() ? String.format(Locale.ROOT, "%.2f", 100 * m.top1Drop()) : "-",
                    m.top1Agreement(), m.sqnrDb(), m.kl(), ratio(m.speedup())));
        }
        if (s.fp32Latency().batches() > 0) {
            out.printf(Locale.ROOT, "latency per batch (ms): FP32 median %.3f p95 %.3f; %s median %.3f p95 %.3f%n",
                    s.fp32Latency().medianMs(), s.fp32Latency().p95Ms(), primary.method(),
                    s.int8Latency().medianMs(), s.int8Latency().p95Ms());
        }
        if (input.fp32ModelBytes() >= 0 && input.int8ModelBytes() >= 0) {
            out.printf(Locale.ROOT, "model bytes: FP32 %d, %s %d (%.1f%%)%n", input.fp32ModelBytes(), primary.method(),
                    input.int8ModelBytes(), 100.0 * input.int8ModelBytes() / input.fp32ModelBytes());
        }
        List<LayerError> layers = input.layers().ranked();
        if (!layers.isEmpty()) {
            out.println("most damaged layers of " + primary.method() + " (SQNR dB, cosine):");
            for (LayerError l : layers.subList(0, Math.min(worstLayers, layers.size()))) {
                out.printf(Locale.ROOT, "  %d. %s  %.2f  %.6f%n", l.rank(), l.tensor(), l.sqnrDb(), l.cosine());
            }
        }
    }

    private static String ratio(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2fx", v);
    }
}
