package io.jvit.serve;

import io.jvit.segment.Segmenter;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/**
 * Per-pixel features by image and recipe, bounded by memory: an interactive session retrains after every stroke,
 * and the features (the filter bank, a ViT forward pass) cost far more than the classifier. Least recently used
 * entries go first once the bound is passed; the entry just computed always stays, so a single image larger than the
 * bound still retrains without recomputing. Concurrent requests for the same key compute it once.
 */
final class FeatureCache {
    /** @param image the image's id; @param source the ViT source ("" for classical features) */
    record Key(String image, Segmenter.FeatureSet features, String source, int pca, int flatField) {}

    private final long bound;
    private final LinkedHashMap<Key, CompletableFuture<Segmenter.Prepared>> entries =
            new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;

    FeatureCache(long bound) {
        this.bound = bound;
    }

    /** The cached features of {@code key}, or {@code compute}'s (on this thread) when absent. */
    Segmenter.Prepared get(Key key, Supplier<Segmenter.Prepared> compute) {
        CompletableFuture<Segmenter.Prepared> f, mine = null;
        synchronized (this) {
            f = entries.get(key);
            if (f == null) entries.put(key, f = mine = new CompletableFuture<>());
        }
        if (mine != null) {
            try {
                Segmenter.Prepared p = compute.get();
                mine.complete(p);
                synchronized (this) {
                    if (entries.get(key) == mine) {
                        bytes += p.bytes();
                        evict(key);
                    }
                }
            } catch (RuntimeException | Error e) {
                synchronized (this) {
                    entries.remove(key, mine);
                }
                mine.completeExceptionally(e);
                throw e;
            }
        }
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for features", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Forgets every entry of an image (deleted). */
    synchronized void removeImage(String image) {
        for (Iterator<Map.Entry<Key, CompletableFuture<Segmenter.Prepared>>> it =
                        entries.entrySet().iterator();
                it.hasNext(); ) {
            var e = it.next();
            if (e.getKey().image().equals(image)) {
                bytes -= size(e.getValue());
                it.remove();
            }
        }
    }

    synchronized long bytes() {
        return bytes;
    }

    synchronized int size() {
        return entries.size();
    }

    synchronized boolean contains(Key key) {
        return entries.containsKey(key);
    }

    /** Drops least recently used, finished entries other than {@code keep} until within the bound. */
    private void evict(Key keep) {
        for (Iterator<Map.Entry<Key, CompletableFuture<Segmenter.Prepared>>> it =
                        entries.entrySet().iterator();
                it.hasNext() && bytes > bound; ) {
            var e = it.next();
            if (e.getKey().equals(keep) || !e.getValue().isDone()) continue;
            bytes -= size(e.getValue());
            it.remove();
        }
    }

    private static long size(CompletableFuture<Segmenter.Prepared> f) {
        return f.isDone() && !f.isCompletedExceptionally() ? f.join().bytes() : 0;
    }
}
