package io.quantpipe.jobs.evaluate;

import io.quantpipe.jobs.data.Batch;
import io.quantpipe.jobs.data.BatchIterator;
import io.quantpipe.jobs.data.TensorLayout;
import io.quantpipe.quant.eval.EvaluationState;
import io.quantpipe.quant.eval.LayerErrorState;
import io.quantpipe.quant.runtime.FloatTensor;
import io.quantpipe.quant.runtime.ModelRunner;
import io.quantpipe.quant.runtime.RunOutputs;
import io.quantpipe.quant.runtime.RunnerOptions;
import io.quantpipe.quant.runtime.SessionCache;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * One partition of the evaluation pass, on an executor: every batch is run once through the FP32
 * model and once through each candidate (sessions from {@link SessionCache}, one per executor JVM,
 * from broadcast bytes), each run timed on its own with {@link System#nanoTime()}; the logits go
 * into one {@link EvaluationState} per candidate. With per-layer models, the batch is also run
 * through the FP32 and candidate models instrumented to output the paired tensors, whose
 * activations go into a {@link LayerErrorState}. Those are separate sessions: exposing a tensor can
 * stop ONNX Runtime from fusing around it, and the headline figures must be those of the model as
 * it is deployed. Returns the partition's {@link PartialEvaluation} as its only element.
 */
final class EvaluationTask implements FlatMapFunction<Iterator<Row>, PartialEvaluation> {
    private static final long serialVersionUID = 1L;

    private final Broadcast<byte[]> fp32;
    private final ArrayList<Broadcast<byte[]>> candidates;
    private final Broadcast<byte[]> fp32Layers;
    private final Broadcast<byte[]> candidateLayers;
    private final ArrayList<String> fp32Tensors;
    private final ArrayList<String> candidateTensors;
    private final String inputName;
    private final String logitsName;
    private final int classes;
    private final TensorLayout layout;
    private final int batchSize;
    private final int intraOpThreads;
    private final boolean timed;

    /**
     * @param fp32Layers      the FP32 model instrumented to output {@code fp32Tensors}, or null for no
     *                        per-layer error
     * @param candidateLayers the compared candidate instrumented to output {@code candidateTensors}
     */
    EvaluationTask(Broadcast<byte[]> fp32, List<Broadcast<byte[]>> candidates, Broadcast<byte[]> fp32Layers,
                   Broadcast<byte[]> candidateLayers, LayerPairs pairs, String inputName, String logitsName,
                   int classes, TensorLayout layout, int batchSize, int intraOpThreads, boolean timed) {
        this.fp32 = fp32;
        this.candidates = new ArrayList<>(candidates);
        this.fp32Layers = fp32Layers;
        this.candidateLayers = candidateLayers;
        this.fp32Tensors = new ArrayList<>(pairs == null ? List.of() : pairs.fp32Tensors());
        this.candidateTensors = new ArrayList<>(pairs == null ? List.of() : pairs.candidateTensors());
        this.inputName = inputName;
        this.logitsName = logitsName;
        this.classes = classes;
        this.layout = layout;
        this.batchSize = batchSize;
        this.intraOpThreads = intraOpThreads;
        this.timed = timed;
    }

    @Override
    public Iterator<PartialEvaluation> call(Iterator<Row> rows) {
        RunnerOptions options = RunnerOptions.defaults().withIntraOpThreads(intraOpThreads);
        ModelRunner reference = SessionCache.get(fp32.value(), options);
        ModelRunner[] scored = new ModelRunner[candidates.size()];
        for (int i = 0; i < scored.length; i++) {
            scored[i] = SessionCache.get(candidates.get(i).value(), options);
        }
        boolean perLayer = fp32Layers != null;
        ModelRunner referenceLayers = perLayer ? SessionCache.get(fp32Layers.value(), options) : null;
        ModelRunner candidateLayerRunner = perLayer ? SessionCache.get(candidateLayers.value(), options) : null;

        PartialEvaluation partial = PartialEvaluation.empty(scored.length, classes);
        List<EvaluationState> states = partial.states();
        LayerErrorState layers = partial.layers();
        List<String> logits = List.of(logitsName);
        BatchIterator batches = layout.batches(rows, batchSize);
        while (batches.hasNext()) {
            Batch b = batches.next();
            Map<String, FloatTensor> feed = Map.of(inputName, FloatTensor.of(b.data(), b.shape()));
            long start = System.nanoTime();
            float[] expected = reference.run(feed, logits).values(logitsName);
            long fp32Nanos = System.nanoTime() - start;
            for (int i = 0; i < scored.length; i++) {
                start = System.nanoTime();
                float[] found = scored[i].run(feed, logits).values(logitsName);
                long nanos = System.nanoTime() - start;
                if (timed) {
                    states.get(i).add(expected, found, b.labels(), fp32Nanos, nanos);
                } else {
                    states.get(i).add(expected, found, b.labels());
                }
            }
            if (perLayer) {
                RunOutputs a = referenceLayers.run(feed, fp32Tensors);
                RunOutputs c = candidateLayerRunner.run(feed, candidateTensors);
                int n = (int) b.shape()[0];
                for (int j = 0; j < fp32Tensors.size(); j++) {
                    layers.add(fp32Tensors.get(j), a.values(fp32Tensors.get(j)), c.values(candidateTensors.get(j)), n);
                }
            }
        }
        return List.of(partial).iterator();
    }
}
