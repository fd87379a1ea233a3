/**
 * The evaluation report: {@link io.quantpipe.quant.report.ReportInput} gathers merged evaluation
 * states, layer errors, histograms and the scale table; {@link io.quantpipe.quant.report.ReportWriter}
 * writes {@code report.json} ({@link io.quantpipe.quant.report.ReportJson}), {@code report.html}
 * ({@link io.quantpipe.quant.report.ReportHtml}), {@code metrics.parquet}
 * ({@link io.quantpipe.quant.report.MetricsParquet}) and {@code layers.parquet}
 * ({@link io.quantpipe.quant.report.LayersParquet}).
 */
package io.quantpipe.quant.report;
