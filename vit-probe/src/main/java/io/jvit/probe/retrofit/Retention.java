package io.jvit.probe.retrofit;

import io.jvit.core.fast.FastViT;
import io.jvit.core.image.Image;
import io.jvit.core.image.Preprocessor;
import io.jvit.probe.FeatureMap;
import io.jvit.probe.LayerFeatures;
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

    public record Result(double meanPatchCosine, double teacherAccuracy, double studentAccuracy, int trainImages, int testImages) {
        public double retention() { return teacherAccuracy == 0 ? Double.NaN : studentAccuracy / teacherAccuracy; }
    }

    public static Result measure(FastViT teacher, FastViT student, int size, int perClassTrain, int perClassTest, int k) {
        int patch = teacher.model().config().patchSize();
        var pre = new Preprocessor(patch, Preprocessor.ResizePolicy.CLOSEST_LOWER_MULTIPLE);
        Microstructure[] kinds = Microstructure.values();
        List<float[]> trT = new ArrayList<>(), trS = new ArrayList<>(), teT = new ArrayList<>(), teS = new ArrayList<>();
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
                    teT.add(pool(ft)); teS.add(pool(fs)); teY.add(c);
                } else {
                    trT.add(pool(ft)); trS.add(pool(fs)); trY.add(c);
                }
            }
        return new Result(cosSum / cosN, knn(trT, trY, teT, teY, k), knn(trS, trY, teS, teY, k), trY.size(), teY.size());
    }

    static double cosine(FeatureMap a, FeatureMap b, int t) {
        int c = a.c();
        double dot = 0, na = 0, nb = 0;
        for (int j = 0; j < c; j++) {
            double x = a.data()[t * c + j], y = b.data()[t * c + j];
            dot += x * y; na += x * x; nb += y * y;
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
