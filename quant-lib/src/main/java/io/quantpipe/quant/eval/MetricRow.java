package io.quantpipe.quant.eval;

import java.util.Objects;

/**
 * One metric in long format, after Deequ: what it is about ({@code entity}, e.g. {@code "model"},
 * {@code "class"}, {@code "layer"}), which one ({@code instance}, e.g. {@code "int8"},
 * {@code "Shirt"}, {@code "conv1_out"}), the metric's {@code name} and its {@code value}. The same
 * rows become {@code report.json}'s {@code metrics}, {@code metrics.parquet} and notebook tables.
 * NaN means "not defined" (e.g. accuracy without labels) and is written as null.
 */
public record MetricRow(String entity, String instance, String name, double value) {
    public MetricRow {
        Objects.requireNonNull(entity, "entity");
        Objects.requireNonNull(instance, "instance");
        Objects.requireNonNull(name, "name");
    }
}
