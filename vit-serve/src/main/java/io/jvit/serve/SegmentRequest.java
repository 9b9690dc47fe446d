package io.jvit.serve;

import com.fasterxml.jackson.databind.JsonNode;
import io.jvit.segment.PixelClassifier;
import io.jvit.segment.Segmenter;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * The options of {@code POST /api/images/{id}/segment}, checked before any work; the names and defaults are
 * {@code ./vit segment}'s ({@code features}: both when a ViT source is served, else classical; {@code classifier}
 * xgboost; {@code pca} 9; {@code seed} 0), {@code source} picks the served ViT (default: the first).
 */
record SegmentRequest(
        Segmenter.FeatureSet features, String source, PixelClassifier.Kind classifier, int pca, long seed) {
    static final Set<String> FIELDS = Set.of("features", "source", "classifier", "pca", "seed");

    static SegmentRequest parse(JsonNode o, Map<String, ?> sources) {
        if (o == null || o.isMissingNode() || o.isNull())
            o = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        if (!o.isObject()) throw ApiException.badRequest("the segment options must be a JSON object");
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f))
                throw ApiException.badRequest(
                        "unknown option \"" + f + "\" (known: features, source, classifier, pca, seed)");
        }
        Segmenter.FeatureSet set = sources.isEmpty() ? Segmenter.FeatureSet.CLASSICAL : Segmenter.FeatureSet.BOTH;
        if (o.has("features")) set = parse(o, "features", Segmenter.FeatureSet::parse);
        PixelClassifier.Kind kind = o.has("classifier")
                ? parse(o, "classifier", PixelClassifier.Kind::parse)
                : PixelClassifier.Kind.XGBOOST;
        String source = "";
        if (set != Segmenter.FeatureSet.CLASSICAL) {
            if (sources.isEmpty())
                throw ApiException.badRequest(
                        "features " + name(set)
                                + " need a ViT, and this server has none (start it with --weights, or without to get the embedded ones)");
            source = o.has("source")
                    ? text(o, "source")
                    : sources.keySet().iterator().next();
            if (!sources.containsKey(source))
                throw ApiException.badRequest("unknown source \"" + source + "\" (this server has "
                        + String.join(", ", sources.keySet()) + ")");
        } else if (o.has("source")) {
            text(o, "source"); // checked, though classical features use none
        }
        int pca = 9;
        if (o.has("pca")) {
            JsonNode v = o.get("pca");
            if (!v.isInt() || v.asInt() < 1 || v.asInt() > 256)
                throw ApiException.badRequest("\"pca\" must be an integer 1…256, got " + v);
            pca = v.asInt();
        }
        long seed = 0;
        if (o.has("seed")) {
            JsonNode v = o.get("seed");
            if (!v.isIntegralNumber() || !v.canConvertToLong())
                throw ApiException.badRequest("\"seed\" must be an integer, got " + v);
            seed = v.asLong();
        }
        return new SegmentRequest(set, source, kind, pca, seed);
    }

    Segmenter.Options options(int threads) {
        return new Segmenter.Options(features, classifier, pca, threads, seed);
    }

    static String name(Enum<?> e) {
        return e.name().toLowerCase(java.util.Locale.ROOT);
    }

    private static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (!v.isTextual()) throw ApiException.badRequest("\"" + field + "\" must be a string, got " + v);
        return v.asText();
    }

    private static <T> T parse(JsonNode o, String field, java.util.function.Function<String, T> parser) {
        try {
            return parser.apply(text(o, field));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }
}
