package io.quantpipe.quant.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quantpipe.quant.BadInputException;
import io.quantpipe.quant.eval.LayerErrorState;
import io.quantpipe.quant.eval.MetricRow;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportParquetTest {
    @TempDir
    Path dir;

    @Test
    void metricRowsReadBackEqual() {
        List<MetricRow> rows = ReportFixture.unlabeled(1).input.metrics();
        assertTrue(rows.stream().anyMatch(r -> Double.isNaN(r.value())), "the fixture should hold an undefined value");
        Path file = dir.resolve("metrics.parquet");
        MetricsParquet.write(rows, file);
        assertEquals(rows, MetricsParquet.read(file));
    }

    @Test
    void metricsFileHasTheLongFormatColumns() throws IOException {
        Path file = dir.resolve("metrics.parquet");
        MetricsParquet.write(ReportFixture.minimal().metrics(), file);
        try (ParquetFileReader r = ParquetFileReader.open(new LocalInputFile(file))) {
            MessageType schema = r.getFooter().getFileMetaData().getSchema();
            assertEquals(List.of("entity", "instance", "name", "value"),
                    schema.getFields().stream().map(f -> f.getName()).toList());
            assertEquals(PrimitiveTypeName.DOUBLE, schema.getType("value").asPrimitiveType().getPrimitiveTypeName());
        }
    }

    @Test
    void layerErrorsReadBackInRankOrder() {
        LayerErrorState layers = ReportFixture.full(2).layers;
        layers.add("identical", new float[] {1, 2}, new float[] {1, 2}, 1);
        Path file = dir.resolve("layers.parquet");
        LayersParquet.write(layers, file);
        assertEquals(layers.ranked(), LayersParquet.read(file));
        assertEquals(Double.POSITIVE_INFINITY, LayersParquet.read(file).get(layers.ranked().size() - 1).sqnrDb());
    }

    @Test
    void writeAllWritesTheFourFilesAndNothingElse() throws IOException {
        Path run = dir.resolve("run");
        ReportWriter.writeAll(ReportFixture.full(3).input, run);
        ReportWriter.writeAll(ReportFixture.minimal(), run);
        try (Stream<Path> s = Files.list(run)) {
            assertEquals(List.of("layers.parquet", "metrics.parquet", "report.html", "report.json"),
                    s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertEquals(List.of(), LayersParquet.read(run.resolve("layers.parquet")));
    }

    @Test
    void readingAMissingFileIsBadInput() {
        assertThrows(BadInputException.class, () -> MetricsParquet.read(dir.resolve("none.parquet")));
    }
}
