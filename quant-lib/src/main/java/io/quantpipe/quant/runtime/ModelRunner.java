package io.quantpipe.quant.runtime;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.TensorInfo.OnnxTensorType;
import io.quantpipe.quant.BadInputException;
import io.quantpipe.quant.ConfigException;
import io.quantpipe.quant.onnx.proto.OnnxIr;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One ONNX Runtime session on one model, fed and read with float tensors.
 *
 * <p>Every call copies its outputs to the heap and closes all native tensors and the session result
 * before it returns. Inputs are checked against the model's declared names, element types and shapes
 * before ONNX Runtime sees them.
 *
 * <p>Thread safety: ONNX Runtime documents {@code OrtSession.run} as safe to call concurrently on one
 * session, so one runner serves all the tasks of an executor at once. Closing waits for calls in
 * flight; a call after closing fails with {@link IllegalStateException}.
 */
public final class ModelRunner implements AutoCloseable {
    private static final int FLOAT = 1;
    // ONNX TensorProto.DataType codes in order. ORT's Java enum carries its own numbering
    // (float = 10 there), so types are matched by name instead.
    private static final List<String> ONNX_TYPES = List.of("UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16",
            "INT32", "INT64", "STRING", "BOOL", "FLOAT16", "DOUBLE", "UINT32", "UINT64", "COMPLEX64", "COMPLEX128",
            "BFLOAT16", "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2", "FLOAT8E5M2FNUZ");

    private final OrtSession session;
    private final RunnerOptions options;
    private final List<TensorMeta> inputs;
    private final List<TensorMeta> outputs;
    private final Map<String, TensorMeta> inputsByName = new LinkedHashMap<>();
    private final Map<String, TensorMeta> outputsByName = new LinkedHashMap<>();
    private final boolean cacheOwned;
    // Runs share the read lock; close takes the write lock so it never frees a session mid-run.
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private boolean closed;
    // Output memory reused by runEach, one per calling thread (Spark runs one task per thread).
    private final ThreadLocal<OutputScratch> scratch = ThreadLocal.withInitial(OutputScratch::new);

    private ModelRunner(OrtSession session, RunnerOptions options, boolean cacheOwned) throws OrtException {
        this.session = session;
        this.options = options;
        this.cacheOwned = cacheOwned;
        this.inputs = describe(session.getInputInfo());
        this.outputs = describe(session.getOutputInfo());
        inputs.forEach(m -> inputsByName.put(m.name(), m));
        outputs.forEach(m -> outputsByName.put(m.name(), m));
    }

    /** A session on the serialized model. The bytes are not kept. */
    public static ModelRunner create(byte[] model, RunnerOptions options) {
        return open(model, options, false);
    }

    public static ModelRunner create(OnnxIr.ModelProto model, RunnerOptions options) {
        return open(model.toByteArray(), options, false);
    }

    /** A runner whose {@link #close()} does nothing: {@link SessionCache} closes it. */
    static ModelRunner createOwnedByCache(byte[] model, RunnerOptions options) {
        return open(model, options, true);
    }

    private static ModelRunner open(byte[] model, RunnerOptions options, boolean cacheOwned) {
        if (model == null || model.length == 0) {
            throw new BadInputException("model: expected ONNX protobuf bytes, found "
                    + (model == null ? "null" : "0 bytes"));
        }
        OrtEnvironment env = Ort.environment();
        OrtSession session = null;
        try (SessionOptions so = sessionOptions(options)) {
            session = env.createSession(model, so);
            return new ModelRunner(session, options, cacheOwned);
        } catch (OrtException e) {
            closeQuietly(session);
            throw new BadInputException("model: expected an ONNX model that ONNX Runtime " + env.getVersion()
                    + " can load, found: " + Ort.oneLine(e), e);
        }
    }

    private static SessionOptions sessionOptions(RunnerOptions o) throws OrtException {
        SessionOptions so = new SessionOptions();
        try {
            so.setIntraOpNumThreads(o.intraOpThreads());
            // One operator at a time: parallelism comes from Spark tasks, not from ORT.
            so.setInterOpNumThreads(1);
            so.setExecutionMode(SessionOptions.ExecutionMode.SEQUENTIAL);
            so.setOptimizationLevel(o.optimization().ortLevel);
            if (o.optimizedModelPath() != null) {
                so.setOptimizedModelFilePath(o.optimizedModelPath().toAbsolutePath().toString());
            }
            if (o.provider() == ExecutionProvider.CUDA) {
                addCuda(so, o.cudaDevice());
            }
            return so;
        } catch (OrtException | RuntimeException e) {
            so.close();
            throw e;
        }
    }

    private static void addCuda(SessionOptions so, int device) {
        if (!OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
            throw new ConfigException("execution provider 'cuda': expected an ONNX Runtime build with CUDA"
                    + " (com.microsoft.onnxruntime:onnxruntime_gpu), found providers "
                    + OrtEnvironment.getAvailableProviders());
        }
        try {
            so.addCUDA(device);
        } catch (OrtException e) {
            throw new ConfigException("execution provider 'cuda': expected CUDA device " + device
                    + " to be usable, found: " + Ort.oneLine(e));
        }
    }

    private static List<TensorMeta> describe(Map<String, NodeInfo> info) {
        List<TensorMeta> out = new ArrayList<>(info.size());
        for (NodeInfo n : info.values()) {
            if (n.getInfo() instanceof TensorInfo t) {
                out.add(new TensorMeta(n.getName(), onnxCode(t.onnxType), t.getShape()));
            } else {
                out.add(new TensorMeta(n.getName(), 0, new long[0]));
            }
        }
        return List.copyOf(out);
    }

    /** The ONNX element type code of ORT's type, 0 when ONNX has no code for it. */
    private static int onnxCode(OnnxTensorType type) {
        int code = ONNX_TYPES.indexOf(type.name().substring("ONNX_TENSOR_ELEMENT_DATA_TYPE_".length()));
        return Math.max(code, 0);
    }

    public RunnerOptions options() {
        return options;
    }

    /** Graph inputs that must be fed (initializers excluded), in graph order. */
    public List<TensorMeta> inputs() {
        return inputs;
    }

    /** Graph outputs, in graph order. */
    public List<TensorMeta> outputs() {
        return outputs;
    }

    public List<String> inputNames() {
        return List.copyOf(inputsByName.keySet());
    }

    public List<String> outputNames() {
        return List.copyOf(outputsByName.keySet());
    }

    /** Runs a single-input model and returns every output. */
    public RunOutputs run(String inputName, float[] data, long[] shape) {
        return run(Map.of(inputName, FloatTensor.of(data, shape)), outputsByName.keySet());
    }

    /**
     * Runs a single-input model and returns every output. A direct buffer in native byte order is
     * handed to ONNX Runtime without a copy; a heap buffer is copied once.
     */
    public RunOutputs run(String inputName, FloatBuffer data, long[] shape) {
        return run(Map.of(inputName, FloatTensor.of(data, shape)), outputsByName.keySet());
    }

    /** Runs the model on every input it declares and returns every output. */
    public RunOutputs run(Map<String, FloatTensor> feeds) {
        return run(feeds, outputsByName.keySet());
    }

    /** Runs the model and returns only the named outputs, in the order given. */
    public RunOutputs run(Map<String, FloatTensor> feeds, Collection<String> outputNames) {
        lock.readLock().lock();
        try {
            checkOpen();
            checkFeeds(feeds);
            LinkedHashSet<String> wanted = checkOutputs(outputNames);
            OrtEnvironment env = Ort.environment();
            try (NativeInputs in = nativeInputs(env, feeds); OrtSession.Result result = session.run(in.tensors, wanted)) {
                return copy(result, wanted);
            } catch (OrtException e) {
                throw new BadInputException("model run: expected inputs ONNX Runtime accepts for " + feeds
                        + ", found: " + Ort.oneLine(e), e);
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Runs the model and hands each named output, in the order given, to {@code consumer} as a view
     * into memory this thread reuses (see {@link OutputConsumer}). The first call for an input shape
     * reads outputs like {@link #run}; later calls with the same input shapes let ONNX Runtime write
     * into reused direct buffers (pinned outputs) that the consumer reads in place: batches allocate
     * no per-output arrays and copy nothing.
     */
    public void runEach(Map<String, FloatTensor> feeds, Collection<String> outputNames, OutputConsumer consumer) {
        lock.readLock().lock();
        try {
            checkOpen();
            checkFeeds(feeds);
            LinkedHashSet<String> wanted = checkOutputs(outputNames);
            OutputScratch s = scratch.get();
            long[] key = inputKey(feeds);
            OrtEnvironment env = Ort.environment();
            try (NativeInputs in = nativeInputs(env, feeds)) {
                Map<String, long[]> known = s.shapesFor(key);
                if (known != null && known.keySet().equals(wanted)) {
                    try {
                        runPinned(env, in, feeds, wanted, known, s, consumer);
                        return;
                    } catch (OrtException e) {
                        // Output shapes that depend on values, not only on input shapes: read unpinned.
                        s.forget(key);
                    }
                }
                try (OrtSession.Result result = session.run(in.tensors, wanted)) {
                    LinkedHashMap<String, long[]> shapes = new LinkedHashMap<>();
                    boolean allFloat = true;
                    for (String name : wanted) {
                        OnnxTensor t = floatOutput(result, name);
                        long[] shape = t.getInfo().getShape();
                        // getFloatBuffer copies (widening fp16/bf16); null for other element types.
                        FloatBuffer fb = t.getFloatBuffer();
                        if (fb == null) {
                            throw new BadInputException("output '" + name + "': expected a float tensor, found "
                                    + t.getInfo().type);
                        }
                        allFloat &= t.getInfo().type == OnnxJavaType.FLOAT;
                        shapes.put(name, shape);
                        consumer.accept(name, fb, shape.clone());
                    }
                    if (allFloat) {
                        s.remember(key, shapes);
                    }
                }
            } catch (OrtException e) {
                throw new BadInputException("model run: expected inputs ONNX Runtime accepts for " + feeds
                        + ", found: " + Ort.oneLine(e), e);
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    private void runPinned(OrtEnvironment env, NativeInputs in, Map<String, FloatTensor> feeds, Set<String> wanted,
            Map<String, long[]> shapes, OutputScratch s, OutputConsumer consumer) throws OrtException {
        Map<String, OnnxTensor> pinned = new LinkedHashMap<>();
        Map<String, FloatBuffer> buffers = new LinkedHashMap<>();
        // A graph input exposed as an output is its feed: handed over from the feed itself, not asked
        // of ONNX Runtime (which would copy it, and refuses it as a pinned output).
        try {
            for (String name : wanted) {
                if (inputsByName.containsKey(name)) {
                    continue;
                }
                long[] shape = shapes.get(name);
                FloatBuffer b = s.direct(name, elementCount(shape));
                buffers.put(name, b);
                pinned.put(name, OnnxTensor.createTensor(env, b, shape));
            }
            if (pinned.isEmpty()) { // nothing to compute: every output is an input
                for (String name : wanted) {
                    consumer.accept(name, feeds.get(name).buffer(), shapes.get(name).clone());
                }
                return;
            }
            try (OrtSession.Result result = session.run(in.tensors, pinned)) {
                for (String name : wanted) {
                    FloatBuffer b = buffers.get(name);
                    consumer.accept(name, b != null ? b : feeds.get(name).buffer(), shapes.get(name).clone());
                }
            }
        } finally {
            OnnxValue.close(pinned);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("model runner: expected an open session, found it closed");
        }
    }

    /** The feeds as native tensors, closed with the returned holder (also when one fails). */
    private NativeInputs nativeInputs(OrtEnvironment env, Map<String, FloatTensor> feeds) throws OrtException {
        NativeInputs in = new NativeInputs();
        try {
            for (Map.Entry<String, FloatTensor> f : feeds.entrySet()) {
                in.put(f.getKey(), inputTensor(env, f.getKey(), f.getValue()));
            }
            return in;
        } catch (OrtException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    /**
     * The native tensor of one feed. A heap buffer is copied into this thread's reused direct
     * buffer for the input: ONNX Runtime would otherwise copy it into a fresh direct buffer per run,
     * native memory that is only freed when a garbage collection gets to it (so the fewer the
     * collections, the more of it piles up over a long pass).
     */
    private OnnxTensor inputTensor(OrtEnvironment env, String name, FloatTensor feed) throws OrtException {
        FloatBuffer data = feed.buffer();
        if (!data.isDirect() || data.order() != java.nio.ByteOrder.nativeOrder()) {
            FloatBuffer reused = scratch.get().input(name, data.remaining());
            reused.put(0, data, data.position(), data.remaining());
            data = reused;
        }
        return OnnxTensor.createTensor(env, data, feed.shape());
    }

    /** Every feed's rank and dimensions in one array: equal keys mean equal input shapes. */
    private static long[] inputKey(Map<String, FloatTensor> feeds) {
        int size = 0;
        for (FloatTensor t : feeds.values()) {
            size += 1 + t.shape().length;
        }
        long[] key = new long[size];
        int i = 0;
        for (FloatTensor t : feeds.values()) {
            long[] shape = t.shape();
            key[i++] = shape.length;
            for (long d : shape) {
                key[i++] = d;
            }
        }
        return key;
    }

    private static OnnxTensor floatOutput(OrtSession.Result result, String name) {
        OnnxValue v = result.get(name).orElseThrow(() ->
                new BadInputException("output '" + name + "': expected ONNX Runtime to return it, found nothing"));
        if (!(v instanceof OnnxTensor t)) {
            throw new BadInputException("output '" + name + "': expected a tensor, found " + v.getType());
        }
        return t;
    }

    private static int elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return Math.toIntExact(n);
    }

    private void checkFeeds(Map<String, FloatTensor> feeds) {
        if (feeds == null || !feeds.keySet().equals(inputsByName.keySet())) {
            throw new ConfigException("model inputs: expected " + inputsByName.keySet() + ", found "
                    + (feeds == null ? "null" : feeds.keySet()));
        }
        for (Map.Entry<String, FloatTensor> f : feeds.entrySet()) {
            TensorMeta meta = inputsByName.get(f.getKey());
            long[] shape = f.getValue().shape();
            if (meta.elementType() != FLOAT) {
                throw new BadInputException("input '" + meta.name() + "': expected the model to declare float (type 1),"
                        + " found type " + meta.elementType());
            }
            long count = 1;
            for (long d : shape) {
                if (d < 0) {
                    throw new BadInputException("input '" + meta.name() + "': expected non-negative dimensions, found "
                            + Arrays.toString(shape));
                }
                count = Math.multiplyExact(count, d);
            }
            if (count != f.getValue().size()) {
                throw new BadInputException("input '" + meta.name() + "': shape " + Arrays.toString(shape) + " needs "
                        + count + " elements, found " + f.getValue().size());
            }
            long[] declared = meta.shape();
            // An empty declared shape is a scalar or an unknown rank; ORT checks those itself.
            if (declared.length > 0 && !fits(declared, shape)) {
                throw new BadInputException("input '" + meta.name() + "': expected shape " + Arrays.toString(declared)
                        + " (-1 = any), found " + Arrays.toString(shape));
            }
        }
    }

    private static boolean fits(long[] declared, long[] shape) {
        if (declared.length != shape.length) {
            return false;
        }
        for (int i = 0; i < shape.length; i++) {
            if (declared[i] >= 0 && declared[i] != shape[i]) {
                return false;
            }
        }
        return true;
    }

    private LinkedHashSet<String> checkOutputs(Collection<String> names) {
        if (names == null || names.isEmpty()) {
            throw new ConfigException("model outputs: expected at least one of " + outputsByName.keySet() + ", found none");
        }
        LinkedHashSet<String> wanted = new LinkedHashSet<>(names);
        for (String n : wanted) {
            if (!outputsByName.containsKey(n)) {
                throw new ConfigException("output '" + n + "': expected one of " + outputsByName.keySet()
                        + " (expose intermediate tensors with IntermediateOutputs), found none");
            }
        }
        return wanted;
    }

    private static RunOutputs copy(OrtSession.Result result, Collection<String> wanted) {
        LinkedHashMap<String, FloatTensor> out = new LinkedHashMap<>();
        for (String name : wanted) {
            OnnxValue v = result.get(name).orElseThrow(() ->
                    new BadInputException("output '" + name + "': expected ONNX Runtime to return it, found nothing"));
            if (!(v instanceof OnnxTensor t)) {
                throw new BadInputException("output '" + name + "': expected a tensor, found " + v.getType());
            }
            // getFloatBuffer copies into a heap buffer (widening fp16/bf16); null for other types.
            FloatBuffer fb = t.getFloatBuffer();
            if (fb == null) {
                throw new BadInputException("output '" + name + "': expected a float tensor, found "
                        + t.getInfo().type);
            }
            float[] values;
            if (fb.hasArray() && fb.arrayOffset() == 0 && fb.array().length == fb.remaining()) {
                values = fb.array();
            } else {
                values = new float[fb.remaining()];
                fb.get(values);
            }
            out.put(name, FloatTensor.of(values, t.getInfo().getShape()));
        }
        return new RunOutputs(out);
    }

    /** Closes the session. Waits for calls in flight; idempotent; does nothing on a cached runner. */
    @Override
    public void close() {
        if (!cacheOwned) {
            closeSession();
        }
    }

    void closeSession() {
        lock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                session.close();
            }
        } catch (OrtException e) {
            throw new IllegalStateException("model runner: could not close the ONNX Runtime session: " + Ort.oneLine(e), e);
        } finally {
            lock.writeLock().unlock();
        }
    }

    public boolean isClosed() {
        lock.readLock().lock();
        try {
            return closed;
        } finally {
            lock.readLock().unlock();
        }
    }

    private static void closeQuietly(OrtSession s) {
        if (s != null) {
            try {
                s.close();
            } catch (OrtException ignored) {
                // Already failing with the more useful error.
            }
        }
    }

    /** The native input tensors of one call, closed together however the call ends. */
    private static final class NativeInputs implements AutoCloseable {
        final Map<String, OnnxTensor> tensors = new LinkedHashMap<>();

        void put(String name, OnnxTensor t) {
            tensors.put(name, t);
        }

        @Override
        public void close() {
            OnnxValue.close(tensors);
        }
    }
}
