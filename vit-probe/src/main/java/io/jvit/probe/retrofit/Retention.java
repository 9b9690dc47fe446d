package io.jvit.probe.retrofit;

import io.jvit.core.fast.FastViT;
import io.jvit.core.image.Image;
import io.jvit.core.image.Preprocessor;
import io.jvit.probe.FeatureMap;
import io.jvit.probe.LayerFeatures;
import io.jvit.probe.RidgeClassifier;
import io.jvit.probe.synthetic.Microstructure;
import java.util.ArrayList;
import java.util.List;

/**
 * Semantic retention of a student against its teacher, on data both have never seen: per-patch cosine
 * similarity of their features, and k-NN classification accuracy of mean-pooled features on a labelled set
 * that exists on every machine: which of the five synthetic microstructures an image shows (train and test
 * images from disjoint seeds). Retention = student accuracy / teacher accuracy.
 */
public final class Retention {
    private Retention() {}

    /**
     * @param teacherAccuracy k-NN accuracy of the teacher's pooled features (the retention's reference)
     * @param teacherLinear   accuracy of a linear classifier (a ridge classifier, α = 1) on them
     */
    public record Result(
            double meanPatchCosine,
            double teacherAccuracy,
            double studentAccuracy,
            double teacherLinear,
            double studentLinear,
            int trainImages,
            int testImages) {
        /** Student k-NN accuracy / teacher k-NN accuracy. */
        public double retention() {
            return teacherAccuracy == 0 ? Double.NaN : studentAccuracy / teacherAccuracy;
        }

        public double linearRetention() {
            return teacherLinear == 0 ? Double.NaN : studentLinear / teacherLinear;
        }
    }

    public static Result measure(
            FastViT teacher, FastViT student, int size, int perClassTrain, int perClassTest, int k) {
        int patch = teacher.model().config().patchSize();
        var pre = new Preprocessor(patch, Preprocessor.ResizePolicy.CLOSEST_LOWER_MULTIPLE);
        Microstructure[] kinds = Microstructure.values();
        List<float[]> trT = new ArrayList<>(),
                trS = new ArrayList<>(),
                teT = new ArrayList<>(),
                teS = new ArrayList<>();
        List<Integer> trY = new ArrayList<>(), teY = new ArrayList<>();
        double cosSum = 0;
        long cosN = 0;
        for (int c = 0; c < kinds.length; c++)
            for (int i = 0; i < perClassTrain + perClassTest; i++) {
                boolean test = i >= perClassTrain;
                Image im = kinds[c].generate(size, size, (test ? 500_000 : 0) + 1000L * c + i);
                FeatureMap ft = LayerFeatures.finalFeatures(teacher.forward(pre.tensor(im)), 0, true);
                FeatureMap fs = LayerFeatures.finalFeatures(student.forward(pre.tensor(im)), 0, true);
                if (test) {
                    for (int t = 0; t < ft.tokens(); t++, cosN++) cosSum += cosine(ft, fs, t);
                    teT.add(pool(ft));
                    teS.add(pool(fs));
                    teY.add(c);
                } else {
                    trT.add(pool(ft));
                    trS.add(pool(fs));
                    trY.add(c);
                }
            }
        return new Result(
                cosSum / cosN,
                knn(trT, trY, teT, teY, k),
                knn(trS, trY, teS, teY, k),
                linear(trT, trY, teT, teY, kinds.length),
                linear(trS, trY, teS, teY, kinds.length),
                trY.size(),
                teY.size());
    }

    static double cosine(FeatureMap a, FeatureMap b, int t) {
        int c = a.c();
        double dot = 0, na = 0, nb = 0;
        for (int j = 0; j < c; j++) {
            double x = a.data()[t * c + j], y = b.data()[t * c + j];
            dot += x * y;
            na += x * x;
            nb += y * y;
        }
        return dot / Math.sqrt(na * nb + 1e-24);
    }

    /** Mean over patches, L2-normalised. */
    static float[] pool(FeatureMap f) {
        float[] m = new float[f.c()];
        for (int t = 0; t < f.tokens(); t++) for (int j = 0; j < f.c(); j++) m[j] += f.data()[t * f.c() + j];
        double n = 0;
        for (float v : m) n += v * v;
        n = Math.sqrt(n) + 1e-12;
        for (int j = 0; j < m.length; j++) m[j] /= (float) n;
        return m;
    }

    /**
     * Agreement of k-means segmentations of the same image's patch features by two models (the paper's
     * k-means check): features standardised per channel, Lloyd's k-means (k-means++ seeding, best of 5 starts),
     * then the fraction of patches with the same cluster under the best matching of cluster labels.
     */
    public static double kmeansAgreement(FeatureMap a, FeatureMap b, int k, long seed) {
        if (a.tokens() != b.tokens()) throw new IllegalArgumentException("the two feature maps cover different grids");
        int[] la = kmeans(a, k, seed), lb = kmeans(b, k, seed);
        int[][] count = new int[k][k];
        for (int t = 0; t < la.length; t++) count[la[t]][lb[t]]++;
        return bestMatch(count, new boolean[k], 0) / (double) la.length;
    }

    private static int bestMatch(int[][] count, boolean[] used, int row) {
        if (row == count.length) return 0;
        int best = 0;
        for (int c = 0; c < count.length; c++) {
            if (used[c]) continue;
            used[c] = true;
            best = Math.max(best, count[row][c] + bestMatch(count, used, row + 1));
            used[c] = false;
        }
        return best;
    }

    static int[] kmeans(FeatureMap f, int k, long seed) {
        int n = f.tokens(), c = f.c();
        double[][] x = new double[n][c];
        for (int j = 0; j < c; j++) {
            double mu = 0, var = 0;
            for (int t = 0; t < n; t++) mu += f.data()[t * c + j] / (double) n;
            for (int t = 0; t < n; t++) {
                double d = f.data()[t * c + j] - mu;
                var += d * d / n;
            }
            double sd = var > 0 ? Math.sqrt(var) : 1;
            for (int t = 0; t < n; t++) x[t][j] = (f.data()[t * c + j] - mu) / sd;
        }
        java.util.Random r = new java.util.Random(seed);
        int[] bestLabels = null;
        double bestInertia = Double.MAX_VALUE;
        for (int start = 0; start < 5; start++) {
            double[][] centres = new double[k][];
            centres[0] = x[r.nextInt(n)].clone();
            double[] d2 = new double[n];
            for (int q = 1; q < k; q++) { // k-means++ seeding
                double sum = 0;
                for (int t = 0; t < n; t++) {
                    d2[t] = Double.MAX_VALUE;
                    for (int p = 0; p < q; p++) d2[t] = Math.min(d2[t], dist(x[t], centres[p]));
                    sum += d2[t];
                }
                double u = r.nextDouble() * sum;
                int pick = 0;
                for (; pick < n - 1 && (u -= d2[pick]) > 0; pick++) {}
                centres[q] = x[pick].clone();
            }
            int[] labels = new int[n];
            double inertia = 0;
            for (int it = 0; it < 100; it++) {
                boolean changed = false;
                inertia = 0;
                for (int t = 0; t < n; t++) {
                    int bestC = 0;
                    double bd = Double.MAX_VALUE;
                    for (int q = 0; q < k; q++) {
                        double d = dist(x[t], centres[q]);
                        if (d < bd) {
                            bd = d;
                            bestC = q;
                        }
                    }
                    if (labels[t] != bestC) changed = true;
                    labels[t] = bestC;
                    inertia += bd;
                }
                double[][] sum = new double[k][c];
                int[] cnt = new int[k];
                for (int t = 0; t < n; t++) {
                    cnt[labels[t]]++;
                    for (int j = 0; j < c; j++) sum[labels[t]][j] += x[t][j];
                }
                for (int q = 0; q < k; q++)
                    if (cnt[q] > 0) for (int j = 0; j < c; j++) centres[q][j] = sum[q][j] / cnt[q];
                if (!changed && it > 0) break;
            }
            if (inertia < bestInertia) {
                bestInertia = inertia;
                bestLabels = labels;
            }
        }
        return bestLabels;
    }

    private static double dist(double[] a, double[] b) {
        double s = 0;
        for (int j = 0; j < a.length; j++) {
            double d = a[j] - b[j];
            s += d * d;
        }
        return s;
    }

    /** Accuracy of a linear probe (scikit-learn's {@code RidgeClassifier}, α = 1) trained on {@code train}. */
    static double linear(
            List<float[]> train, List<Integer> trainY, List<float[]> test, List<Integer> testY, int classes) {
        var clf = RidgeClassifier.fit(
                train.toArray(new float[0][]),
                trainY.stream().mapToInt(Integer::intValue).toArray(),
                classes,
                1.0);
        int correct = 0;
        for (int i = 0; i < test.size(); i++) if (clf.predict(test.get(i)) == testY.get(i)) correct++;
        return (double) correct / test.size();
    }

    /** k-NN by cosine similarity (majority vote, ties to the nearest). */
    static double knn(List<float[]> train, List<Integer> trainY, List<float[]> test, List<Integer> testY, int k) {
        int correct = 0;
        for (int i = 0; i < test.size(); i++) {
            float[] q = test.get(i);
            Integer[] idx = new Integer[train.size()];
            double[] sim = new double[train.size()];
            for (int j = 0; j < train.size(); j++) {
                idx[j] = j;
                double s = 0;
                for (int d = 0; d < q.length; d++) s += q[d] * train.get(j)[d];
                sim[j] = s;
            }
            java.util.Arrays.sort(idx, (a, b) -> Double.compare(sim[b], sim[a]));
            int[] votes = new int[16];
            for (int j = 0; j < Math.min(k, idx.length); j++) votes[trainY.get(idx[j])]++;
            int best = trainY.get(idx[0]);
            for (int c = 0; c < votes.length; c++) if (votes[c] > votes[best]) best = c;
            if (best == testY.get(i)) correct++;
        }
        return (double) correct / test.size();
    }
}
