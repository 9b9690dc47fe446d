package io.jvit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvit.core.image.Image;
import io.jvit.core.image.ImageLoader;
import io.jvit.probe.synthetic.Microstructure;
import io.jvit.segment.LabelImage;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SegmentCommandTest {
    @TempDir
    Path dir;

    static void grey(Path file, int[] v, int h, int w) throws Exception {
        BufferedImage im = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) im.getRaster().setSample(x, y, 0, v[y * w + x]);
        ImageIO.write(im, "png", file.toFile());
    }

    /** A GRF micrograph (PNG), its truth (60 / 200) and 200 scribbles per class. */
    Path[] data(int h, int w) throws Exception {
        Image im = Microstructure.GRF.generate(h, w, 9);
        int[] px = new int[h * w], truth = new int[h * w], lab = new int[h * w];
        for (int i = 0; i < px.length; i++) {
            px[i] = Math.round(im.pixels()[i] * 255);
            truth[i] = im.pixels()[i] > 0.5f ? 200 : 60;
        }
        Random r = new Random(1);
        for (int k = 0; k < 400; k++) {
            int i = r.nextInt(px.length);
            lab[i] = truth[i];
        }
        Path img = dir.resolve("img.png"), l = dir.resolve("labels.png"), g = dir.resolve("truth.png");
        grey(img, px, h, w);
        grey(l, lab, h, w);
        grey(g, truth, h, w);
        return new Path[] {img, l, g};
    }

    @Test
    void trainsSegmentsScoresSavesAndAppliesToAFolder() throws Exception {
        Path[] d = data(70, 84);
        Path out = dir.resolve("out").resolve("seg.png"), model = dir.resolve("m.json"), probs = dir.resolve("p");
        Files.createDirectories(out.getParent());
        Path folder = Files.createDirectory(dir.resolve("more"));
        Files.copy(d[0], folder.resolve("a.png"));
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true));
        int code;
        try {
            code = Vit.run(
                    "segment",
                    "--image",
                    d[0].toString(),
                    "--labels",
                    d[1].toString(),
                    "--ground-truth",
                    d[2].toString(),
                    "--out",
                    out.toString(),
                    "--probabilities",
                    probs.toString(),
                    "--save-model",
                    model.toString(),
                    "--apply-to",
                    folder.toString());
        } finally {
            System.setOut(old);
        }
        assertThat(code).isZero();
        assertThat(buf.toString()).contains("mIoU").contains("position R²");
        double acc = Double.parseDouble(buf.toString().replaceAll("(?s).*accuracy ([0-9.]+).*", "$1"));
        assertThat(acc).isGreaterThan(0.9);
        LabelImage seg = LabelImage.of(ImageLoader.read(out), "seg");
        assertThat(seg.classes()).containsExactly(60, 200);
        assertThat(probs.resolve("prob_60.png")).exists();
        assertThat(probs.resolve("prob_200.png")).exists();
        assertThat(LabelImage.of(ImageLoader.read(out.getParent().resolve("a_segmented.png")), "a")
                        .values())
                .isEqualTo(seg.values());
        // the saved model segments the image again without scribbles
        Path again = dir.resolve("again.png");
        assertThat(Vit.run(
                        "segment",
                        "--image",
                        d[0].toString(),
                        "--load-model",
                        model.toString(),
                        "--out",
                        again.toString()))
                .isZero();
        assertThat(LabelImage.of(ImageLoader.read(again), "again").values()).isEqualTo(seg.values());
        // a folder alone (no --image): the same file --apply-to wrote, byte for byte, in --out as a folder
        Path only = dir.resolve("only");
        assertThat(Vit.run(
                        "segment",
                        "--load-model",
                        model.toString(),
                        "--apply-to",
                        folder.toString(),
                        "--out",
                        only.toString()))
                .isZero();
        assertThat(Files.mismatch(
                        only.resolve("a_segmented.png"), out.getParent().resolve("a_segmented.png")))
                .isEqualTo(-1);
        // without --load-model there is nothing to apply: refused before any output
        Path none = dir.resolve("none");
        assertThat(Vit.run("segment", "--apply-to", folder.toString(), "--out", none.toString()))
                .isEqualTo(2);
        assertThat(none).doesNotExist();
    }

    @Test
    void vitFeaturesWithTheTinyFixtureModel() throws Exception {
        Path[] d = data(56, 70);
        Path w = FeaturesCommandTest.fixture("alibi_timm_w128_reg4_d2.pth");
        Path out = dir.resolve("vit.png");
        assertThat(Vit.run(
                        "segment",
                        "--image",
                        d[0].toString(),
                        "--labels",
                        d[1].toString(),
                        "--weights",
                        w.toString(),
                        "--pe",
                        "alibi",
                        "--features",
                        "both",
                        "--pca",
                        "4",
                        "--out",
                        out.toString()))
                .isZero();
        assertThat(LabelImage.of(ImageLoader.read(out), "vit").classes()).containsExactly(60, 200);
        // sub-patch features: a different result, kept by the saved model
        Path sub = dir.resolve("sub.png"), model = dir.resolve("sub.json"), again = dir.resolve("again.png");
        assertThat(Vit.run(
                        "segment",
                        "--image",
                        d[0].toString(),
                        "--labels",
                        d[1].toString(),
                        "--weights",
                        w.toString(),
                        "--pe",
                        "alibi",
                        "--features",
                        "vit",
                        "--pca",
                        "4",
                        "--vit-shifts",
                        "2",
                        "--no-crf",
                        "--out",
                        sub.toString(),
                        "--save-model",
                        model.toString()))
                .isZero();
        // the default flat field is saved with the model, and applied again by --load-model (the labels below agree)
        assertThat(Files.readString(model)).contains("\"vit_shifts\":2").contains("\"flat_field\":2");
        assertThat(Vit.run(
                        "segment",
                        "--image",
                        d[0].toString(),
                        "--load-model",
                        model.toString(),
                        "--weights",
                        w.toString(),
                        "--pe",
                        "alibi",
                        "--no-crf",
                        "--out",
                        again.toString()))
                .isZero();
        assertThat(LabelImage.of(ImageLoader.read(again), "again").values())
                .isEqualTo(LabelImage.of(ImageLoader.read(sub), "sub").values());
        assertThat(Vit.run(
                        "segment",
                        "--image",
                        d[0].toString(),
                        "--labels",
                        d[1].toString(),
                        "--weights",
                        w.toString(),
                        "--pe",
                        "alibi",
                        "--features",
                        "vit",
                        "--vit-shifts",
                        "0",
                        "--out",
                        dir.resolve("never.png").toString()))
                .isEqualTo(2);
        String[] image = {
            "segment",
            "--image",
            d[0].toString(),
            "--labels",
            d[1].toString(),
            "--out",
            dir.resolve("never.png").toString()
        };
        assertThat(refused(image, "--flat-field", "7")).contains("--flat-field must be 0 to 6, got 7");
        assertThat(dir.resolve("never.png")).doesNotExist();
    }

    @Test
    void crfUncertaintyClassWeightsAndImportance() throws Exception {
        Path h = dir.resolve("hard");
        assertThat(Vit.run("synth", "--kind", "hard3", "--count", "1", "--size", "128", "--out", h.toString()))
                .isZero();
        Path[] d = {h.resolve("hard3_000.png"), h.resolve("hard3_000_scribbles.png"), h.resolve("hard3_000_truth.png")};
        Path out = dir.resolve("crf.png"), u = dir.resolve("u.png"), plain = dir.resolve("plain.png");
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true));
        try {
            assertThat(Vit.run(
                            "segment",
                            "--image",
                            d[0].toString(),
                            "--labels",
                            d[1].toString(),
                            "--ground-truth",
                            d[2].toString(),
                            "--out",
                            out.toString(),
                            "--uncertainty",
                            u.toString(),
                            "--verbose",
                            "--crf",
                            "--crf-iterations",
                            "5",
                            "--class-weights",
                            "balanced"))
                    .isZero();
            assertThat(Vit.run(
                            "segment",
                            "--image",
                            d[0].toString(),
                            "--labels",
                            d[1].toString(),
                            "--out",
                            plain.toString(),
                            "--no-crf"))
                    .isZero();
        } finally {
            System.setOut(old);
        }
        String text = buf.toString();
        assertThat(text)
                .contains("feature importance")
                .contains("without CRF: mIoU")
                .contains("  1 ");
        assertThat(text.lines()
                        .filter(l -> l.matches("\\s*\\d+ [a-z0-9_]+ .*%"))
                        .count())
                .isEqualTo(58);
        Image unc = ImageLoader.read(u);
        assertThat(unc.height()).isEqualTo(128);
        float max = 0;
        for (float v : unc.pixels()) max = Math.max(max, v);
        assertThat(max).as("some pixels are uncertain").isGreaterThan(0.1f);
        assertThat(LabelImage.of(ImageLoader.read(plain), "plain").classes()).containsExactly(85, 170, 255);
        // bad settings: refused before any work (exit 2, the reason on stderr), nothing written
        Path never = dir.resolve("never.png");
        String[] image = {"segment", "--image", d[0].toString(), "--labels", d[1].toString(), "--out", never.toString()
        };
        assertThat(refused(image, "--crf", "--crf-srgb", "0")).contains("srgb");
        // a CRF parameter without --crf (the CRF is off by default) is refused, not silently unused
        assertThat(refused(image, "--crf-compat", "5"))
                .contains("--crf-compat is a CRF parameter")
                .contains("add --crf");
        assertThat(refused(image, "--class-weights", "some")).contains("--class-weights");
        assertThat(never).doesNotExist();
    }

    @Test
    void anImageHalfOnePhaseHalfTheOtherIsNotFlatFielded() throws Exception {
        // no surface can tell illumination from two phases side by side: the command says it leaves the image as it is,
        // and segments it as with --flat-field 0
        int h = 96, w = 128;
        int[] img = new int[h * w], lab = new int[h * w];
        Random r = new Random(3);
        for (int i = 0; i < img.length; i++) {
            img[i] = (i % w < w / 2 ? 50 : 190) + r.nextInt(30);
            if (i / w % 8 == 0 && (i % w == 20 || i % w == 108)) lab[i] = i % w == 20 ? 1 : 2;
        }
        Path im = dir.resolve("halves.png"), l = dir.resolve("halves_l.png");
        grey(im, img, h, w);
        grey(l, lab, h, w);
        String[] segment = {"segment", "-i", im.toString(), "-l", l.toString(), "-o"};
        String err = stderr(0, concat(segment, dir.resolve("a.png").toString()));
        stderr(0, concat(segment, dir.resolve("b.png").toString(), "--flat-field", "0"));
        assertThat(err).contains("no flat field (the image's grey levels are not evenly mixed: homogeneity 0.");
        int[] a = LabelImage.of(ImageLoader.read(dir.resolve("a.png")), "a").values();
        assertThat(a)
                .isEqualTo(LabelImage.of(ImageLoader.read(dir.resolve("b.png")), "b")
                        .values());
        assertThat(a[48 * w + 60]).isEqualTo(1); // next to the boundary, on the dark side
        assertThat(a[48 * w + 68]).isEqualTo(2);
    }

    /** Runs {@code ./vit} with {@code args} then {@code extra}, expects exit 2, and returns what it wrote to stderr. */
    private static String refused(String[] args, String... extra) {
        return stderr(2, concat(args, extra));
    }

    private static String[] concat(String[] args, String... extra) {
        String[] all = java.util.Arrays.copyOf(args, args.length + extra.length);
        System.arraycopy(extra, 0, all, args.length, extra.length);
        return all;
    }

    /** Runs {@code ./vit} with {@code args}, expects the exit code, and returns what it wrote to stderr. */
    private static String stderr(int code, String... args) {
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            assertThat(Vit.run(args)).as(String.join(" ", args)).isEqualTo(code);
        } finally {
            System.setErr(old);
        }
        return err.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void synthHardWritesImageTruthAndScribbles() throws Exception {
        Path o = dir.resolve("hard");
        assertThat(Vit.run(
                        "synth",
                        "--kind",
                        "hard3",
                        "--count",
                        "1",
                        "--size",
                        "64",
                        "--seed",
                        "3",
                        "--out",
                        o.toString()))
                .isZero();
        LabelImage truth = LabelImage.of(ImageLoader.read(o.resolve("hard3_003_truth.png")), "t");
        assertThat(truth.classes()).containsExactly(85, 170, 255);
        LabelImage scrib = LabelImage.of(ImageLoader.read(o.resolve("hard3_003_scribbles.png")), "s");
        for (int i = 0; i < scrib.values().length; i++)
            if (scrib.values()[i] != 0) assertThat(scrib.values()[i]).isEqualTo(truth.values()[i]);
        assertThat(ImageLoader.read(o.resolve("hard3_003.png")).height()).isEqualTo(64);
        assertThat(Vit.run("synth", "--kind", "hard9", "--out", o.toString())).isEqualTo(2);
    }

    @Test
    void badInputFailsWithoutWriting() throws Exception {
        Path[] d = data(40, 40);
        Path small = dir.resolve("small.png"), out = dir.resolve("never.png");
        grey(small, new int[20 * 20], 20, 20);
        assertThat(Vit.run(
                        "segment", "--image", d[0].toString(), "--labels", small.toString(), "--out", out.toString()))
                .isEqualTo(2);
        int[] one = new int[40 * 40];
        one[3] = 60;
        Path single = dir.resolve("single.png");
        grey(single, one, 40, 40);
        assertThat(Vit.run(
                        "segment", "--image", d[0].toString(), "--labels", single.toString(), "--out", out.toString()))
                .isEqualTo(2);
        int[] only60 = new int[40 * 40];
        only60[3] = 60;
        only60[9] = 100;
        Path other = dir.resolve("other.png");
        grey(other, only60, 40, 40); // classes 60 and 100, but the truth has 200: no scribbles for it
        assertThat(Vit.run(
                        "segment",
                        "--image",
                        d[0].toString(),
                        "--labels",
                        other.toString(),
                        "--ground-truth",
                        d[2].toString(),
                        "--out",
                        out.toString()))
                .isEqualTo(2);
        assertThat(Vit.run(
                        "segment",
                        "--image",
                        d[0].toString(),
                        "--labels",
                        d[1].toString(),
                        "--classifier",
                        "svm",
                        "--out",
                        out.toString()))
                .isEqualTo(2);
        assertThat(out).doesNotExist();
    }

    @Test
    void warnsWhenAClassHasFewScribbles() throws Exception {
        Path[] d = data(70, 84);
        int[] lab = LabelImage.read(d[1]).values().clone();
        int kept = 0; // class 200 keeps 10 of its scribbles
        for (int i = 0; i < lab.length; i++) if (lab[i] == 200 && ++kept > 10) lab[i] = 0;
        Path few = dir.resolve("few.png");
        grey(few, lab, 70, 84);
        String[] segment = {"segment", "-i", d[0].toString(), "-l"};
        String fewErr = stderr(
                0, concat(segment, few.toString(), "-o", dir.resolve("a.png").toString()));
        String manyErr = stderr(
                0, concat(segment, d[1].toString(), "-o", dir.resolve("b.png").toString()));
        assertThat(fewErr).contains("warning: class 200 has 10 scribbled pixel(s)");
        assertThat(manyErr).doesNotContain("warning:");
    }
}
