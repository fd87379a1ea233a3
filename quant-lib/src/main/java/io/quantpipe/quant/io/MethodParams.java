package io.quantpipe.quant.io;

import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Parameters of a calibration method, e.g. {@code {"percentile": 99.99}} or
 * {@code {"divergence": "kl"}}: names in sorted order, each value a {@code String} or a
 * {@code Double}, as JSON has only one number type.
 *
 * <p>Integers are stored as doubles (exact up to 2^53). A {@code Float} is taken by its decimal
 * text ({@code 99.99f} becomes {@code 99.99}, not {@code 99.98999786376953}), since that is what
 * the user wrote. Values must be finite; names must not clash with the scale table's columns,
 * because {@code scales.json} writes parameters as keys of the row.
 */
public final class MethodParams implements Iterable<Map.Entry<String, Object>> {
    private static final MethodParams NONE = new MethodParams(new TreeMap<>());

    private final SortedMap<String, Object> values;

    private MethodParams(TreeMap<String, Object> values) {
        this.values = Collections.unmodifiableSortedMap(values);
    }

    /** No parameters. */
    public static MethodParams none() {
        return NONE;
    }

    public static MethodParams of(String name, Object value) {
        return NONE.with(name, value);
    }

    public static MethodParams of(String name1, Object value1, String name2, Object value2) {
        return NONE.with(name1, value1).with(name2, value2);
    }

    /** Parameters from a map of names to strings and numbers. */
    public static MethodParams of(Map<String, ?> values) {
        TreeMap<String, Object> copy = new TreeMap<>();
        values.forEach((name, value) -> copy.put(checkName(name), normalise(name, value)));
        return new MethodParams(copy);
    }

    /** These parameters plus {@code name = value} (replacing an earlier value of that name). */
    public MethodParams with(String name, Object value) {
        TreeMap<String, Object> copy = new TreeMap<>(values);
        copy.put(checkName(name), normalise(name, value));
        return new MethodParams(copy);
    }

    /** Names to values ({@code String} or {@code Double}), sorted by name. */
    public SortedMap<String, Object> asMap() {
        return values;
    }

    public boolean isEmpty() {
        return values.isEmpty();
    }

    public int size() {
        return values.size();
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }

    /** The numeric parameter {@code name}. */
    public double number(String name) {
        if (values.get(name) instanceof Double d) {
            return d;
        }
        throw new IllegalArgumentException("expected a numeric parameter '" + name + "', found " + describe(name));
    }

    /** The text parameter {@code name}. */
    public String text(String name) {
        if (values.get(name) instanceof String s) {
            return s;
        }
        throw new IllegalArgumentException("expected a text parameter '" + name + "', found " + describe(name));
    }

    @Override
    public Iterator<Map.Entry<String, Object>> iterator() {
        return values.entrySet().iterator();
    }

    /** A stable text form, {@code name=value,...} in name order; used to order rows. */
    String canonical() {
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, Object> e : values.entrySet()) {
            if (out.length() > 0) {
                out.append(',');
            }
            out.append(e.getKey()).append('=').append(e.getValue());
        }
        return out.toString();
    }

    private String describe(String name) {
        Object v = values.get(name);
        return v == null ? "none" : v.getClass().getSimpleName() + " " + v;
    }

    private static String checkName(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a method parameter needs a non-empty name");
        }
        if (ScaleColumns.ALL.contains(name)) {
            throw new IllegalArgumentException("method parameter '" + name + "' clashes with a scale table column");
        }
        return name;
    }

    private static Object normalise(String name, Object value) {
        double d;
        if (value instanceof String s) {
            return s;
        } else if (value instanceof Float f) {
            d = Double.parseDouble(Float.toString(f));
        } else if (value instanceof Double x) {
            d = x;
        } else if (value instanceof Long || value instanceof Integer || value instanceof Short
                || value instanceof Byte) {
            long l = ((Number) value).longValue();
            d = l;
            if ((long) d != l || Math.abs(l) > (1L << 53)) {
                throw new IllegalArgumentException("method parameter '" + name + "' = " + l
                        + " is not exactly representable as a double");
            }
        } else {
            throw new IllegalArgumentException("method parameter '" + name
                    + "' must be a String or a number, found " + (value == null ? "null" : value.getClass().getName()));
        }
        if (!Double.isFinite(d)) {
            throw new IllegalArgumentException("method parameter '" + name + "' must be finite, found " + d);
        }
        return d;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MethodParams p && p.values.equals(values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
