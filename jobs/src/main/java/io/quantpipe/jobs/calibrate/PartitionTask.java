package io.quantpipe.jobs.calibrate;

import io.quantpipe.jobs.data.Batch;
import io.quantpipe.jobs.data.BatchIterator;
import io.quantpipe.jobs.data.TensorEncoding;
import io.quantpipe.jobs.data.TensorLayout;
import io.quantpipe.quant.calibrate.ActivationObserver;
import io.quantpipe.quant.observe.CalibrationState;
import io.quantpipe.quant.observe.ObserverConfig;
import io.quantpipe.quant.observe.TensorStats;
import io.quantpipe.quant.runtime.ModelRunner;
import io.quantpipe.quant.runtime.RunnerOptions;
import io.quantpipe.quant.runtime.SessionCache;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One partition of the calibration pass, on an executor: runs the broadcast model (one ONNX Runtime
 * session per executor JVM, from {@link SessionCache}) over the partition's rows in batches and
 * folds every calibrated tensor of every batch into one {@link CalibrationState}, which it returns
 * as the partition's only element. No activation outlives its batch.
 *
 * <p>Without observers ({@code tensors} empty) the task is the same pass doing plain FP32 inference:
 * the baseline the calibration overhead is measured against.
 */
final class PartitionTask implements FlatMapFunction<Iterator<Row>, PartialCalibration> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(PartitionTask.class);
    /** The observe path is logged once per JVM: it is the same for every task the JVM runs. */
    private static final AtomicBoolean PATH_LOGGED = new AtomicBoolean();

    private final Broadcast<byte[]> model;
    private final String inputName;
    private final ArrayList<String> tensors;
    private final int binsPerSide;
    private final TensorLayout layout;
    private final int batchSize;
    private final int intraOpThreads;
    private final FaultInjection faults;

    /**
     * @param model    the model bytes: instrumented to output {@code tensors}, or the plain model
     *                 when {@code tensors} is empty
     * @param layout   how to read a row, with the model's per-row input shape
     */
    PartitionTask(Broadcast<byte[]> model, String inputName, List<String> tensors, int binsPerSide,
                  TensorLayout layout, int batchSize, int intraOpThreads, FaultInjection faults) {
        this.model = model;
        this.inputName = inputName;
        this.tensors = new ArrayList<>(tensors);
        this.binsPerSide = binsPerSide;
        this.layout = layout;
        this.batchSize = batchSize;
        this.intraOpThreads = intraOpThreads;
        this.faults = faults;
    }

    @Override
    public Iterator<PartialCalibration> call(Iterator<Row> rows) {
        TaskContext task = TaskContext.get();
        int partition = task == null ? 0 : task.partitionId();
        int attempt = task == null ? 0 : task.attemptNumber();
        ModelRunner runner = SessionCache.get(model.value(), RunnerOptions.defaults().withIntraOpThreads(intraOpThreads));

        long failAfter = -1;
        long buffered = -1;
        if (faults.targets(partition, attempt)) {
            // Test only: the partition's size is needed to fail half-way, so its rows are held.
            List<Row> all = new ArrayList<>();
            rows.forEachRemaining(all::add);
            buffered = all.size();
            failAfter = (buffered + 1) / 2;
            rows = all.iterator();
        }

        ActivationObserver observer = tensors.isEmpty() ? null
                : new ActivationObserver(runner, inputName, tensors, new ObserverConfig(binsPerSide, -1, false));
        if (observer != null && PATH_LOGGED.compareAndSet(false, true)) {
            LOG.info("calibrate: observing with {} on this JVM", TensorStats.observePath());
        }
        CalibrationState state = new CalibrationState();
        boolean floatInput = layout.encoding() != TensorEncoding.UINT8;
        TaskProgress progress = new TaskProgress(partition, attempt);
        BatchIterator batches = layout.batches(rows, batchSize);
        long nonFiniteRows = 0;
        while (batches.hasNext()) {
            Batch b = batches.next();
            if (floatInput) {
                nonFiniteRows += nonFiniteRows(b.data(), layout.elements());
            }
            if (observer != null) {
                observer.observe(b.data(), b.shape(), state);
            } else {
                runner.run(inputName, b.data(), b.shape());
            }
            progress.add(b.size());
            if (failAfter >= 0 && batches.rowsRead() >= failAfter) {
                throw faults.failure(partition, batches.rowsRead(), buffered);
            }
        }
        progress.done();
        return List.of(PartialCalibration.ofPartition(state, batches.rowsRead(), nonFiniteRows,
                batches.nonFiniteCount())).iterator();
    }

    /** Rows of {@code elements} values holding at least one NaN or infinity. */
    static long nonFiniteRows(float[] data, int elements) {
        long rows = 0;
        for (int from = 0; from < data.length; from += elements) {
            for (int i = from, end = from + elements; i < end; i++) {
                if (!Float.isFinite(data[i])) {
                    rows++;
                    break;
                }
            }
        }
        return rows;
    }
}
