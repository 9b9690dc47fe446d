package io.jvit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvit.core.checkpoint.Checkpoints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad inputs end to end, a handful per command: exit code 2, exactly one {@code error:} line on stderr naming the file
 * at fault, and the outputs neither created nor modified (the output folder's every file compared before and after).
 */
class BadInputCliTest {
    @TempDir
    Path dir;

    Path in, out; // inputs; outputs (with files there before the command runs)
    Path weights, image, labels, jpeg;

    @BeforeEach
    void inputs() throws Exception {
        in = Files.createDirectory(dir.resolve("in"));
        out = Files.createDirectory(dir.resolve("out"));
        weights = FeaturesCommandTest.fixture("timm_w128_reg4_d2.pth");
        image = in.resolve("img.png");
        labels = in.resolve("labels.png");
        BufferedImage im = new BufferedImage(48, 40, BufferedImage.TYPE_BYTE_GRAY),
                lab = new BufferedImage(48, 40, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 40; y++)
            for (int x = 0; x < 48; x++) {
                im.getRaster().setSample(x, y, 0, x < 24 ? 40 + (x * y) % 20 : 200 - (x + y) % 20);
                if ((x + 3 * y) % 11 == 0) lab.getRaster().setSample(x, y, 0, x < 24 ? 60 : 200);
            }
        ImageIO.write(im, "png", image.toFile());
        ImageIO.write(lab, "png", labels.toFile());
        ByteArrayOutputStream j = new ByteArrayOutputStream();
        BufferedImage rgb = new BufferedImage(48, 40, BufferedImage.TYPE_INT_RGB);
        rgb.getGraphics().drawImage(im, 0, 0, null);
        ImageIO.write(rgb, "jpg", j);
        jpeg = Files.write(
                in.resolve("cut.jpg"), Arrays.copyOf(j.toByteArray(), j.size() - 60)); // headers whole, data cut
        Files.writeString(out.resolve("f.npy"), "old features");
        Files.writeString(out.resolve("seg.png"), "old segmentation");
        Files.writeString(out.resolve("m.json"), "old model");
    }

    private record Result(int code, String err) {}

    private Result run(String... args) {
        PrintStream oldErr = System.err, oldOut = System.out;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true));
        System.setOut(new PrintStream(new ByteArrayOutputStream(), true));
        try {
            return new Result(Vit.run(args), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(oldErr);
            System.setOut(oldOut);
        }
    }

    private Map<String, String> snapshot() throws Exception {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(out)) {
            for (Path p : s.toList())
                m.put(
                        out.relativize(p).toString(),
                        Files.isDirectory(p) ? "/" : Arrays.toString(Files.readAllBytes(p)));
        }
        return m;
    }

    /** Runs a command that must fail on {@code culprit}, with {@code words} in its one error line; nothing in out/ changes. */
    private void refused(String culprit, List<String> words, String... args) throws Exception {
        Map<String, String> before = snapshot();
        Result r = run(args);
        List<String> errors =
                r.err().lines().filter(l -> l.startsWith("error:")).toList();
        assertThat(r.code())
                .as("exit code of %s%n%s", String.join(" ", args), r.err())
                .isEqualTo(2);
        assertThat(errors).as("error lines of %s", String.join(" ", args)).hasSize(1);
        assertThat(errors.get(0)).as(String.join(" ", args)).startsWith("error: " + culprit);
        for (String w : words) assertThat(errors.get(0)).containsIgnoringCase(w);
        assertThat(snapshot()).as("out/ after %s", String.join(" ", args)).isEqualTo(before);
        assertThat(r.err()).doesNotContain("\tat "); // no stack trace
    }

    private Path file(String name, byte[] bytes) throws Exception {
        return Files.write(in.resolve(name), bytes);
    }

    /** A jvit .safetensors of the fixture with one weight set to NaN. */
    private Path nanWeights() throws Exception {
        Path good = in.resolve("good.safetensors");
        Checkpoints.save(good, Checkpoints.load(weights).model());
        byte[] b = Files.readAllBytes(good);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putFloat(b.length - 4, Float.NaN);
        return file("nan.safetensors", b);
    }

    /** A .pth whose pickle nests dicts 100,000 deep. */
    private Path nestedPth() throws Exception {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(new byte[] {(byte) 0x80, 2});
        for (int i = 0; i < 100_000; i++) p.write(new byte[] {'}', 'X', 1, 0, 0, 0, 'k'});
        p.write('}');
        for (int i = 0; i < 100_000; i++) p.write('s');
        p.write('.');
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        try (var zip = new java.util.zip.ZipOutputStream(z)) {
            zip.putNextEntry(new java.util.zip.ZipEntry("archive/data.pkl"));
            zip.write(p.toByteArray());
        }
        return file("nested.pth", z.toByteArray());
    }

    private String o(String name) {
        return out.resolve(name).toString();
    }

    @Test
    void features() throws Exception {
        Path truncated = file("cut.pth", Arrays.copyOf(Files.readAllBytes(weights), 100_000));
        Path nan = nanWeights(), nested = nestedPth();
        String w = weights.toString(), img = image.toString();
        refused(
                truncated.toString(),
                List.of("zip"),
                "features",
                "-w",
                truncated.toString(),
                "-i",
                img,
                "-o",
                o("f.npy"));
        refused(nested.toString(), List.of("nested"), "features", "-w", nested.toString(), "-i", img, "-o", o("f.npy"));
        refused(
                nan.toString(),
                List.of("NaN", "--allow-nonfinite"),
                "features",
                "-w",
                nan.toString(),
                "-i",
                img,
                "-o",
                o("f.npy"));
        refused(jpeg.toString(), List.of("truncated"), "features", "-w", w, "-i", jpeg.toString(), "-o", o("f.npy"));
        refused(
                in.resolve("none.png").toString(),
                List.of("no such file"),
                "features",
                "-w",
                w,
                "-i",
                in.resolve("none.png").toString(),
                "-o",
                o("f.npy"));
        refused(
                "Invalid value",
                List.of("--threads", "abc"),
                "features",
                "-w",
                w,
                "-i",
                img,
                "-o",
                o("f.npy"),
                "--threads",
                "abc");
        refused("Missing required option", List.of("--image"), "features", "-w", w, "-o", o("f.npy"));
        // the override loads them: a NaN-free forward is not promised, a written file is
        Result allowed = run("features", "-w", nan.toString(), "-i", img, "-o", o("nan.npy"), "--allow-nonfinite");
        assertThat(allowed.code()).as(allowed.err()).isZero();
    }

    @Test
    void segment() throws Exception {
        Path rgbLabels = in.resolve("rgb.png");
        ImageIO.write(new BufferedImage(48, 40, BufferedImage.TYPE_INT_RGB), "png", rgbLabels.toFile());
        Path small = in.resolve("small.png");
        ImageIO.write(new BufferedImage(20, 20, BufferedImage.TYPE_BYTE_GRAY), "png", small.toFile());
        Path folder = Files.createDirectory(in.resolve("more"));
        Files.copy(image, folder.resolve("a.png"));
        Files.copy(jpeg, folder.resolve("b.jpg")); // its header reads; its data stops short
        Path badModel = file(
                "bad.json",
                "{\"format\": \"jvit-segmenter\", \"version\": 1, \"features\": \"CLASSICAL\"}"
                        .getBytes(StandardCharsets.UTF_8));
        Path notAFolder = Files.writeString(out.resolve("probs"), "a file");
        String[] base = {
            "segment",
            "-i",
            image.toString(),
            "-l",
            labels.toString(),
            "--classifier",
            "logistic",
            "-o",
            o("seg.png"),
            "--save-model",
            o("m.json")
        };
        refused(
                folder.resolve("b.jpg").toString(),
                List.of("truncated"),
                concat(base, "--apply-to", folder.toString()));
        refused(notAFolder.toString(), List.of("not a folder"), concat(base, "--probabilities", notAFolder.toString()));
        refused(
                out.toString(),
                List.of("folder"),
                "segment",
                "-i",
                image.toString(),
                "-l",
                labels.toString(),
                "-o",
                o("seg.png"),
                "--save-model",
                out.toString());
        refused(
                rgbLabels.toString(),
                List.of("greyscale"),
                "segment",
                "-i",
                image.toString(),
                "-l",
                rgbLabels.toString(),
                "-o",
                o("seg.png"));
        refused(small.toString(), List.of("20×20"), concat(base, "--ground-truth", small.toString()));
        refused(
                badModel.toString(),
                List.of("\"classifier\" is missing"),
                "segment",
                "-i",
                image.toString(),
                "--load-model",
                badModel.toString(),
                "-o",
                o("seg.png"));
        refused("Invalid value", List.of("--pca"), concat(base, "--pca", "x"));
        // and the same command with good inputs writes everything
        Files.delete(folder.resolve("b.jpg"));
        Result ok = run(concat(base, "--apply-to", folder.toString(), "--probabilities", o("p")));
        assertThat(ok.code()).as(ok.err()).isZero();
        assertThat(out.resolve("p").resolve("prob_60.png")).exists();
        assertThat(out.resolve("a_segmented.png")).exists();
        assertThat(Files.readString(out.resolve("m.json"))).startsWith("{\"format\":\"jvit-segmenter\"");
    }

    @Test
    void retrofitAndProbe() throws Exception {
        Path junk = Files.createDirectory(in.resolve("junk"));
        for (int i = 0; i < 3; i++) Files.writeString(junk.resolve("x" + i + ".png"), "not a png");
        Path run = out.resolve("run");
        refused(
                junk.toString(),
                List.of("readable images"),
                "retrofit",
                "--teacher",
                weights.toString(),
                "--images",
                junk.toString(),
                "--out",
                run.toString(),
                "--size",
                "42");
        Path nested = nestedPth();
        refused(
                nested.toString(),
                List.of("nested"),
                "retrofit",
                "--teacher",
                nested.toString(),
                "--images",
                junk.toString(),
                "--out",
                run.toString());
        refused(
                "Missing required option",
                List.of("--teacher"),
                "retrofit",
                "--images",
                junk.toString(),
                "--out",
                run.toString());
        // probe: a .npy whose header claims 2 GB, and one of another dtype
        byte[] npy = Files.readAllBytes(FeaturesCommandTest.fixture("timm_d2__rocket_224.npy"));
        byte[] v2 = npy.clone();
        v2[6] = 2;
        ByteBuffer.wrap(v2).order(ByteOrder.LITTLE_ENDIAN).putInt(8, 0x7fffff00);
        Path huge = file("huge.npy", v2);
        refused(
                huge.toString(),
                List.of("header length"),
                "probe",
                "--features",
                huge.toString(),
                "--out",
                o("report"));
        Path f8 = file(
                "f8.npy",
                new String(npy, StandardCharsets.ISO_8859_1)
                        .replace("<f4", "<f8")
                        .getBytes(StandardCharsets.ISO_8859_1));
        refused(f8.toString(), List.of("dtype"), "probe", "--features", f8.toString(), "--out", o("report"));
        refused("Invalid value", List.of("--step"), "probe", "--features", f8.toString(), "--step", "abc");
    }

    @Test
    void everyCommandsHelpListsTheExitCodes() {
        for (String cmd : List.of("features", "segment", "retrofit", "probe", "init", "synth", "pretrain", "demo")) {
            PrintStream old = System.out;
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            System.setOut(new PrintStream(buf, true));
            try {
                assertThat(Vit.run(cmd, "--help")).isZero();
            } finally {
                System.setOut(old);
            }
            String help = buf.toString(StandardCharsets.UTF_8);
            assertThat(help)
                    .as(cmd)
                    .contains("Exit codes:")
                    .containsPattern("\\s0\\s+success")
                    .containsPattern("\\s2\\s+bad input")
                    .containsPattern("\\s3\\s+out of memory");
        }
    }

    private static String[] concat(String[] a, String... b) {
        List<String> l = new ArrayList<>(Arrays.asList(a));
        l.addAll(Arrays.asList(b));
        return l.toArray(String[]::new);
    }
}
