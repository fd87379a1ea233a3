package io.quantpipe.jobs.ingest;

import io.quantpipe.jobs.data.DatasetMetadata;
import io.quantpipe.jobs.data.TensorEncoding;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.List;

/**
 * The schema ingest writes: {@code index} (the sample's position in the source, so order survives
 * Spark's file ordering), the tensor column with its encoding and shape in the metadata, and the
 * label column with the class names when known.
 */
final class DatasetSchema {
    static final String INDEX_COLUMN = "index";

    private DatasetSchema() {
    }

    static StructType of(String tensorColumn, TensorEncoding encoding, long[] rowShape,
                         String labelColumn, boolean labels, List<String> labelNames) {
        DataType tensorType = encoding == TensorEncoding.FLOAT_ARRAY
                ? DataTypes.createArrayType(DataTypes.FloatType, false) : DataTypes.BinaryType;
        List<StructField> fields = new ArrayList<>();
        fields.add(DataTypes.createStructField(INDEX_COLUMN, DataTypes.LongType, false));
        fields.add(DataTypes.createStructField(tensorColumn, tensorType, false,
                DatasetMetadata.tensor(encoding, rowShape)));
        if (labels) {
            Metadata m = DatasetMetadata.labels(labelNames);
            fields.add(DataTypes.createStructField(labelColumn, DataTypes.IntegerType, true, m));
        }
        return DataTypes.createStructType(fields);
    }
}
