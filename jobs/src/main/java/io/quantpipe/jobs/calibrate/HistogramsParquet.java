package io.quantpipe.jobs.calibrate;

import io.quantpipe.quant.io.AtomicFiles;
import io.quantpipe.quant.observe.CalibrationState;
import io.quantpipe.quant.observe.Histogram;
import io.quantpipe.quant.observe.PerChannelHistogram;
import io.quantpipe.quant.observe.TensorStats;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@code histograms.parquet}: the merged histograms, for notebooks. One row per non-empty bin, in
 * the order tensor, channel, bin:
 *
 * <pre>
 * tensor         string  the observed tensor
 * channel        int     -1 for the whole tensor, else the channel of a per-channel histogram
 * exponent       int     the grid covers [-2^exponent, 2^exponent)
 * bins_per_side  int     bins on each side of zero
 * bin            int     signed bin index s, -bins_per_side <= s < bins_per_side
 * lo, hi         double  the bin's edges, s * w and (s + 1) * w with w = 2^exponent / bins_per_side (exact)
 * count          long    finite values in [lo, hi)
 * </pre>
 * Empty bins are left out (sum the counts per tensor for the total). One uncompressed Parquet file.
 */
final class HistogramsParquet {
    static final Schema SCHEMA = SchemaBuilder.record("histogram_bin").namespace("io.quantpipe").fields()
            .requiredString("tensor")
            .requiredInt("channel")
            .requiredInt("exponent")
            .requiredInt("bins_per_side")
            .requiredInt("bin")
            .requiredDouble("lo")
            .requiredDouble("hi")
            .requiredLong("count")
            .endRecord();

    private HistogramsParquet() {
    }

    static void write(CalibrationState state, Path file) {
        AtomicFiles.write(file, temporary -> {
            try (ParquetWriter<GenericRecord> writer = AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(temporary))
                    .withConf(new PlainParquetConfiguration())
                    .withSchema(SCHEMA)
                    .withDataModel(GenericData.get())
                    .withWriteMode(ParquetFileWriter.Mode.CREATE)
                    .withCompressionCodec(CompressionCodecName.UNCOMPRESSED)
                    .build()) {
                for (Map.Entry<String, TensorStats> e : state.tensors().entrySet()) {
                    write(writer, e.getKey(), -1, e.getValue().histogram());
                    PerChannelHistogram channels = e.getValue().channelHistograms();
                    if (channels != null) {
                        for (int c = 0; c < channels.channelCount(); c++) {
                            write(writer, e.getKey(), c, channels.channel(c));
                        }
                    }
                }
            }
        });
    }

    private static void write(ParquetWriter<GenericRecord> writer, String tensor, int channel, Histogram h)
            throws IOException {
        long[] counts = h.counts();
        int b = h.binsPerSide();
        double width = h.binWidth();
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] == 0) {
                continue;
            }
            int bin = i - b;
            GenericData.Record r = new GenericData.Record(SCHEMA);
            r.put("tensor", tensor);
            r.put("channel", channel);
            r.put("exponent", h.exponent());
            r.put("bins_per_side", b);
            r.put("bin", bin);
            r.put("lo", bin * width);
            r.put("hi", (bin + 1) * width);
            r.put("count", counts[i]);
            writer.write(r);
        }
    }
}
