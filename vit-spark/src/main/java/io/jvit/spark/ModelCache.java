package io.jvit.spark;

import java.util.Deque;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The models of this JVM (an executor, or the driver in local mode), loaded on first use and kept for every later task,
 * keyed by what they were loaded from (path and options).
 *
 * <p>A task borrows a model and gives it back when its partition is done. A model in use is not lent twice: a
 * segmenter caches its last image's features and its XGBoost booster switches prediction paths, neither made to be
 * shared between threads, so a JVM that runs k tasks at once holds at most k copies (one per task slot; loaded once
 * each, then reused by every later task).
 */
public final class ModelCache {
    private ModelCache() {}

    private static final Map<String, Deque<Object>> IDLE = new ConcurrentHashMap<>();
    private static final Map<String, AtomicInteger> LOADS = new ConcurrentHashMap<>();

    /** A model lent to one task; closing it gives it back. */
    public static final class Lease<T> implements AutoCloseable {
        private final String key;
        private final T model;

        private Lease(String key, T model) {
            this.key = key;
            this.model = model;
        }

        public T model() {
            return model;
        }

        @Override
        public void close() {
            IDLE.get(key).addFirst(model);
        }
    }

    /** An idle model of {@code key}, or a new one from {@code loader} when every copy is in use (or none exists). */
    @SuppressWarnings("unchecked")
    public static <T> Lease<T> borrow(String key, Callable<T> loader) throws Exception {
        Object m = IDLE.computeIfAbsent(key, k -> new ConcurrentLinkedDeque<>()).pollFirst();
        if (m == null) {
            // the Vector API kernels compiled while the model loads, as ./vit does (once per JVM: executors too)
            io.jvit.core.fast.JitWarmup.start();
            m = loader.call();
            LOADS.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
        }
        return new Lease<>(key, (T) m);
    }

    /** How many times this JVM has loaded {@code key}'s model. */
    public static int loads(String key) {
        AtomicInteger n = LOADS.get(key);
        return n == null ? 0 : n.get();
    }
}
