package io.quantpipe.jobs.evaluate;

import io.quantpipe.quant.eval.EvaluationState;
import io.quantpipe.quant.eval.LayerErrorState;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;

/**
 * What one partition of the evaluation pass returns, and what the driver reduces them to: one
 * {@link EvaluationState} per candidate model, in candidate order, and the per-layer error of the
 * compared candidate (empty without {@code --per-layer}). Travels as the states' own versioned bytes;
 * merging is exact, so the reduction is the same for any partitioning and merge order.
 */
final class PartialEvaluation implements Serializable {
    private static final long serialVersionUID = 1L;

    private transient EvaluationState[] states;
    private transient LayerErrorState layers;

    PartialEvaluation(EvaluationState[] states, LayerErrorState layers) {
        this.states = states;
        this.layers = layers;
    }

    /** The zero of the reduction: empty states for {@code candidates} models of {@code classes} outputs. */
    static PartialEvaluation empty(int candidates, int classes) {
        EvaluationState[] s = new EvaluationState[candidates];
        for (int i = 0; i < candidates; i++) {
            s[i] = new EvaluationState(classes);
        }
        return new PartialEvaluation(s, new LayerErrorState());
    }

    /** Adds {@code other} into this one and returns this. */
    PartialEvaluation merge(PartialEvaluation other) {
        if (other.states.length != states.length) {
            throw new IllegalArgumentException("partial evaluations of " + states.length + " and " + other.states.length
                    + " candidates cannot merge");
        }
        for (int i = 0; i < states.length; i++) {
            states[i].merge(other.states[i]);
        }
        layers.merge(other.layers);
        return this;
    }

    List<EvaluationState> states() {
        return Arrays.asList(states);
    }

    LayerErrorState layers() {
        return layers;
    }

    private void writeObject(ObjectOutputStream out) throws IOException {
        out.defaultWriteObject();
        out.writeInt(states.length);
        for (EvaluationState s : states) {
            writeBytes(out, s.toBytes());
        }
        writeBytes(out, layers.toBytes());
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        int n = in.readInt();
        states = new EvaluationState[n];
        for (int i = 0; i < n; i++) {
            states[i] = EvaluationState.fromBytes(readBytes(in));
        }
        layers = LayerErrorState.fromBytes(readBytes(in));
    }

    private static void writeBytes(ObjectOutputStream out, byte[] b) throws IOException {
        out.writeInt(b.length);
        out.write(b);
    }

    private static byte[] readBytes(ObjectInputStream in) throws IOException {
        byte[] b = new byte[in.readInt()];
        in.readFully(b);
        return b;
    }
}
