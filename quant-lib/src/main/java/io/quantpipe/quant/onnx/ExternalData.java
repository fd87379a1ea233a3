package io.quantpipe.quant.onnx;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.quantpipe.quant.BadInputException;
import io.quantpipe.quant.onnx.proto.OnnxIr.AttributeProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.GraphProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.ModelProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.NodeProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.StringStringEntryProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.TensorProto;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * Tensor payloads stored in files beside the model, as the ONNX External Data spec
 * (onnx/docs/ExternalData.md) defines them: {@code data_location = EXTERNAL} and
 * {@code external_data} entries {@code location} (relative to the model's folder), {@code offset}
 * and {@code length} in bytes, and an optional {@code checksum}.
 *
 * <p>A model is untrusted input: a location that is absolute, escapes the model's folder with
 * {@code ..} or through a symbolic link, or an offset / length past the end of the file is rejected,
 * and every size is checked before anything is allocated. The checksum is kept but not verified:
 * ONNX's own loaders ignore it, so producers do not fill it reliably.
 */
public final class ExternalData {
    public static final String LOCATION = "location";
    public static final String OFFSET = "offset";
    public static final String LENGTH = "length";
    public static final String CHECKSUM = "checksum";
    /** {@code TensorProto.DataLocation.EXTERNAL}. */
    public static final int EXTERNAL = 1;
    private static final int STRING = 8;
    /** Tensors at least this large start at a multiple of the mmap granularity (as onnx_ir aligns them). */
    private static final long ALIGN_THRESHOLD = 1 << 20;
    private static final long ALIGNMENT = 1 << 16;

    private ExternalData() {
    }

    public static boolean isExternal(TensorProto t) {
        return t.getDataLocation() == EXTERNAL;
    }

    /** Whether any tensor of the model (initializers and node attributes, in all subgraphs) is external. */
    public static boolean usedBy(ModelProto model) {
        boolean[] found = {false};
        forEachTensor(model.getGraph(), t -> found[0] |= isExternal(t));
        return found[0];
    }

    /**
     * The {@code location} of every external tensor (initializers and node attributes, in all
     * subgraphs), each once, as the model gives them: unchecked, relative to the model's folder.
     */
    public static SortedSet<String> locations(ModelProto model) {
        SortedSet<String> found = new TreeSet<>();
        forEachTensor(model.getGraph(), t -> {
            if (isExternal(t)) {
                String location = entry(t, LOCATION);
                if (location != null) {
                    found.add(location);
                }
            }
        });
        return found;
    }

    /**
     * Returns the model with every external tensor's bytes read into {@code raw_data} (and its
     * {@code external_data} cleared), the way ONNX's {@code load_external_data_for_model} does.
     *
     * @param modelFolder the folder holding the model file; locations resolve against it
     * @throws BadInputException for a location outside the folder, a missing file, an offset or
     *     length past the end of the file, a length that disagrees with the tensor's dims, or a
     *     loaded model too large for one protobuf message
     */
    public static ModelProto load(ModelProto model, Path modelFolder) {
        if (!usedBy(model)) {
            return model;
        }
        Path folder = modelFolder.toAbsolutePath().normalize();
        Path realFolder;
        try {
            realFolder = folder.toRealPath();
        } catch (IOException e) {
            throw new BadInputException("expected the model's folder " + folder + " to exist, found: " + e.getMessage());
        }
        // Validate every reference and add up the sizes before reading a single payload.
        Map<String, Path> files = new HashMap<>();
        long[] total = {0};
        forEachTensor(model.getGraph(), t -> {
            if (isExternal(t)) {
                total[0] += slice(t, folder, realFolder, files).length;
            }
        });
        long needed = ModelFile.serializedSizeBound(model) + total[0];
        if (needed > ModelFile.MAX_MODEL_BYTES) {
            throw new BadInputException("expected a model that fits one protobuf message once its external data is loaded (at most "
                    + ModelFile.MAX_MODEL_BYTES + " bytes), found " + needed + " bytes");
        }
        try (OpenFiles open = new OpenFiles()) {
            GraphProto graph = mapTensors(model.getGraph(),
                    t -> isExternal(t) ? inline(t, slice(t, folder, realFolder, files), open) : t);
            return model.toBuilder().setGraph(graph).build();
        }
    }

    /**
     * Moves the {@code raw_data} of initializers of at least {@code minBytes} (in all subgraphs, as
     * ONNX's {@code convert_model_to_external_data} does) into one data file named {@code location}.
     * The caller writes {@link Split#model()} and, beside it, {@link Split#writeData}.
     */
    static Split split(ModelProto model, String location, long minBytes) {
        List<ByteString> payloads = new ArrayList<>();
        List<Long> offsets = new ArrayList<>();
        long[] end = {0};
        // A reference left as it is would point into a file this write may replace.
        forEachTensor(model.getGraph(), t -> {
            if (isExternal(t)) {
                throw new BadInputException("expected a model with its external data loaded, found tensor '"
                        + t.getName() + "' still stored in " + entry(t, LOCATION));
            }
        });
        GraphProto graph = mapInitializers(model.getGraph(), t -> {
            if (!t.hasRawData() || t.getRawData().size() < minBytes) {
                return t;
            }
            ByteString raw = t.getRawData();
            long offset = raw.size() >= ALIGN_THRESHOLD ? (end[0] + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT : end[0];
            payloads.add(raw);
            offsets.add(offset);
            end[0] = offset + raw.size();
            return t.toBuilder()
                    .clearRawData()
                    .clearExternalData()
                    .addExternalData(entry(LOCATION, location))
                    .addExternalData(entry(OFFSET, Long.toString(offset)))
                    .addExternalData(entry(LENGTH, Integer.toString(raw.size())))
                    .setDataLocation(EXTERNAL)
                    .build();
        });
        return new Split(model.toBuilder().setGraph(graph).build(), payloads, offsets);
    }

    /** A model whose large initializers point into one data file, and that file's content. */
    record Split(ModelProto model, List<ByteString> payloads, List<Long> offsets) {
        boolean hasData() {
            return !payloads.isEmpty();
        }

        void writeData(OutputStream out) throws IOException {
            long position = 0;
            byte[] zeros = new byte[(int) ALIGNMENT];
            for (int i = 0; i < payloads.size(); i++) {
                long pad = offsets.get(i) - position;
                out.write(zeros, 0, (int) pad);
                payloads.get(i).writeTo(out);
                position = offsets.get(i) + payloads.get(i).size();
            }
        }
    }

    /** Where one tensor's bytes live, already checked against the file. */
    private record Slice(Path file, String location, long offset, long length) {
    }

    private static Slice slice(TensorProto t, Path folder, Path realFolder, Map<String, Path> files) {
        String name = t.getName();
        if (t.hasRawData() || t.getFloatDataCount() + t.getInt32DataCount() + t.getInt64DataCount()
                + t.getDoubleDataCount() + t.getUint64DataCount() + t.getStringDataCount() > 0) {
            throw new BadInputException("tensor '" + name + "': expected external data only, found data stored in the model as well");
        }
        if (t.getDataType() == STRING) {
            throw new BadInputException("tensor '" + name + "': expected a numeric tensor for external data, found a string tensor");
        }
        String location = entry(t, LOCATION);
        if (location == null || location.isEmpty()) {
            throw new BadInputException("tensor '" + name + "': expected an external_data location, found none");
        }
        Path file = files.get(location);
        if (file == null) {
            file = resolve(name, location, folder, realFolder);
            files.put(location, file);
        }
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new BadInputException("tensor '" + name + "': cannot read external data file '" + location + "': " + e.getMessage());
        }
        long offset = number(t, OFFSET, 0);
        if (offset > size) {
            throw new BadInputException("tensor '" + name + "': expected an offset within '" + location + "' (" + size
                    + " bytes), found offset " + offset);
        }
        long length = number(t, LENGTH, size - offset);
        if (length > size - offset) {
            throw new BadInputException("tensor '" + name + "': expected offset + length within '" + location + "' ("
                    + size + " bytes), found offset " + offset + " + length " + length);
        }
        long expected = expectedBytes(t);
        if (expected >= 0 && expected != length) {
            throw new BadInputException("tensor '" + name + "': expected " + expected + " bytes for dims " + t.getDimsList()
                    + " of data type " + t.getDataType() + ", found external length " + length);
        }
        return new Slice(file, location, offset, length);
    }

    /** Resolves a location against the model's folder, refusing anything that leads outside it. */
    private static Path resolve(String tensor, String location, Path folder, Path realFolder) {
        String prefix = "tensor '" + tensor + "': ";
        // Backslashes count as separators too: the same model may be opened on Windows.
        String posix = location.replace('\\', '/');
        if (posix.indexOf('\0') >= 0) {
            throw new BadInputException(prefix + "expected an external_data location without NUL characters, found one");
        }
        if (posix.startsWith("/") || posix.matches("^[A-Za-z]:.*")) {
            throw new BadInputException(prefix + "expected an external_data location relative to the model's folder, found absolute '"
                    + location + "'");
        }
        Path path = folder.resolve(posix).normalize();
        if (!path.startsWith(folder)) {
            throw new BadInputException(prefix + "expected an external_data location inside the model's folder, found '"
                    + location + "' which escapes it");
        }
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            throw new BadInputException(prefix + "expected external data file '" + location + "' beside the model, found no such file in "
                    + folder);
        }
        Path real;
        try {
            real = path.toRealPath();
        } catch (IOException e) {
            throw new BadInputException(prefix + "expected external data file '" + location + "' to be readable, found: " + e);
        }
        if (!real.startsWith(realFolder)) {
            throw new BadInputException(prefix + "expected external data file '" + location
                    + "' inside the model's folder, found a symbolic link to " + real);
        }
        if (!Files.isRegularFile(real)) {
            throw new BadInputException(prefix + "expected external data '" + location + "' to be a regular file, found "
                    + (Files.isDirectory(real) ? "a directory" : "a special file"));
        }
        return real;
    }

    private static TensorProto inline(TensorProto t, Slice s, OpenFiles open) {
        // Sizes were checked against the 2 GiB model bound above, so the cast cannot truncate.
        byte[] bytes = new byte[(int) s.length];
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        try {
            FileChannel channel = open.channel(s.file);
            long position = s.offset;
            while (buffer.hasRemaining()) {
                int n = channel.read(buffer, position);
                if (n < 0) {
                    throw new BadInputException("tensor '" + t.getName() + "': expected " + s.length + " bytes at offset "
                            + s.offset + " of '" + s.location + "', found the file shorter (changed while reading?)");
                }
                position += n;
            }
        } catch (IOException e) {
            throw new BadInputException("tensor '" + t.getName() + "': cannot read external data file '" + s.location + "': " + e.getMessage());
        }
        return t.toBuilder()
                .clearExternalData()
                // Cleared rather than set to DEFAULT (0): the same meaning, and a model written with
                // external data then reads back equal to the one that was written.
                .clearDataLocation()
                // The array is ours alone and never written again, so wrapping it without a copy is safe.
                .setRawData(UnsafeByteOperations.unsafeWrap(bytes))
                .build();
    }

    /** Bytes the tensor's dims and data type call for, or -1 when the type has no fixed width. */
    private static long expectedBytes(TensorProto t) {
        int bits = bitsPerElement(t.getDataType());
        if (bits < 0) {
            return -1;
        }
        try {
            long n = Tensors.elementCount(t);
            return (Math.multiplyExact(n, bits) + 7) / 8;
        } catch (ArithmeticException e) {
            throw new BadInputException("tensor '" + t.getName() + "': expected dims whose product fits 64 bits, found " + t.getDimsList());
        }
    }

    /** Element width per {@code TensorProto.DataType} (ONNX IR spec, up to INT2 = 26); sub-byte types are packed. */
    private static int bitsPerElement(int dataType) {
        return switch (dataType) {
            case 2, 3, 9, 17, 18, 19, 20, 24 -> 8;   // uint8 int8 bool float8 (e4m3fn, e4m3fnuz, e5m2, e5m2fnuz, e8m0)
            case 4, 5, 10, 16 -> 16;                 // uint16 int16 float16 bfloat16
            case 1, 6, 12 -> 32;                     // float int32 uint32
            case 7, 11, 13, 14 -> 64;                // int64 double uint64 complex64
            case 15 -> 128;                          // complex128
            case 21, 22, 23 -> 4;                    // uint4 int4 float4e2m1
            case 25, 26 -> 2;                        // uint2 int2
            default -> -1;
        };
    }

    private static long number(TensorProto t, String key, long absent) {
        String text = entry(t, key);
        if (text == null) {
            return absent;
        }
        try {
            long value = Long.parseLong(text.trim());
            if (value >= 0) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // Reported below with the offending text.
        }
        throw new BadInputException("tensor '" + t.getName() + "': expected a non-negative integer external_data " + key
                + ", found '" + text + "'");
    }

    /** The value of one external_data key; a key given twice is ambiguous and rejected. */
    private static String entry(TensorProto t, String key) {
        String value = null;
        for (StringStringEntryProto e : t.getExternalDataList()) {
            if (e.getKey().equals(key)) {
                if (value != null) {
                    throw new BadInputException("tensor '" + t.getName() + "': expected external_data key '" + key
                            + "' once, found it twice");
                }
                value = e.getValue();
            }
        }
        return value;
    }

    private static StringStringEntryProto entry(String key, String value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }

    /** Visits every tensor a graph holds: initializers and tensor attributes, in nested subgraphs too. */
    static void forEachTensor(GraphProto graph, Consumer<TensorProto> visit) {
        graph.getInitializerList().forEach(visit);
        for (NodeProto node : graph.getNodeList()) {
            for (AttributeProto a : node.getAttributeList()) {
                if (a.hasT()) {
                    visit.accept(a.getT());
                }
                a.getTensorsList().forEach(visit);
                if (a.hasG()) {
                    forEachTensor(a.getG(), visit);
                }
                a.getGraphsList().forEach(g -> forEachTensor(g, visit));
            }
        }
    }

    /** The graph with every tensor (as {@link #forEachTensor} visits them) replaced by {@code f}'s result. */
    private static GraphProto mapTensors(GraphProto graph, UnaryOperator<TensorProto> f) {
        GraphProto.Builder g = graph.toBuilder();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            g.setInitializer(i, f.apply(g.getInitializer(i)));
        }
        for (NodeProto.Builder node : g.getNodeBuilderList()) {
            for (AttributeProto.Builder a : node.getAttributeBuilderList()) {
                if (a.hasT()) {
                    a.setT(f.apply(a.getT()));
                }
                for (int i = 0; i < a.getTensorsCount(); i++) {
                    a.setTensors(i, f.apply(a.getTensors(i)));
                }
                if (a.hasG()) {
                    a.setG(mapTensors(a.getG(), f));
                }
                for (int i = 0; i < a.getGraphsCount(); i++) {
                    a.setGraphs(i, mapTensors(a.getGraphs(i), f));
                }
            }
        }
        return g.build();
    }

    /** The graph with every initializer, in nested subgraphs too, replaced by {@code f}'s result. */
    private static GraphProto mapInitializers(GraphProto graph, UnaryOperator<TensorProto> f) {
        GraphProto.Builder g = graph.toBuilder();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            g.setInitializer(i, f.apply(g.getInitializer(i)));
        }
        for (NodeProto.Builder node : g.getNodeBuilderList()) {
            for (AttributeProto.Builder a : node.getAttributeBuilderList()) {
                if (a.hasG()) {
                    a.setG(mapInitializers(a.getG(), f));
                }
                for (int i = 0; i < a.getGraphsCount(); i++) {
                    a.setGraphs(i, mapInitializers(a.getGraphs(i), f));
                }
            }
        }
        return g.build();
    }

    /** The data files opened while loading, closed together. */
    private static final class OpenFiles implements Closeable {
        private final Map<Path, FileChannel> open = new HashMap<>();

        FileChannel channel(Path file) throws IOException {
            FileChannel c = open.get(file);
            if (c == null) {
                c = FileChannel.open(file, StandardOpenOption.READ);
                open.put(file, c);
            }
            return c;
        }

        @Override
        public void close() {
            IOException first = null;
            for (FileChannel c : open.values()) {
                try {
                    c.close();
                } catch (IOException e) {
                    first = first == null ? e : first;
                }
            }
            if (first != null) {
                throw new UncheckedIOException(first);
            }
        }
    }
}
