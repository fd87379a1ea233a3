package io.quantpipe.quant.runtime;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One {@link ModelRunner} per model and options per JVM, the way Spark executors should hold them:
 * tasks of one executor share the session (ORT sessions are safe to run concurrently) instead of
 * each paying for session creation and its memory.
 *
 * <p>Keyed by the SHA-256 of the model bytes and the {@link RunnerOptions}. Creation is lazy and
 * happens once per key even when many threads ask at the same time; other keys are not held up.
 * Runners returned from here ignore {@code close()}; {@link #closeAll()} or JVM shutdown closes them.
 * Model bytes must not be modified after they are handed in: the digest of an array is remembered.
 */
public final class SessionCache {
    private static final ConcurrentHashMap<Key, Slot> SLOTS = new ConcurrentHashMap<>();
    // byte[] compares by identity, so this is a weak identity map: broadcast bytes are hashed once.
    private static final Map<byte[], String> DIGESTS = Collections.synchronizedMap(new WeakHashMap<>());
    private static final AtomicBoolean HOOKED = new AtomicBoolean();

    private SessionCache() {
    }

    /** The shared runner for these bytes with default options. */
    public static ModelRunner get(byte[] model) {
        return get(model, RunnerOptions.defaults());
    }

    /** The shared runner for these bytes and options, created on first use. */
    public static ModelRunner get(byte[] model, RunnerOptions options) {
        if (HOOKED.compareAndSet(false, true)) {
            Runtime.getRuntime().addShutdownHook(new Thread(SessionCache::closeAll, "quantpipe-session-cache-close"));
        }
        Key key = new Key(digest(model), options);
        while (true) {
            Slot slot = SLOTS.computeIfAbsent(key, k -> new Slot());
            ModelRunner runner;
            try {
                runner = slot.runner(model, options);
            } catch (RuntimeException e) {
                SLOTS.remove(key, slot);
                throw e;
            }
            if (runner != null) {
                return runner;
            }
            // The slot was retired by closeAll() between lookup and creation: take a fresh one.
        }
    }

    /** Sessions currently open in the cache. */
    public static int size() {
        return (int) SLOTS.values().stream().filter(Slot::isOpen).count();
    }

    /** Closes and forgets every cached session; the next {@link #get} creates a fresh one. */
    public static void closeAll() {
        List<Slot> slots = new ArrayList<>();
        for (Key k : List.copyOf(SLOTS.keySet())) {
            Slot s = SLOTS.remove(k);
            if (s != null) {
                slots.add(s);
            }
        }
        slots.forEach(Slot::close);
    }

    /** Lower-case hex SHA-256 of the model bytes. */
    static String digest(byte[] model) {
        if (model == null) {
            throw new IllegalArgumentException("model bytes must be given, found null");
        }
        String d = DIGESTS.get(model);
        if (d == null) {
            try {
                d = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(model));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is required of every Java platform, found it missing", e);
            }
            DIGESTS.put(model, d);
        }
        return d;
    }

    private record Key(String sha256, RunnerOptions options) {
    }

    /** Holds one runner, created by the first caller while later callers for the same key wait. */
    private static final class Slot {
        private ModelRunner runner;
        private boolean retired;

        /** The runner, or null once the slot is retired. */
        synchronized ModelRunner runner(byte[] model, RunnerOptions options) {
            if (retired) {
                return null;
            }
            if (runner == null) {
                runner = ModelRunner.createOwnedByCache(model, options);
            }
            return runner;
        }

        synchronized boolean isOpen() {
            return runner != null && !runner.isClosed();
        }

        synchronized void close() {
            retired = true;
            if (runner != null) {
                runner.closeSession();
            }
        }
    }
}
