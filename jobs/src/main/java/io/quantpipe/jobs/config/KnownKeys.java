package io.quantpipe.jobs.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.quantpipe.quant.ConfigException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The keys {@code reference.conf} defines. A user key outside them is an error naming the key and,
 * when one is near (a typo, a missing {@code quantpipe.} prefix), the known key it probably meant.
 */
final class KnownKeys {
    /** Objects whose children are free-form (Spark property names). */
    static final Set<String> FREE_FORM = Set.of("quantpipe.spark.conf");

    private final Config reference;
    private final List<String> leaves;

    KnownKeys(Config reference) {
        this.reference = reference;
        this.leaves = leafPaths(reference.root());
    }

    /** Every known key, sorted, as a path expression. */
    List<String> all() {
        return leaves;
    }

    /** Throws a ConfigException for the first key of {@code layer} that reference.conf does not define. */
    void check(Config layer, String source) {
        for (String path : leafPaths(layer.root())) {
            if (!isKnown(path)) {
                throw new ConfigException("unknown configuration key '" + path + "' (from " + source + ")"
                        + suggestion(path));
            }
        }
    }

    private boolean isKnown(String path) {
        List<String> segments = ConfigUtil.splitPath(path);
        StringBuilder prefix = new StringBuilder();
        for (int i = 0; i < segments.size(); i++) {
            if (i > 0) {
                prefix.append('.');
            }
            prefix.append(ConfigUtil.joinPath(segments.get(i)));
            String p = prefix.toString();
            if (FREE_FORM.contains(p) && i < segments.size() - 1) {
                return true;
            }
            if (!reference.hasPathOrNull(p)) {
                return false;
            }
            boolean last = i == segments.size() - 1;
            if (!last && reference.getValue(p).valueType() != ConfigValueType.OBJECT) {
                return false; // a known scalar has no children
            }
        }
        return true;
    }

    private String suggestion(String path) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : leaves) {
            int d = Math.min(Levenshtein.distance(path, candidate),
                    Levenshtein.distance("quantpipe." + path, candidate));
            if (d < bestDistance) {
                bestDistance = d;
                best = candidate;
            }
        }
        int tolerance = Math.max(2, path.length() / 4);
        if (best != null && bestDistance <= tolerance) {
            return "; did you mean '" + best + "'?";
        }
        return "; the known keys are listed in conf/quantpipe.conf";
    }

    /** Paths of the leaves under {@code root}: scalars, lists, nulls and empty objects. */
    static List<String> leafPaths(ConfigObject root) {
        List<String> out = new ArrayList<>();
        collect(root, "", out);
        out.sort(null);
        return out;
    }

    private static void collect(ConfigObject object, String prefix, List<String> out) {
        for (Map.Entry<String, ConfigValue> e : object.entrySet()) {
            String path = prefix.isEmpty() ? ConfigUtil.joinPath(e.getKey())
                    : prefix + "." + ConfigUtil.joinPath(e.getKey());
            ConfigValue v = e.getValue();
            if (v instanceof ConfigObject child && !child.isEmpty() && !FREE_FORM.contains(path)) {
                collect(child, path, out);
            } else if (v instanceof ConfigObject child && FREE_FORM.contains(path) && !child.isEmpty()) {
                for (String key : child.keySet()) {
                    out.add(path + "." + ConfigUtil.joinPath(key));
                }
            } else {
                out.add(path);
            }
        }
    }
}
