package io.jvit.segment;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;

/**
 * Per-pixel classifiers, all through XGBoost4J (one well-kept native library, models saved in its JSON):
 * <ul>
 * <li>{@code xgboost} (default): gradient-boosted trees, 100 rounds, max depth 8 (the paper's setting);</li>
 * <li>{@code rf}: a random forest with Trainable Weka Segmentation's defaults, 200 trees and 2 random
 *     features per split (XGBoost's random-forest mode: one round of 200 parallel trees, bootstrap 0.632, η = 1);</li>
 * <li>{@code logistic}: multinomial logistic regression (XGBoost's linear booster with softmax, L2 1e-3) on
 *     the raw features (coordinate descent).</li>
 * </ul>
 * Classes are weighted by (n / (K · n_k))^α, α from 0 (every sample weighs 1; {@code ./vit segment}'s default) to 1
 * (balanced); the paper's {@code class_weight='balanced'} was silently ignored by xgboost's sklearn wrapper, here the
 * weights reach XGBoost through the DMatrix.
 */
public final class PixelClassifier {
    public enum Kind {
        XGBOOST,
        RF,
        LOGISTIC;

        public static Kind parse(String s) {
            try {
                return valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("classifier must be xgboost, rf or logistic, got '" + s + "'");
            }
        }
    }

    private final Booster booster;
    private final int classes, features;
    private volatile boolean inplace = true; // until the booster refuses in-place prediction (the linear one does)

    private PixelClassifier(Booster booster, int classes, int features) {
        this.booster = booster;
        this.classes = classes;
        this.features = features;
    }

    /** Trains on {@code rows} samples: {@code x} row-major (rows × features), {@code y} in 0…classes−1; classes balanced. */
    public static PixelClassifier train(
            Kind kind, float[] x, int rows, int features, int[] y, int classes, int threads, long seed) {
        return train(kind, x, rows, features, y, classes, threads, seed, 1.0);
    }

    /** As above, with class weights (n / (K · n_k))^{@code classWeightPower} ({@link ClassWeights}): 0 none, 1 balanced. */
    public static PixelClassifier train(
            Kind kind,
            float[] x,
            int rows,
            int features,
            int[] y,
            int classes,
            int threads,
            long seed,
            double classWeightPower) {
        if (classes < 2)
            throw new IllegalArgumentException("segmentation needs at least two classes of scribbles, got " + classes);
        int[] count = new int[classes];
        for (int c : y) count[c]++;
        for (int c = 0; c < classes; c++)
            if (count[c] == 0) throw new IllegalArgumentException("class index " + c + " has no scribbled pixels");
        float[] label = new float[rows];
        for (int i = 0; i < rows; i++) label[i] = y[i];
        float[] weight = ClassWeights.perSample(java.util.Arrays.copyOf(y, rows), classes, classWeightPower);
        Map<String, Object> p = new HashMap<>();
        p.put("objective", "multi:softprob");
        p.put("num_class", classes);
        p.put("nthread", threads);
        p.put("seed", seed);
        p.put("verbosity", 0);
        int rounds;
        switch (kind) {
            case XGBOOST -> {
                p.put("max_depth", 8);
                p.put("eta", 0.3);
                p.put("tree_method", "hist");
                rounds = 100;
            }
            case RF -> {
                p.put("num_parallel_tree", 200);
                p.put("subsample", 0.632);
                p.put("eta", 1.0);
                p.put("max_depth", 20);
                p.put("colsample_bynode", Math.min(1.0, 2.0 / features));
                p.put("tree_method", "hist");
                p.put("lambda", 1e-5);
                rounds = 1;
            }
            default -> {
                p.put("booster", "gblinear");
                p.put("lambda", 1e-3);
                p.put("alpha", 0.0);
                p.put("updater", "coord_descent");
                rounds = 200;
            }
        }
        try {
            DMatrix m = new DMatrix(x, rows, features, Float.NaN);
            m.setLabel(label);
            m.setWeight(weight);
            Booster b = XGBoost.train(m, p, rounds, new HashMap<>(), null, null);
            m.dispose();
            return new PixelClassifier(b, classes, features);
        } catch (XGBoostError e) {
            throw new IllegalStateException("XGBoost training failed: " + e.getMessage(), e);
        }
    }

    /** Class probabilities of {@code rows} samples: (rows × classes), row-major; in chunks to bound memory. */
    public float[] predict(float[] x, int rows) {
        float[] out = new float[rows * classes];
        int chunk = 1 << 17;
        try {
            for (int r0 = 0; r0 < rows; r0 += chunk) {
                int n = Math.min(chunk, rows - r0);
                float[] rowsOfChunk =
                        r0 == 0 && n == rows ? x : java.util.Arrays.copyOfRange(x, r0 * features, (r0 + n) * features);
                float[][] p = predictChunk(rowsOfChunk, n);
                for (int i = 0; i < n; i++) System.arraycopy(p[i], 0, out, (r0 + i) * classes, classes);
            }
        } catch (XGBoostError e) {
            throw new IllegalStateException("XGBoost prediction failed: " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * In place on the dense rows, without building a DMatrix (retrain + predict of a 1024² image on cached features,
     * one thread: 1.23 → 0.78 s, docs/serve.md); the linear booster has no in-place prediction, so it (and any other
     * booster that refuses) goes through a DMatrix, with the same numbers.
     */
    private float[][] predictChunk(float[] rows, int n) throws XGBoostError {
        return predictChunk(rows, n, inplace);
    }

    float[][] predictChunk(float[] rows, int n, boolean tryInplace) throws XGBoostError {
        if (tryInplace) {
            try {
                return booster.inplace_predict(rows, n, features, Float.NaN);
            } catch (XGBoostError e) {
                inplace = false;
            }
        }
        DMatrix m = new DMatrix(rows, n, features, Float.NaN);
        try {
            return booster.predict(m);
        } finally {
            m.dispose();
        }
    }

    public int classes() {
        return classes;
    }

    /**
     * Each feature's importance: its total gain over all splits of all trees (0 for a feature never split on), or
     * for the linear classifier the sum over classes of its coefficients' magnitudes.
     */
    public double[] importance() {
        double[] imp = new double[features];
        String[] names = new String[features];
        for (int f = 0; f < features; f++) names[f] = "f" + f;
        try {
            Map<String, Double> g = booster.getScore(names, "total_gain");
            for (var e : g.entrySet()) imp[Integer.parseInt(e.getKey().substring(1))] = Math.abs(e.getValue());
        } catch (XGBoostError | RuntimeException e) {
            try { // gblinear: "weight" is the coefficients
                Map<String, Double> g = booster.getScore(names, "weight");
                for (var en : g.entrySet()) imp[Integer.parseInt(en.getKey().substring(1))] = Math.abs(en.getValue());
            } catch (XGBoostError | RuntimeException e2) {
                throw new IllegalStateException("XGBoost cannot rank this model's features: " + nativeMessage(e2), e2);
            }
        }
        return imp;
    }

    /** How many probabilities the model gives per sample (its {@code num_class}); {@link #classes()} when it is sound. */
    int outputs() {
        try {
            DMatrix m = new DMatrix(new float[features], 1, features, Float.NaN);
            float[][] p = booster.predict(m);
            m.dispose();
            return p.length == 1 ? p[0].length : -1;
        } catch (XGBoostError e) {
            throw new IllegalArgumentException("XGBoost cannot run the model: " + e.getMessage(), e);
        }
    }

    public int features() {
        return features;
    }

    /** XGBoost's error without its timestamp, source location and native stack trace: the first line's text. */
    static String nativeMessage(Throwable e) {
        String m = e.getMessage() == null
                ? e.getClass().getSimpleName()
                : e.getMessage().strip();
        int nl = m.indexOf('\n');
        return (nl < 0 ? m : m.substring(0, nl))
                .replaceFirst("^\\[[0-9:]+\\] \\S+:\\d+: ", "")
                .strip();
    }

    /** The model as XGBoost's JSON bytes. */
    public byte[] toBytes() {
        try {
            return booster.toByteArray("json");
        } catch (XGBoostError e) {
            throw new IllegalStateException(e);
        }
    }

    public static PixelClassifier fromBytes(byte[] model, int classes, int features) {
        try {
            Booster b = XGBoost.loadModel(model);
            if (b.getNumFeature() != features)
                throw new IllegalArgumentException(
                        "the XGBoost model takes " + b.getNumFeature() + " features, not " + features);
            return new PixelClassifier(b, classes, features);
        } catch (XGBoostError | java.io.IOException e) {
            throw new IllegalArgumentException("not an XGBoost model: " + nativeMessage(e), e);
        }
    }
}
