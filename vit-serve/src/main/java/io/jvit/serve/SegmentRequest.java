package io.jvit.serve;

import com.fasterxml.jackson.databind.JsonNode;
import io.jvit.segment.FlatField;
import io.jvit.segment.PixelClassifier;
import io.jvit.segment.Segmenter;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * The options of {@code POST /api/images/{id}/segment}, checked before any work; the names and defaults are
 * {@code ./vit segment}'s ({@code features}: both when a ViT source is served, else classical; {@code classifier}
 * xgboost; {@code pca} 9; {@code seed} 0; {@code class_weights} none; {@code flat_field} 2; {@code crf} false),
 * {@code source} picks the served ViT (default: the first).
 */
record SegmentRequest(
        Segmenter.FeatureSet features,
        String source,
        PixelClassifier.Kind classifier,
        int pca,
        long seed,
        boolean balanced,
        int flatField,
        boolean crf) {
    static final Set<String> FIELDS =
            Set.of("features", "source", "classifier", "pca", "seed", "class_weights", "flat_field", "crf");

    static SegmentRequest parse(JsonNode o, Map<String, ?> sources) {
        if (o == null || o.isMissingNode() || o.isNull())
            o = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        if (!o.isObject()) throw ApiException.badRequest("the segment options must be a JSON object");
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f))
                throw ApiException.badRequest("unknown option \"" + f
                        + "\" (known: features, source, classifier, pca, seed, class_weights, flat_field, crf)");
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
        boolean balanced = false; // ./vit segment's --class-weights none
        if (o.has("class_weights")) {
            String w = text(o, "class_weights");
            if (!w.equals("balanced") && !w.equals("none"))
                throw ApiException.badRequest("\"class_weights\" must be \"balanced\" or \"none\", got \"" + w + "\"");
            balanced = w.equals("balanced");
        }
        int flatField = FlatField.DEFAULT_DEGREE; // ./vit segment's --flat-field
        if (o.has("flat_field")) {
            JsonNode v = o.get("flat_field");
            if (!v.isInt() || v.asInt() < 0 || v.asInt() > FlatField.MAX_DEGREE)
                throw ApiException.badRequest(
                        "\"flat_field\" must be an integer 0 to " + FlatField.MAX_DEGREE + ", got " + v);
            flatField = v.asInt();
        }
        boolean crf = false; // ./vit segment's default: no CRF (--crf refines with DenseCrf.Params.DEFAULT)
        if (o.has("crf")) {
            JsonNode v = o.get("crf");
            if (!v.isBoolean()) throw ApiException.badRequest("\"crf\" must be true or false, got " + v);
            crf = v.asBoolean();
        }
        return new SegmentRequest(set, source, kind, pca, seed, balanced, flatField, crf);
    }

    Segmenter.Options options(int threads) {
        return new Segmenter.Options(features, classifier, pca, threads, seed, balanced ? 1.0 : 0.0, 1, flatField);
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
