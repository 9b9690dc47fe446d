package io.jvit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jvit.core.checkpoint.Checkpoints;
import io.jvit.core.fast.FastViT;
import io.jvit.core.image.Image;
import io.jvit.core.image.Preprocessor;
import io.jvit.core.io.AtomicFiles;
import io.jvit.core.model.VisionTransformer;
import io.jvit.core.pe.Pe;
import io.jvit.probe.BiasProbe;
import io.jvit.probe.FeatureMap;
import io.jvit.probe.LayerFeatures;
import io.jvit.probe.LinearProbe;
import io.jvit.probe.Ramp;
import io.jvit.probe.SampleMask;
import io.jvit.probe.report.Figures;
import io.jvit.probe.report.ReportPage;
import io.jvit.probe.retrofit.Retention;
import io.jvit.probe.synthetic.Microstructure;
import io.jvit.segment.LabelImage;
import io.jvit.segment.Metrics;
import io.jvit.segment.Segmenter;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./vit demo}: the paper end to end on the embedded models (a small self-supervised DINOv2-style
 * teacher with a learned absolute PE, and its ALiBi student distilled by {@code ./vit retrofit}):
 * positional bias of both on homogeneous microstructures, semantic retention, and trainable segmentation
 * of a micrograph scribbled in one corner. Writes {@code summary.json} and a one-page {@code report.html}.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = "The paper's findings in minutes, on the embedded teacher and ALiBi student.")
final class DemoCommand implements Callable<Integer> {
    @Option(
            names = {"-o", "--out"},
            required = true,
            paramLabel = "DIR")
    Path out;

    @Option(names = "--teacher", paramLabel = "FILE", description = "teacher (default: the embedded one)")
    Path teacherFile;

    @Option(names = "--student", paramLabel = "FILE", description = "ALiBi student (default: the embedded one)")
    Path studentFile;

    @Option(
            names = "--probe-size",
            defaultValue = "128",
            description = "side of the probed microstructures (default ${DEFAULT-VALUE})")
    int probeSize;

    @Mixin
    ThreadsOption threadsOption;

    @Mixin
    NonFiniteOption nonFinite;

    private int threads; // set from threadsOption when the command runs

    static final String EMBEDDED = "/io/jvit/cli/embedded/";

    @Override
    public Integer call() throws Exception {
        threads = threadsOption.configure();
        long t0 = System.nanoTime();
        VisionTransformer teacher = load(teacherFile, "teacher.safetensors"),
                student = load(studentFile, "student.safetensors");
        FastViT ft = new FastViT(teacher, threads), fs = new FastViT(student, threads);
        int patch = teacher.config().patchSize();
        var pre = new Preprocessor(patch, Preprocessor.ResizePolicy.CLOSEST_LOWER_MULTIPLE);

        // 1. positional bias on 15 homogeneous microstructures (the paper's protocol: lr+ud, random mask, 6 repeats)
        System.err.println("demo: probing teacher and student on 15 synthetic microstructures…");
        List<FeatureMap> mt = new ArrayList<>(), ms = new ArrayList<>();
        List<Image> shown = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            Image im = Microstructure.values()[i % 5].generate(probeSize, probeSize, 7000 + i);
            mt.add(LayerFeatures.finalFeatures(ft.forward(pre.tensor(im)), 0, true));
            ms.add(LayerFeatures.finalFeatures(fs.forward(pre.tensor(im)), 0, true));
            if (i == 4 || i == 0) shown.add(im);
        }
        int grid = mt.get(0).h(), step = Math.max(2, grid / 8);
        BiasProbe probe = new BiasProbe(Ramp.LR_UD, new SampleMask(true, step, 1.0), 6, 1.0, 100001);
        BiasProbe.Result rt = probe.run(mt), rs = probe.run(ms);

        // 2. semantic retention on held-out generated images
        System.err.println("demo: semantic retention…");
        Retention.Result ret = Retention.measure(ft, fs, probeSize, 8, 6, 5);

        // 3. trainable segmentation of a two-phase micrograph scribbled only in its top-left corner
        System.err.println("demo: segmentation with corner scribbles…");
        int side = 192;
        Image micro = Microstructure.GRF.generate(side, side, 42);
        int[] truth = new int[side * side], scribbles = new int[side * side];
        for (int i = 0; i < truth.length; i++) truth[i] = micro.pixels()[i] > 0.5f ? 254 : 127;
        for (int y = 0; y < side / 4; y++)
            for (int x = 0; x < side / 4; x++) if ((x + y) % 3 == 0) scribbles[y * side + x] = truth[y * side + x];
        LabelImage labels = new LabelImage(scribbles, side, side);
        Map<String, Segmenter.Result> seg = new LinkedHashMap<>();
        seg.put(
                "classical",
                Segmenter.train(micro, labels, opts(Segmenter.FeatureSet.CLASSICAL), null)
                        .apply(micro, null));
        seg.put(
                "teacher",
                Segmenter.train(micro, labels, opts(Segmenter.FeatureSet.VIT), ft)
                        .apply(micro, ft));
        seg.put(
                "student",
                Segmenter.train(micro, labels, opts(Segmenter.FeatureSet.VIT), fs)
                        .apply(micro, fs));

        // summary
        ObjectMapper json = new ObjectMapper();
        ObjectNode s = json.createObjectNode();
        s.put("teacher_r2", rt.mean())
                .put("teacher_r2_std", rt.std())
                .put("student_r2", rs.mean())
                .put("student_r2_std", rs.std())
                .put("retention", ret.retention())
                .put("patch_cosine", ret.meanPatchCosine())
                .put("teacher_knn_accuracy", ret.teacherAccuracy())
                .put("student_knn_accuracy", ret.studentAccuracy())
                .put("teacher_linear_accuracy", ret.teacherLinear())
                .put("student_linear_accuracy", ret.studentLinear())
                .put("linear_retention", ret.linearRetention());
        { // k-means (k = 2) of the same two-phase image by both models: do they cut it the same way?
            Image two = Microstructure.GRF.generate(probeSize, probeSize, 4242);
            s.put(
                    "kmeans_agreement",
                    Retention.kmeansAgreement(
                            LayerFeatures.finalFeatures(ft.forward(pre.tensor(two)), 0, true),
                            LayerFeatures.finalFeatures(fs.forward(pre.tensor(two)), 0, true),
                            2,
                            0));
        }
        ObjectNode segNode = s.putObject("segmentation_corner_scribbles");
        for (var e : seg.entrySet()) {
            Metrics.Scores sc = Metrics.score(e.getValue().labels(), truth, new int[] {127, 254});
            segNode.putObject(e.getKey())
                    .put("miou", sc.meanIou())
                    .put("accuracy", sc.accuracy())
                    .put("position_r2", Metrics.positionR2(e.getValue().probability(0), side, side));
        }
        s.putObject("protocol")
                .put("probe", "lr+ud ridge α=1, random mask step " + step + ", 6 repeats, 15 images " + probeSize + "²")
                .put("retention", "k-NN (k=5) on mean-pooled features, 5 microstructure kinds, disjoint seeds");
        s.put("seconds", (System.nanoTime() - t0) / 1e9);
        String text = json.writerWithDefaultPrettyPrinter().writeValueAsString(s);

        // figures, then write everything
        Map<String, BufferedImage> pngs = new LinkedHashMap<>();
        FeatureMap f0t = mt.get(0), f0s = ms.get(0);
        int[] idx = probe.mask().indices(f0t.h(), f0t.w(), false, 100001);
        double[][] target = Ramp.LR_UD.values(f0t.h(), f0t.w(), 0);
        LinearProbe.Fit fitT = LinearProbe.fit(f0t, idx, target, 1.0), fitS = LinearProbe.fit(f0s, idx, target, 1.0);
        pngs.put(
                "ramp_teacher.png",
                Figures.rampPrediction(Ramp.LR_UD, target, fitT.prediction(), f0t.h(), f0t.w(), fitT.r2()));
        pngs.put(
                "ramp_student.png",
                Figures.rampPrediction(Ramp.LR_UD, target, fitS.prediction(), f0s.h(), f0s.w(), fitS.r2()));
        pngs.put(
                "pca_teacher.png",
                Figures.pca(shown, List.of(mt.get(0), mt.get(4)), List.of("grf (teacher)", "noise (teacher)"), true));
        pngs.put(
                "pca_student.png",
                Figures.pca(shown, List.of(ms.get(0), ms.get(4)), List.of("grf (student)", "noise (student)"), true));
        pngs.put("segmentation.png", segmentationFigure(micro, scribbles, seg));
        Files.createDirectories(out);
        for (var e : pngs.entrySet()) Figures.writePng(e.getValue(), out.resolve(e.getKey()));
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(out.resolve("summary.json"), o -> o.write(b));
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of(
                "positional bias R² (lr+ud), mean ± std",
                String.format(Locale.ROOT, "%.3f ± %.3f", rt.mean(), rt.std()),
                String.format(Locale.ROOT, "%.3f ± %.3f", rs.mean(), rs.std())));
        rows.add(List.of(
                "k-NN accuracy (microstructure kind)",
                String.format(Locale.ROOT, "%.3f", ret.teacherAccuracy()),
                String.format(Locale.ROOT, "%.3f", ret.studentAccuracy())));
        rows.add(List.of(
                "linear-probe accuracy (microstructure kind)",
                String.format(Locale.ROOT, "%.3f", ret.teacherLinear()),
                String.format(Locale.ROOT, "%.3f", ret.studentLinear())));
        for (String k : List.of("teacher", "student")) {
            Metrics.Scores sc = Metrics.score(seg.get(k).labels(), truth, new int[] {127, 254});
            rows.add(List.of(
                    "segmentation mIoU, " + k + " features",
                    k.equals("teacher") ? String.format(Locale.ROOT, "%.3f", sc.meanIou()) : "",
                    k.equals("student") ? String.format(Locale.ROOT, "%.3f", sc.meanIou()) : ""));
        }
        ReportPage.write(
                out.resolve("report.html"),
                "What DINO saw, in miniature: teacher vs ALiBi student",
                List.of(
                        String.format(
                                Locale.ROOT,
                                "retention (student / teacher k-NN accuracy): %.3f; mean patch cosine teacher vs student: %.3f",
                                ret.retention(),
                                ret.meanPatchCosine()),
                        "teacher: " + (teacherFile == null ? "embedded (./vit pretrain)" : teacherFile) + "; student: "
                                + (studentFile == null ? "embedded (./vit retrofit)" : studentFile),
                        String.format(Locale.ROOT, "ran in %.0f s", (System.nanoTime() - t0) / 1e9)),
                List.of("measure", "teacher", "ALiBi student"),
                rows,
                List.of(
                        new ReportPage.Figure(
                                "ramp_teacher.png",
                                "Teacher: a linear probe reads position off the features of a homogeneous image."),
                        new ReportPage.Figure("ramp_student.png", "ALiBi student: the same probe on the same image."),
                        new ReportPage.Figure("pca_teacher.png", "Teacher features, first 3 principal components."),
                        new ReportPage.Figure("pca_student.png", "Student features, first 3 principal components."),
                        new ReportPage.Figure(
                                "segmentation.png",
                                "Micrograph, scribbles (top-left only), truth, then classical, teacher and student segmentations.")));
        System.out.println(text);
        return 0;
    }

    private Segmenter.Options opts(Segmenter.FeatureSet set) {
        return Segmenter.Options.defaults(set, threads); // ./vit segment's
    }

    private VisionTransformer load(Path file, String embedded) throws IOException {
        if (file != null)
            return Checkpoints.load(file, Pe.AS_TRAINED, null, nonFinite.allow).model();
        return Checkpoints.load(EmbeddedModels.extract(embedded)).model();
    }

    private static BufferedImage segmentationFigure(Image micro, int[] scribbles, Map<String, Segmenter.Result> seg) {
        int side = micro.height(), gap = 6, panels = 3 + seg.size();
        BufferedImage im = new BufferedImage(panels * (side + gap), side, BufferedImage.TYPE_INT_RGB);
        int[] truth = new int[side * side];
        for (int i = 0; i < truth.length; i++) truth[i] = micro.pixels()[i] > 0.5f ? 254 : 127;
        List<int[]> maps = new ArrayList<>();
        maps.add(null);
        maps.add(scribbles);
        maps.add(truth);
        seg.values().forEach(r -> maps.add(r.labels()));
        for (int p = 0; p < panels; p++)
            for (int y = 0; y < side; y++)
                for (int x = 0; x < side; x++) {
                    int g;
                    if (p == 0) g = Math.round(micro.pixels()[y * side + x] * 255);
                    else {
                        int v = maps.get(p)[y * side + x];
                        g = v == 0 ? 40 : v == 127 ? 110 : 235;
                    }
                    im.setRGB(p * (side + gap) + x, y, (g << 16) | (g << 8) | g);
                }
        return im;
    }
}
