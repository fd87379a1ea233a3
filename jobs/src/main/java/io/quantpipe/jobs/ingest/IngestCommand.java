package io.quantpipe.jobs.ingest;

import io.quantpipe.jobs.Job;
import io.quantpipe.jobs.JobContext;
import io.quantpipe.jobs.config.ConfigResolver;
import io.quantpipe.jobs.config.QuantpipeConfig;
import io.quantpipe.jobs.data.TensorEncoding;
import io.quantpipe.jobs.spark.JobDescription;
import io.quantpipe.jobs.spark.Sparks;
import io.quantpipe.quant.BadInputException;
import io.quantpipe.quant.ConfigException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * {@code quantpipe ingest}: converts IDX files, {@code .npy} arrays or a folder of class folders of
 * images into a quantpipe dataset. uint8 data stays uint8 ({@code binary}, normalised when read,
 * per {@code quantpipe.data.uint8.*}); float data becomes {@code array<float>}. Arrays are read on
 * the driver (they must fit its memory); images are decoded in parallel by the tasks.
 */
@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = "Converts IDX, .npy or folders of images into a quantpipe Parquet dataset.")
public final class IngestCommand implements Job {
    @Option(names = "--format", required = true, paramLabel = "idx|npy|images",
            description = "Source format: idx (MNIST-style, gzipped or not), npy, images (one folder per class).")
    String format;

    @Option(names = "--images", required = true, paramLabel = "PATH",
            description = "The samples: an IDX or .npy file, or the root folder of class folders.")
    String images;

    @Option(names = "--labels", paramLabel = "PATH",
            description = "Labels for idx/npy: an IDX or .npy file of integers, one per sample.")
    String labels;

    @Option(names = "--out", required = true, paramLabel = "DATASET", description = "The dataset directory to write.")
    String out;

    @Option(names = "--limit", paramLabel = "N", description = "Take only the first N samples.")
    Long limit;

    @Option(names = "--partitions", paramLabel = "N",
            description = "Output files (quantpipe.ingest.partitions; 0 = Spark's default parallelism).")
    Integer partitions;

    @Option(names = "--channels", paramLabel = "1|3",
            description = "images: channels to store (default: those of the first image; gray repeats into 3).")
    Integer channels;

    @Option(names = "--overwrite", description = "Replace an existing dataset at --out.")
    boolean overwrite;

    private enum Format { IDX, NPY, IMAGES }

    @Override
    public void configure(ConfigResolver config) {
        if (partitions != null) {
            config.option("quantpipe.ingest.partitions", partitions, "--partitions");
        }
    }

    @Override
    public List<String> plan(QuantpipeConfig config) {
        Format f = checkOptions();
        List<String> plan = new ArrayList<>();
        plan.add("read " + f.name().toLowerCase(Locale.ROOT) + " samples from " + images
                + (labels != null ? " with labels from " + labels : "")
                + (limit != null ? ", the first " + limit : ""));
        int p = config.ingestPartitions();
        plan.add("write columns " + DatasetSchema.INDEX_COLUMN + ", " + config.tensorColumn()
                + (f == Format.IMAGES || labels != null ? ", " + config.labelColumn() : "")
                + " to a temporary directory beside " + out + " in "
                + (p == 0 ? "Spark's default parallelism" : String.valueOf(p)) + " files");
        plan.add("rename it to " + out + (overwrite ? " (replacing what is there)" : " (which must be new or empty)"));
        return plan;
    }

    @Override
    public void run(JobContext context) throws IOException {
        Format f = checkOptions();
        requireLocalInput(images, "--images", f == Format.IMAGES);
        if (labels != null) {
            requireLocalInput(labels, "--labels", false);
        }
        QuantpipeConfig config = context.config();
        SparkSession spark = context.spark();
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        Path outPath = new Path(out);
        FileSystem outFs = outPath.getFileSystem(hadoop);
        DatasetWriter.checkTarget(outFs, outPath, overwrite);

        long n = limit == null ? Long.MAX_VALUE : limit;
        int wanted = config.ingestPartitions() > 0 ? config.ingestPartitions()
                : spark.sparkContext().defaultParallelism();
        Ingested ingested = f == Format.IMAGES
                ? imageFolder(spark, hadoop, n, wanted, config)
                : arrays(spark, hadoop, f, n, wanted, config);
        try (JobDescription d = Sparks.describe(spark, "ingest: write " + ingested.rows + " rows to " + out)) {
            DatasetWriter.write(ingested.frame, outFs, outPath, overwrite);
        }
        context.out().println("ingested " + ingested.rows + " rows into " + out + ": " + config.tensorColumn() + " "
                + ingested.encoding.metadataName() + " " + Arrays.toString(ingested.rowShape)
                + (ingested.labelSummary.isEmpty() ? ", no labels" : ", " + config.labelColumn() + " " + ingested.labelSummary));
    }

    private record Ingested(Dataset<Row> frame, long rows, TensorEncoding encoding, long[] rowShape,
                            String labelSummary) {
    }

    private Ingested arrays(SparkSession spark, Configuration hadoop, Format f, long n, int wanted,
                            QuantpipeConfig config) throws IOException {
        NdArray samples = readArray(hadoop, images, f, n);
        if (samples.kind() == NdArray.Kind.INTEGER) {
            throw new BadInputException(images + ": expected uint8 or float32 samples, found integers");
        }
        int rows = samples.rows();
        if (rows == 0) {
            throw new BadInputException(images + ": expected at least one sample, found 0");
        }
        int[] labelValues = null;
        if (labels != null) {
            labelValues = readArray(hadoop, labels, f, n).labels();
            if (labelValues.length != rows) {
                throw new BadInputException("--labels " + labels + ": expected " + rows
                        + " labels (one per sample), found " + labelValues.length);
            }
        }
        TensorEncoding encoding = samples.kind() == NdArray.Kind.UINT8 ? TensorEncoding.UINT8 : TensorEncoding.FLOAT_ARRAY;
        long[] rowShape = samples.rowShape();
        List<Row> out = new ArrayList<>(rows);
        for (int i = 0; i < rows; i++) {
            Object tensor = encoding == TensorEncoding.UINT8 ? samples.uint8Row(i) : samples.float32Row(i);
            out.add(labelValues == null ? RowFactory.create((long) i, tensor)
                    : RowFactory.create((long) i, tensor, labelValues[i]));
        }
        StructType schema = DatasetSchema.of(config.tensorColumn(), encoding, rowShape, config.labelColumn(),
                labelValues != null, List.of());
        JavaRDD<Row> rdd = JavaSparkContext.fromSparkContext(spark.sparkContext())
                .parallelize(out, Math.max(1, Math.min(wanted, rows)));
        String summary = "";
        if (labelValues != null) {
            int min = Arrays.stream(labelValues).min().orElse(0);
            int max = Arrays.stream(labelValues).max().orElse(0);
            summary = min + ".." + max;
        }
        return new Ingested(spark.createDataFrame(rdd, schema), rows, encoding, rowShape, summary);
    }

    private Ingested imageFolder(SparkSession spark, Configuration hadoop, long n, int wanted,
                                 QuantpipeConfig config) throws IOException {
        Path root = new Path(images);
        FileSystem fs = root.getFileSystem(hadoop);
        if (!fs.exists(root) || !fs.getFileStatus(root).isDirectory()) {
            throw new BadInputException("--images " + images + ": expected a folder of class folders, found "
                    + (fs.exists(root) ? "a file" : "nothing"));
        }
        ImageFolder.Listing listing = ImageFolder.list(fs, root, n);
        ImageFolder.Entry first = listing.entries().get(0);
        BufferedImage img;
        try (FSDataInputStream in = fs.open(new Path(first.path()))) {
            img = ImageDecoder.read(in, first.path());
        }
        int c = channels != null ? channels : ImageDecoder.channels(img);
        long[] rowShape = {c, img.getHeight(), img.getWidth()};
        StructType schema = DatasetSchema.of(config.tensorColumn(), TensorEncoding.UINT8, rowShape,
                config.labelColumn(), true, listing.classes());
        JavaRDD<Row> rdd = JavaSparkContext.fromSparkContext(spark.sparkContext())
                .parallelize(listing.entries(), Math.max(1, Math.min(wanted, listing.entries().size())))
                .mapPartitions(new DecodeImages(new HadoopConf(hadoop), c, img.getHeight(), img.getWidth()));
        return new Ingested(spark.createDataFrame(rdd, schema), listing.entries().size(), TensorEncoding.UINT8,
                rowShape, listing.classes().size() + " classes " + listing.classes());
    }

    /** Decodes a partition's image files into rows (index, CHW bytes, label). */
    private record DecodeImages(HadoopConf hadoop, int channels, int height, int width)
            implements FlatMapFunction<Iterator<ImageFolder.Entry>, Row> {
        @Override
        public Iterator<Row> call(Iterator<ImageFolder.Entry> entries) throws IOException {
            List<Row> rows = new ArrayList<>();
            while (entries.hasNext()) {
                ImageFolder.Entry e = entries.next();
                Path p = new Path(e.path());
                BufferedImage img;
                try (FSDataInputStream in = p.getFileSystem(hadoop.get()).open(p)) {
                    img = ImageDecoder.read(in, e.path());
                }
                rows.add(RowFactory.create(e.index(), ImageDecoder.chw(img, channels, height, width, e.path()), e.label()));
            }
            return rows.iterator();
        }
    }

    private static NdArray readArray(Configuration hadoop, String path, Format f, long limit) throws IOException {
        Path p = new Path(path);
        FileSystem fs = p.getFileSystem(hadoop);
        if (!fs.exists(p)) {
            throw new BadInputException(path + ": expected an input file, found nothing");
        }
        try (FSDataInputStream in = fs.open(p)) {
            return f == Format.IDX ? IdxReader.read(in, path, limit) : NpyReader.read(in, path, limit);
        }
    }

    private Format checkOptions() {
        Format f;
        try {
            f = Format.valueOf(format.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("--format: expected idx, npy or images, found '" + format + "'");
        }
        if (f == Format.IMAGES && labels != null) {
            throw new ConfigException("--labels: expected none with --format images (the folder names are the labels), found "
                    + labels);
        }
        if (limit != null && limit < 1) {
            throw new ConfigException("--limit: expected a positive number of samples, found " + limit);
        }
        if (channels != null && channels != 1 && channels != 3) {
            throw new ConfigException("--channels: expected 1 or 3, found " + channels);
        }
        if (partitions != null && partitions < 0) {
            throw new ConfigException("--partitions: expected 0 (Spark's default) or more, found " + partitions);
        }
        return f;
    }

    /** A local input that is missing fails before Spark starts; other file systems are checked later. */
    private static void requireLocalInput(String path, String option, boolean directory) {
        URI uri = new Path(path).toUri();
        if (uri.getScheme() != null && !"file".equals(uri.getScheme())) {
            return;
        }
        java.nio.file.Path local = java.nio.file.Path.of(uri.getPath());
        if (!Files.exists(local)) {
            throw new BadInputException(option + " " + path + ": expected an existing "
                    + (directory ? "folder" : "file") + ", found nothing");
        }
        if (directory != Files.isDirectory(local)) {
            throw new BadInputException(option + " " + path + ": expected a " + (directory ? "folder" : "file")
                    + ", found a " + (directory ? "file" : "folder"));
        }
    }
}
