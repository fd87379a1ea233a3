package io.quantpipe.quant.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.quantpipe.quant.BadInputException;
import io.quantpipe.quant.io.AtomicFiles;
import io.quantpipe.quant.ConfigException;
import io.quantpipe.quant.onnx.proto.OnnxIr.GraphProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.ModelProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.TensorProto;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads and writes ONNX model files ({@code ModelProto} in protobuf binary encoding). Reading checks
 * that the bytes really are a model, since arbitrary bytes often parse as some protobuf message, and
 * loads external data from beside the file. Writing is atomic. Fields outside quantpipe's subset of
 * the IR survive a read / write round trip as protobuf unknown fields.
 *
 * <p>The default-domain opset is not checked here; see {@link Opsets#requireSupported}.
 */
public final class ModelFile {
    /** Largest message protobuf reads or writes (2 GiB - 1); bigger models keep weights as external data. */
    public static final long MAX_MODEL_BYTES = Integer.MAX_VALUE;

    private ModelFile() {
    }

    /**
     * Reads a model file and loads its external data (see {@link ExternalData#load}).
     *
     * @throws BadInputException when the file is missing, too large, or not an ONNX model, or its
     *     external data is unsafe or inconsistent
     */
    public static ModelProto read(Path file) {
        byte[] bytes = readBytes(file);
        // The array is ours and never written again, so byte fields may alias it instead of copying.
        ModelProto model = parse(bytes, file.toString(), true);
        Path folder = file.toAbsolutePath().getParent();
        return ExternalData.load(model, folder);
    }

    /**
     * Parses model bytes (for example broadcast to executors). External data is left as references.
     *
     * @param source names the bytes in error messages (a path, a URI)
     * @throws BadInputException when the bytes are not an ONNX model
     */
    public static ModelProto parse(byte[] bytes, String source) {
        return parse(bytes, source, false);
    }

    /** Writes the model to {@code file} atomically, replacing any previous file. */
    public static void write(ModelProto model, Path file) {
        requireFitsOneMessage(model, file);
        AtomicFiles.writeStream(file, model::writeTo);
    }

    /**
     * Writes the model with the {@code raw_data} of every initializer of at least {@code minBytes}
     * moved into {@code dataFileName} beside {@code file}. Each file is replaced atomically; the data
     * file goes first so that a finished model file never points at data that is not there yet.
     */
    public static void writeWithExternalData(ModelProto model, Path file, String dataFileName, long minBytes) {
        Path name = file.getFileName();
        if (dataFileName.isEmpty() || dataFileName.contains("/") || dataFileName.contains("\\")
                || dataFileName.equals(".") || dataFileName.equals("..") || (name != null && name.toString().equals(dataFileName))) {
            throw new ConfigException("expected a plain file name for the external data, other than the model's, found '"
                    + dataFileName + "'");
        }
        if (minBytes < 0) {
            throw new ConfigException("expected a non-negative size threshold for external data, found " + minBytes);
        }
        ExternalData.Split split = ExternalData.split(model, dataFileName, minBytes);
        requireFitsOneMessage(split.model(), file);
        if (split.hasData()) {
            AtomicFiles.writeStream(file.toAbsolutePath().resolveSibling(dataFileName), split::writeData);
        }
        AtomicFiles.writeStream(file, split.model()::writeTo);
    }

    /**
     * An upper bound of the model's encoded size that cannot overflow: protobuf's own int size wraps
     * for messages past 2 GiB, which is exactly when it matters.
     */
    static long serializedSizeBound(ModelProto model) {
        GraphProto graph = model.getGraph();
        long bound = model.toBuilder().setGraph(graph.toBuilder().clearInitializer()).build().getSerializedSize();
        for (TensorProto t : graph.getInitializerList()) {
            bound += t.getSerializedSize() + 6L;    // tag and a length prefix of at most 5 bytes
        }
        return bound + 5;                           // the graph's own length prefix may grow
    }

    private static void requireFitsOneMessage(ModelProto model, Path file) {
        long size = serializedSizeBound(model);
        if (size > MAX_MODEL_BYTES) {
            throw new BadInputException("expected a model of at most " + MAX_MODEL_BYTES + " bytes to write to " + file
                    + ", found about " + size + " bytes (write it with external data)");
        }
    }

    private static ModelProto parse(byte[] bytes, String source, boolean alias) {
        if (bytes.length == 0) {
            throw new BadInputException(source + ": expected an ONNX model, found an empty file");
        }
        ModelProto model;
        try {
            CodedInputStream in = CodedInputStream.newInstance(bytes);
            in.enableAliasing(alias);
            model = ModelProto.parser().parseFrom(in);
            // Only the end of input may end the message: a parser that stops at a stray end-group tag
            // would return a partial model (protobuf-java 4.x rejects the tag itself; this does not rely on that).
            in.checkLastTagWas(0);
        } catch (InvalidProtocolBufferException e) {
            throw new BadInputException(source + ": expected an ONNX model, found bytes that do not parse as protobuf"
                    + " (truncated, or not a model file): " + oneLine(e.getMessage()), e);
        }
        String missing = !model.hasIrVersion() || model.getIrVersion() < 1 ? "ir_version"
                : !model.hasGraph() ? "graph"
                : model.getOpsetImportCount() == 0 ? "opset_import"
                : null;
        if (missing != null) {
            throw new BadInputException(source + ": expected an ONNX model, found protobuf without " + missing
                    + " (not a model file)");
        }
        return model;
    }

    private static byte[] readBytes(Path file) {
        if (Files.isDirectory(file)) {
            throw new BadInputException("expected an ONNX model file, found a directory: " + file);
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size > MAX_MODEL_BYTES) {
                throw new BadInputException(file + ": expected at most " + MAX_MODEL_BYTES
                        + " bytes (the protobuf limit; larger models keep weights as external data), found " + size);
            }
            ByteBuffer buffer = ByteBuffer.allocate((int) size);
            while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
                // read until full or end of file
            }
            if (buffer.hasRemaining() || channel.read(ByteBuffer.allocate(1)) > 0) {
                throw new BadInputException(file + ": expected " + size + " bytes, found the file changed while reading");
            }
            return buffer.array();
        } catch (NoSuchFileException e) {
            throw new BadInputException("expected an ONNX model file at " + file + ", found no such file");
        } catch (IOException e) {
            throw new BadInputException(file + ": expected a readable ONNX model file, found: " + oneLine(e.toString()), e);
        }
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s+", " ").trim();
    }
}
