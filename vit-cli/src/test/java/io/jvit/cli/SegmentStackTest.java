package io.jvit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvit.core.image.Image;
import io.jvit.core.image.ImageLoader;
import io.jvit.core.image.ImagePages;
import io.jvit.probe.synthetic.Microstructure;
import io.jvit.segment.LabelImage;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ./vit segment on stacks (multi-page TIFF): slice by slice, in and out, and the stack's bad inputs. */
class SegmentStackTest {
    @TempDir
    Path dir;

    static BufferedImage grey(int[] v, int h, int w) {
        BufferedImage im = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) im.getRaster().setSample(x, y, 0, v[y * w + x]);
        return im;
    }

    static void tiff(Path file, List<BufferedImage> pages) throws Exception {
        ImageWriter wr = ImageIO.getImageWritersByFormatName("tiff").next();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
            wr.setOutput(out);
            wr.prepareWriteSequence(null);
            for (BufferedImage p : pages) wr.writeToSequence(new IIOImage(p, null, null), null);
            wr.endWriteSequence();
        } finally {
            wr.dispose();
        }
    }

    static int[] pixels(Image im) {
        int[] v = new int[im.pixels().length];
        for (int i = 0; i < v.length; i++) v[i] = Math.round(im.pixels()[i] * 255);
        return v;
    }

    static int[] scribbles(int[] px, int count, long seed) {
        int[] lab = new int[px.length];
        Random r = new Random(seed);
        for (int k = 0; k < count; k++) {
            int i = r.nextInt(px.length);
            lab[i] = px[i] > 127 ? 200 : 60;
        }
        return lab;
    }

    static final int H = 48, W = 56, N = 3;

    /** A 3-slice GRF stack; its pages as PNGs too. */
    List<int[]> stack(Path file) throws Exception {
        List<int[]> slices = new ArrayList<>();
        List<BufferedImage> pages = new ArrayList<>();
        for (int s = 0; s < N; s++) {
            int[] px = pixels(Microstructure.GRF.generate(H, W, 20 + s));
            slices.add(px);
            pages.add(grey(px, H, W));
            ImageIO.write(
                    grey(px, H, W), "png", dir.resolve("slice" + s + ".png").toFile());
        }
        tiff(file, pages);
        return slices;
    }

    @Test
    void segmentsEverySliceIntoAMultiPageTiffAsSingleImagesWould() throws Exception {
        Path st = dir.resolve("stack.tif"),
                lab = dir.resolve("lab.png"),
                out = dir.resolve("seg.tif"),
                model = dir.resolve("m.json");
        List<int[]> slices = stack(st);
        ImageIO.write(grey(scribbles(slices.get(1), 300, 1), H, W), "png", lab.toFile());
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true));
        try {
            assertThat(Vit.run(
                            "segment",
                            "--image",
                            st.toString(),
                            "--labels",
                            lab.toString(),
                            "--train-page",
                            "2",
                            "--out",
                            out.toString(),
                            "--save-model",
                            model.toString()))
                    .isZero();
        } finally {
            System.setErr(old);
        }
        assertThat(err.toString()).contains("segmented 3 slices of 56×48").contains("segment stack.tif");
        List<ImagePages.Page> pages = ImagePages.list(out);
        assertThat(pages).hasSize(N);
        for (int s = 0; s < N; s++) {
            Path one = dir.resolve("one" + s + ".png");
            assertThat(Vit.run(
                            "segment",
                            "--image",
                            dir.resolve("slice" + s + ".png").toString(),
                            "--load-model",
                            model.toString(),
                            "--out",
                            one.toString()))
                    .isZero();
            int[] expected = LabelImage.of(ImageLoader.read(one), "one").values();
            LabelImage page = LabelImage.of(ImagePages.read(pages.get(s)), "page");
            assertThat(page.values()).as("slice %d", s).isEqualTo(expected);
            assertThat(page.classes()).containsExactly(60, 200);
        }
        // a label stack (one page per slice, scribbles on two of them) trains on every scribbled slice
        Path labStack = dir.resolve("labels.tif"), out2 = dir.resolve("seg2.tif");
        tiff(
                labStack,
                List.of(
                        grey(scribbles(slices.get(0), 150, 2), H, W),
                        grey(new int[H * W], H, W),
                        grey(scribbles(slices.get(2), 150, 3), H, W)));
        assertThat(Vit.run(
                        "segment",
                        "--image",
                        st.toString(),
                        "--labels",
                        labStack.toString(),
                        "--out",
                        out2.toString(),
                        "--no-crf"))
                .isZero();
        assertThat(ImagePages.list(out2)).hasSize(N);
        // a folder holding the stack: its result is a stack too
        Path folder = Files.createDirectory(dir.resolve("more")),
                out3 = dir.resolve("o").resolve("seg3.png");
        Files.copy(st, folder.resolve("again.tif"));
        assertThat(Vit.run(
                        "segment",
                        "--image",
                        dir.resolve("slice0.png").toString(),
                        "--load-model",
                        model.toString(),
                        "--out",
                        out3.toString(),
                        "--apply-to",
                        folder.toString()))
                .isZero();
        assertThat(ImagePages.list(out3.resolveSibling("again_segmented.tif"))).hasSize(N);
    }

    @Test
    void badStacksFailWithOneErrorAndWriteNothing() throws Exception {
        Path st = dir.resolve("stack.tif"), lab = dir.resolve("lab.png"), out = dir.resolve("seg.tif");
        List<int[]> slices = stack(st);
        ImageIO.write(grey(scribbles(slices.get(0), 200, 1), H, W), "png", lab.toFile());
        // pages of different sizes
        Path uneven = dir.resolve("uneven.tif");
        tiff(uneven, List.of(grey(slices.get(0), H, W), grey(new int[20 * 30], 20, 30)));
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true));
        try {
            assertThat(Vit.run(
                            "segment",
                            "--image",
                            uneven.toString(),
                            "--labels",
                            lab.toString(),
                            "--out",
                            out.toString()))
                    .isEqualTo(2);
            // labels with another page count
            Path two = dir.resolve("two.tif");
            tiff(
                    two,
                    List.of(grey(scribbles(slices.get(0), 50, 1), H, W), grey(scribbles(slices.get(1), 50, 2), H, W)));
            assertThat(Vit.run(
                            "segment", "--image", st.toString(), "--labels", two.toString(), "--out", out.toString()))
                    .isEqualTo(2);
            // a PNG output for a stack, a --train-page outside the stack
            assertThat(Vit.run(
                            "segment",
                            "--image",
                            st.toString(),
                            "--labels",
                            lab.toString(),
                            "--out",
                            dir.resolve("seg.png").toString()))
                    .isEqualTo(2);
            assertThat(Vit.run(
                            "segment",
                            "--image",
                            st.toString(),
                            "--labels",
                            lab.toString(),
                            "--train-page",
                            "4",
                            "--out",
                            out.toString()))
                    .isEqualTo(2);
        } finally {
            System.setErr(old);
        }
        String e = err.toString();
        assertThat(e).contains("uneven.tif").contains("page 2 of 2 is 30×20 but page 1 is 56×48");
        assertThat(e).contains("two.tif").contains("has 2 pages but the stack");
        assertThat(e).contains("multi-page TIFF").contains("--train-page must be 1 to 3");
        assertThat(out).doesNotExist();
        assertThat(dir.resolve("seg.png")).doesNotExist();
    }

    /** Runs the command with stdout captured; returns {exit code, stdout, stderr}. */
    static String[] run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true));
        System.setErr(new PrintStream(err, true));
        try {
            return new String[] {String.valueOf(Vit.run(args)), out.toString(), err.toString()};
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    static int[] truthOf(int[] px) {
        int[] t = new int[px.length];
        for (int i = 0; i < px.length; i++) t[i] = px[i] > 127 ? 200 : 60; // the scribbles' rule
        return t;
    }

    static double printed(String text, String regex) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(regex).matcher(text);
        assertThat(m.find()).as("%s in%n%s", regex, text).isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    void groundTruthProbabilitiesAndUncertaintyOfAStack() throws Exception {
        Path st = dir.resolve("stack.tif"), lab = dir.resolve("lab.png"), truth = dir.resolve("truth.tif");
        Path out = dir.resolve("seg.tif"), u = dir.resolve("u.tif"), probs = dir.resolve("p");
        Path model = dir.resolve("m.json");
        List<int[]> slices = stack(st);
        ImageIO.write(grey(scribbles(slices.get(1), 300, 1), H, W), "png", lab.toFile());
        List<BufferedImage> tp = new ArrayList<>();
        for (int[] px : slices) tp.add(grey(truthOf(px), H, W));
        tiff(truth, tp);
        String[] r = run(
                "segment",
                "--image",
                st.toString(),
                "--labels",
                lab.toString(),
                "--train-page",
                "2",
                "--ground-truth",
                truth.toString(),
                "--probabilities",
                probs.toString(),
                "--uncertainty",
                u.toString(),
                "--out",
                out.toString(),
                "--save-model",
                model.toString(),
                "--crf");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        // scores: per slice as Metrics.score of that page, overall pooled over the three
        List<ImagePages.Page> seg = ImagePages.list(out);
        io.jvit.segment.PooledScores pooled = new io.jvit.segment.PooledScores(new int[] {60, 200});
        for (int s = 0; s < N; s++) {
            int[] labels = LabelImage.of(ImagePages.read(seg.get(s)), "seg").values();
            int[] t = truthOf(slices.get(s));
            pooled.add(labels, t);
            double want = io.jvit.segment.Metrics.score(labels, t, new int[] {60, 200})
                    .meanIou();
            assertThat(printed(r[1], "slice " + (s + 1) + ": mIoU ([0-9.]+)"))
                    .isCloseTo(want, org.assertj.core.api.Assertions.within(5e-5));
        }
        assertThat(printed(r[1], "(?m)^mIoU ([0-9.]+), accuracy [0-9.]+ \\(3 slices pooled\\)"))
                .isCloseTo(pooled.scores().meanIou(), org.assertj.core.api.Assertions.within(5e-5));
        assertThat(pooled.scores().meanIou()).as("GRF phases are easy").isGreaterThan(0.8);
        assertThat(r[1]).contains("without CRF: mIoU");
        // probabilities: one 3-page TIFF per class, summing to 1, their argmax the labels
        List<ImagePages.Page> p60 = ImagePages.list(probs.resolve("prob_60.tif")),
                p200 = ImagePages.list(probs.resolve("prob_200.tif"));
        assertThat(p60).hasSize(N);
        assertThat(p200).hasSize(N);
        for (int s = 0; s < N; s++) {
            float[] a = ImagePages.read(p60.get(s)).pixels(),
                    b = ImagePages.read(p200.get(s)).pixels();
            int[] labels = LabelImage.of(ImagePages.read(seg.get(s)), "seg").values();
            for (int i = 0; i < a.length; i++) {
                assertThat((double) a[i] + b[i]).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1.5 / 255));
                if (Math.abs(a[i] - b[i]) > 2 / 255f) assertThat(labels[i]).isEqualTo(a[i] > b[i] ? 60 : 200);
            }
        }
        // uncertainty: page s is what the single-image command writes for slice s with the same model
        List<ImagePages.Page> up = ImagePages.list(u);
        assertThat(up).hasSize(N);
        for (int s = 0; s < N; s++) {
            Path one = dir.resolve("u" + s + ".png");
            String[] r1 = run(
                    "segment",
                    "--image",
                    dir.resolve("slice" + s + ".png").toString(),
                    "--load-model",
                    model.toString(),
                    "--uncertainty",
                    one.toString());
            assertThat(r1[0]).as(r1[2]).isEqualTo("0");
            assertThat(ImagePages.read(up.get(s)).pixels())
                    .as("slice %d", s)
                    .containsExactly(ImageLoader.read(one).pixels());
        }
        // one page of truth: the slice --train-page
        Path page2 = dir.resolve("truth2.png");
        ImageIO.write(grey(truthOf(slices.get(1)), H, W), "png", page2.toFile());
        String[] r2 = run(
                "segment",
                "--image",
                st.toString(),
                "--load-model",
                model.toString(),
                "--train-page",
                "2",
                "--ground-truth",
                page2.toString(),
                "--out",
                dir.resolve("seg2.tif").toString());
        assertThat(r2[0]).as(r2[2]).isEqualTo("0");
        assertThat(r2[1]).contains("slice 2: mIoU").doesNotContain("slice 1:").contains("(1 slice pooled)");
    }

    @Test
    void aStacksTruthOrUncertaintyThatDoesNotFitIsRefusedAndNothingIsWritten() throws Exception {
        Path st = dir.resolve("stack.tif"), lab = dir.resolve("lab.png"), out = dir.resolve("seg.tif");
        Path u = dir.resolve("u.tif"), probs = dir.resolve("p");
        List<int[]> slices = stack(st);
        ImageIO.write(grey(scribbles(slices.get(0), 200, 1), H, W), "png", lab.toFile());
        Path two = dir.resolve("two.tif"), small = dir.resolve("small.tif"), other = dir.resolve("other.tif");
        tiff(two, List.of(grey(truthOf(slices.get(0)), H, W), grey(truthOf(slices.get(1)), H, W)));
        tiff(
                small,
                List.of(
                        grey(new int[20 * 30], 20, 30),
                        grey(new int[20 * 30], 20, 30),
                        grey(new int[20 * 30], 20, 30)));
        int[] third = truthOf(slices.get(2));
        third[5] = 99; // a class without scribbles
        tiff(other, List.of(grey(truthOf(slices.get(0)), H, W), grey(truthOf(slices.get(1)), H, W), grey(third, H, W)));
        String[][] runs = {
            run(
                    "segment",
                    "--image",
                    st.toString(),
                    "--labels",
                    lab.toString(),
                    "--ground-truth",
                    two.toString(),
                    "--out",
                    out.toString(),
                    "--uncertainty",
                    u.toString(),
                    "--probabilities",
                    probs.toString()),
            run(
                    "segment",
                    "--image",
                    st.toString(),
                    "--labels",
                    lab.toString(),
                    "--ground-truth",
                    small.toString(),
                    "--out",
                    out.toString(),
                    "--uncertainty",
                    u.toString()),
            run(
                    "segment",
                    "--image",
                    st.toString(),
                    "--labels",
                    lab.toString(),
                    "--ground-truth",
                    other.toString(),
                    "--out",
                    out.toString(),
                    "--probabilities",
                    probs.toString()),
            run(
                    "segment",
                    "--image",
                    st.toString(),
                    "--labels",
                    lab.toString(),
                    "--uncertainty",
                    dir.resolve("u.png").toString(),
                    "--out",
                    out.toString())
        };
        for (String[] r : runs) assertThat(r[0]).as(r[2]).isEqualTo("2");
        assertThat(runs[0][2]).contains(two + ": has 2 pages but the stack has 3");
        assertThat(runs[1][2]).contains(small + ": page 1 is 30×20 but the stack's pages are 56×48");
        assertThat(runs[2][2]).contains(other + ": page 3: class 99 has no scribbles");
        assertThat(runs[3][2]).contains("--uncertainty a .tif name");
        assertThat(out).doesNotExist();
        assertThat(u).doesNotExist();
        assertThat(dir.resolve("u.png")).doesNotExist();
        assertThat(probs).doesNotExist();
    }
}
