package io.jvit.segment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jvit.core.fast.FastViT;
import io.jvit.core.image.Image;
import io.jvit.core.image.Preprocessor;
import io.jvit.core.io.AtomicFiles;
import io.jvit.probe.FeatureMap;
import io.jvit.probe.LayerFeatures;
import io.jvit.probe.PcaBasis;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Locale;

/**
 * Trainable (Weka-style) segmentation: per-pixel features (the classical filter bank, upsampled PCA of a
 * ViT's patch features, or both), a classifier trained on the scribbled pixels only, and per-class
 * probability maps for every pixel. A trained segmenter is applied to further images with the same
 * feature recipe (the ViT PCA basis is the training image's) and saved as one JSON file.
 */
public final class Segmenter {

    public enum FeatureSet { CLASSICAL, VIT, BOTH;
        public static FeatureSet parse(String s) {
            try { return valueOf(s.toUpperCase(Locale.ROOT)); }
            catch (IllegalArgumentException e) { throw new IllegalArgumentException("features must be classical, vit or both, got '" + s + "'"); }
        }
        boolean vit() { return this != CLASSICAL; }
        boolean classical() { return this != VIT; }
    }

    /** @param pcaComponents ViT PCA components (paper: 9) */
    public record Options(FeatureSet features, PixelClassifier.Kind classifier, int pcaComponents, int threads, long seed) {
        public Options {
            if (pcaComponents < 1) throw new IllegalArgumentException("PCA components must be >= 1, got " + pcaComponents);
            if (threads < 1) throw new IllegalArgumentException("thread count must be >= 1, got " + threads);
        }
    }

    /** Per-class probabilities ((classes × pixels), row-major by class) and the label image of the argmax. */
    public record Result(float[] probabilities, int[] labels, int[] classValues, int height, int width) {
        public float[] probability(int k) {
            int n = height * width;
            return java.util.Arrays.copyOfRange(probabilities, k * n, (k + 1) * n);
        }
    }

    private final Options options;
    private final PixelClassifier classifier;
    private final int[] classValues;
    private final PcaBasis pca;
    private final int featureCount;
    private Image cachedImage;                                 // the training image's features, reused once by apply()
    private Features cachedFeatures;

    private Segmenter(Options options, PixelClassifier classifier, int[] classValues, PcaBasis pca, int featureCount) {
        this.options = options;
        this.classifier = classifier;
        this.classValues = classValues;
        this.pca = pca;
        this.featureCount = featureCount;
    }

    public Options options() { return options; }
    public int[] classValues() { return classValues.clone(); }
    public int featureCount() { return featureCount; }

    /** Trains on the labelled pixels of {@code labels} (same size as the image). {@code vit} is needed for ViT features. */
    public static Segmenter train(Image image, LabelImage labels, Options o, FastViT vit) {
        labels.requireSize(image.height(), image.width(), "the label image");
        int[] classes = labels.classes();
        if (classes.length == 0) throw new IllegalArgumentException("the label image has no scribbles (every pixel is 0)");
        if (classes.length == 1)
            throw new IllegalArgumentException("the label image has one class (grey value " + classes[0] + "); segmentation needs scribbles of at least two");
        PcaBasis basis = null;
        FeatureMap patches = null;
        if (o.features().vit()) {
            patches = patchFeatures(image, vit);
            basis = PcaBasis.fit(patches, o.pcaComponents());
        }
        Features f = features(image, o, vit, basis, patches);
        int n = labels.labelled();
        float[] x = new float[n * f.count];
        int[] y = new int[n];
        int r = 0;
        for (int p = 0; p < labels.values().length; p++) {
            int v = labels.values()[p];
            if (v == 0) continue;
            System.arraycopy(f.rows, p * f.count, x, r * f.count, f.count);
            y[r++] = java.util.Arrays.binarySearch(classes, v);
        }
        PixelClassifier clf = PixelClassifier.train(o.classifier(), x, n, f.count, y, classes.length, o.threads(), o.seed());
        Segmenter s = new Segmenter(o, clf, classes, basis, f.count);
        s.cachedImage = image;
        s.cachedFeatures = f;
        return s;
    }

    /** Segments an image (of any size) with the trained classifier. */
    public Result apply(Image image, FastViT vit) {
        Features f = image == cachedImage ? cachedFeatures : features(image, options, vit, pca, null);
        cachedImage = null;
        cachedFeatures = null;
        if (f.count != featureCount) throw new IllegalStateException("feature count " + f.count + " differs from training's " + featureCount);
        int n = image.height() * image.width(), k = classValues.length;
        float[] p = classifier.predict(f.rows, n);
        float[] byClass = new float[k * n];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int c = 0; c < k; c++) {
                byClass[c * n + i] = p[i * k + c];
                if (p[i * k + c] > p[i * k + best]) best = c;
            }
            labels[i] = classValues[best];
        }
        return new Result(byClass, labels, classValues.clone(), image.height(), image.width());
    }

    private record Features(float[] rows, int count) {}

    /** (pixels × F) row-major: classical channels then ViT PCA channels. */
    private static Features features(Image image, Options o, FastViT vit, PcaBasis basis, FeatureMap patches) {
        int h = image.height(), w = image.width(), n = h * w;
        float[][] channels = o.features().classical() ? FilterBank.compute(image, o.threads()) : new float[0][];
        float[] vitUp = null;
        int k = 0;
        if (o.features().vit()) {
            FeatureMap fm = patches != null ? patches : patchFeatures(image, vit);
            k = basis.k();
            vitUp = upsample(basis.project(fm), fm.h(), fm.w(), k, h, w);
        }
        int count = channels.length + k;
        float[] rows = new float[n * count];
        for (int c = 0; c < channels.length; c++) {
            float[] ch = channels[c];
            for (int p = 0; p < n; p++) rows[p * count + c] = ch[p];
        }
        for (int p = 0; p < n && vitUp != null; p++) System.arraycopy(vitUp, p * k, rows, p * count + channels.length, k);
        return new Features(rows, count);
    }

    /** The model's final patch features of the image (resized to the closest lower multiple of the patch size). */
    static FeatureMap patchFeatures(Image image, FastViT vit) {
        if (vit == null) throw new IllegalArgumentException("ViT features need a model");
        var pre = new Preprocessor(vit.config().patchSize(), Preprocessor.ResizePolicy.CLOSEST_LOWER_MULTIPLE);
        return LayerFeatures.finalFeatures(vit.forward(pre.tensor(image.toRgb())), 0, false);
    }

    /** Bilinear from patch centres (gh × gw grid covering the image) to pixels: (H·W × k). */
    static float[] upsample(float[] grid, int gh, int gw, int k, int h, int w) {
        float[] out = new float[h * w * k];
        for (int y = 0; y < h; y++) {
            double u = Math.min(gh - 1, Math.max(0, (y + 0.5) * gh / h - 0.5));
            int u0 = (int) u, u1 = Math.min(gh - 1, u0 + 1);
            double fu = u - u0;
            for (int x = 0; x < w; x++) {
                double v = Math.min(gw - 1, Math.max(0, (x + 0.5) * gw / w - 0.5));
                int v0 = (int) v, v1 = Math.min(gw - 1, v0 + 1);
                double fv = v - v0;
                for (int q = 0; q < k; q++) {
                    double a = grid[(u0 * gw + v0) * k + q] * (1 - fv) + grid[(u0 * gw + v1) * k + q] * fv;
                    double b = grid[(u1 * gw + v0) * k + q] * (1 - fv) + grid[(u1 * gw + v1) * k + q] * fv;
                    out[(y * w + x) * k + q] = (float) (a * (1 - fu) + b * fu);
                }
            }
        }
        return out;
    }

    // ---- save / load: one JSON file, written atomically ----

    private static final ObjectMapper JSON = new ObjectMapper();

    public void save(Path file) throws IOException {
        ObjectNode o = JSON.createObjectNode().put("format", "jvit-segmenter").put("version", 1)
                .put("features", options.features().name()).put("classifier", options.classifier().name())
                .put("pca_components", options.pcaComponents()).put("feature_count", featureCount).put("seed", options.seed());
        ArrayNode cv = o.putArray("class_values");
        for (int v : classValues) cv.add(v);
        if (pca != null) {
            ObjectNode p = o.putObject("pca");
            p.set("mean", floats(pca.mean()));
            p.set("std", floats(pca.std()));
            p.set("min", floats(pca.min()));
            p.set("max", floats(pca.max()));
            ArrayNode comps = p.putArray("components");
            for (float[] c : pca.components()) comps.add(floats(c));
        }
        o.put("model", Base64.getEncoder().encodeToString(classifier.toBytes()));
        byte[] bytes = JSON.writeValueAsString(o).getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(file, s -> s.write(bytes));
    }

    public static Segmenter load(Path file, int threads) throws IOException {
        JsonNode o;
        try {
            o = JSON.readTree(Files.readAllBytes(file));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": not a saved segmenter (invalid JSON)");
        }
        if (o == null || !"jvit-segmenter".equals(o.path("format").asText()))
            throw new IllegalArgumentException(file + ": not a saved segmenter (no \"format\": \"jvit-segmenter\")");
        Options opts = new Options(FeatureSet.valueOf(o.get("features").asText()), PixelClassifier.Kind.valueOf(o.get("classifier").asText()),
                o.get("pca_components").asInt(), threads, o.get("seed").asLong());
        int[] classes = new int[o.get("class_values").size()];
        for (int i = 0; i < classes.length; i++) classes[i] = o.get("class_values").get(i).asInt();
        PcaBasis basis = null;
        if (o.has("pca")) {
            JsonNode p = o.get("pca");
            float[][] comps = new float[p.get("components").size()][];
            for (int i = 0; i < comps.length; i++) comps[i] = floats(p.get("components").get(i));
            basis = new PcaBasis(floats(p.get("mean")), floats(p.get("std")), comps, floats(p.get("min")), floats(p.get("max")));
        }
        int count = o.get("feature_count").asInt();
        PixelClassifier clf = PixelClassifier.fromBytes(Base64.getDecoder().decode(o.get("model").asText()), classes.length, count);
        return new Segmenter(opts, clf, classes, basis, count);
    }

    private static ArrayNode floats(float[] a) {
        ArrayNode n = JSON.createArrayNode();
        for (float v : a) n.add(v);
        return n;
    }

    private static float[] floats(JsonNode n) {
        float[] a = new float[n.size()];
        for (int i = 0; i < a.length; i++) a[i] = (float) n.get(i).asDouble();
        return a;
    }
}
