package io.quantpipe.quant.runtime;

import io.quantpipe.quant.ConfigException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The outputs of one {@link ModelRunner} call, by name, in the order they were requested. Every value
 * lives on the Java heap: no native memory outlives the call.
 */
public final class RunOutputs {
    private final Map<String, FloatTensor> byName;

    RunOutputs(LinkedHashMap<String, FloatTensor> byName) {
        this.byName = Collections.unmodifiableMap(byName);
    }

    public Set<String> names() {
        return byName.keySet();
    }

    public int size() {
        return byName.size();
    }

    public FloatTensor get(String name) {
        FloatTensor t = byName.get(name);
        if (t == null) {
            throw new ConfigException("output '" + name + "': expected one of " + byName.keySet() + ", found none");
        }
        return t;
    }

    /** The output's values, not copied (see {@link FloatTensor#values()}). */
    public float[] values(String name) {
        return get(name).values();
    }

    public long[] shape(String name) {
        return get(name).shape();
    }

    public Map<String, FloatTensor> asMap() {
        return byName;
    }
}
