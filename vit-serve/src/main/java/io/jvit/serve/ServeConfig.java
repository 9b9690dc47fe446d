package io.jvit.serve;

import io.jvit.core.fast.FastViT;
import java.nio.file.Path;
import java.util.Map;

/**
 * What a server offers and its limits.
 *
 * @param sources    the ViT feature sources by name, in the page's order (e.g. teacher, student); empty: classical only
 * @param images     a folder whose images the page may open and segment (null: none)
 * @param maxUpload  the largest request body accepted, bytes (larger: 413)
 * @param cacheBytes the memory the cached features may hold (least recently used evicted first)
 * @param threads    compute threads of each request (feature extraction and the classifier)
 * @param imageBytes the memory the open images may hold with their latest results (beyond it the least recently used
 *                   image is closed)
 */
public record ServeConfig(
        Map<String, FastViT> sources, Path images, long maxUpload, long cacheBytes, int threads, long imageBytes) {
    /** Open images bounded by a third of the heap. */
    public ServeConfig(Map<String, FastViT> sources, Path images, long maxUpload, long cacheBytes, int threads) {
        this(
                sources,
                images,
                maxUpload,
                cacheBytes,
                threads,
                Runtime.getRuntime().maxMemory() / 3);
    }

    public ServeConfig {
        sources = java.util.Collections.unmodifiableMap(
                new java.util.LinkedHashMap<>(sources)); // keeps the caller's order
        if (maxUpload < 1) throw new IllegalArgumentException("the upload limit must be positive, got " + maxUpload);
        if (cacheBytes < 0)
            throw new IllegalArgumentException("the feature cache bound must be >= 0, got " + cacheBytes);
        if (threads < 1) throw new IllegalArgumentException("thread count must be >= 1, got " + threads);
        if (imageBytes < 1)
            throw new IllegalArgumentException("the open images' memory bound must be positive, got " + imageBytes);
    }

    /** "256MB", "1g", "512k", "1000": a byte count for --max-upload. */
    public static long parseSize(String s) {
        var m = java.util.regex.Pattern.compile("(?i)\\s*(\\d+)\\s*([kmg]?)b?\\s*")
                .matcher(s);
        if (!m.matches())
            throw new IllegalArgumentException("a size like 256MB, 1GB or 500k expected, got '" + s + "'");
        long v = Long.parseLong(m.group(1));
        int shift = switch (m.group(2).toLowerCase(java.util.Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            default -> 0;
        };
        if (v > (Long.MAX_VALUE >> shift)) throw new IllegalArgumentException("size too large: " + s);
        return v << shift;
    }
}
