package io.jvit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvit.core.checkpoint.Checkpoints;
import io.jvit.core.config.MlpKind;
import io.jvit.core.config.ViTConfig;
import io.jvit.core.io.Npy;
import io.jvit.core.model.ViTWeights;
import io.jvit.core.model.VisionTransformer;
import io.jvit.core.pe.LearnedAbsolute;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** {@code ./vit features} on a folder and on a multi-page TIFF: one .npy per image or page, each equal to a single-image run. */
class FeaturesFolderTest {
    @TempDir
    Path dir;

    private Path weights, in;
    private final BufferedImage[] stack = new BufferedImage[3];

    @BeforeEach
    void tinyModelAndImages() throws IOException {
        // patch 4, width 32, a CLS token and a register; the learned PE is resampled to every grid
        ViTConfig cfg =
                new ViTConfig(4, 32, 2, 4, MlpKind.GELU, 64, true, true, 1, 1e-6, true, LearnedAbsolute.dinov2(5));
        weights = dir.resolve("tiny.safetensors");
        Checkpoints.save(weights, new VisionTransformer(cfg, ViTWeights.random(cfg, 3, 0.5, DataType.FLOAT)));
        in = Files.createDirectories(dir.resolve("in"));
        Random r = new Random(1);
        ImageIO.write(
                random(r, 36, 44, BufferedImage.TYPE_3BYTE_BGR),
                "png",
                in.resolve("a.png").toFile());
        ImageIO.write(
                random(r, 36, 44, BufferedImage.TYPE_3BYTE_BGR),
                "png",
                in.resolve("b.png").toFile());
        ImageIO.write(
                random(r, 50, 30, BufferedImage.TYPE_BYTE_GRAY),
                "png",
                in.resolve("c.png").toFile());
        stack[0] = random(r, 36, 44, BufferedImage.TYPE_3BYTE_BGR);
        stack[1] = random(r, 36, 44, BufferedImage.TYPE_3BYTE_BGR);
        stack[2] = random(r, 50, 30, BufferedImage.TYPE_3BYTE_BGR);
        writeTiff(in.resolve("stack.tif"), stack);
        Files.writeString(in.resolve("notes.txt"), "not an image");
    }

    @ParameterizedTest(name = "--engine {0}")
    @ValueSource(strings = {"fast", "samediff"})
    void aFolderGivesOneFilePerImageAndPageEqualToSingleRuns(String engine) throws Exception {
        Path out = dir.resolve("out");
        Result r = run(
                "features",
                "--weights",
                weights.toString(),
                "--image",
                in.toString(),
                "--out",
                out.toString(),
                "--batch",
                "2",
                "--engine",
                engine,
                "--threads",
                "2");
        assertThat(r.code()).as(r.err()).isZero();
        // 44×36 (a, b, pages 1 and 2) in two batches of two, 28×48 after the crop (c, page 3) in one
        assertThat(r.err()).contains("features: 6 images in 3 batches →").doesNotContain("\r");
        try (Stream<Path> s = Files.list(out)) {
            assertThat(s.map(p -> p.getFileName().toString()).sorted())
                    .containsExactly("a.npy", "b.npy", "c.npy", "stack_p001.npy", "stack_p002.npy", "stack_p003.npy");
        }
        for (int i = 0; i < 3; i++)
            ImageIO.write(
                    stack[i], "png", dir.resolve("page" + (i + 1) + ".png").toFile());
        String[][] pairs = {
            {"a.npy", in.resolve("a.png").toString()},
            {"b.npy", in.resolve("b.png").toString()},
            {"c.npy", in.resolve("c.png").toString()},
            {"stack_p001.npy", dir.resolve("page1.png").toString()},
            {"stack_p002.npy", dir.resolve("page2.png").toString()},
            {"stack_p003.npy", dir.resolve("page3.png").toString()}
        };
        for (String[] p : pairs) {
            Path single = dir.resolve("single.npy");
            Result one = run(
                    "features",
                    "--weights",
                    weights.toString(),
                    "--image",
                    p[1],
                    "--out",
                    single.toString(),
                    "--engine",
                    engine,
                    "--threads",
                    "1");
            assertThat(one.code()).as(one.err()).isZero();
            INDArray want = Npy.read(single), got = Npy.read(out.resolve(p[0]));
            assertThat(got.shape()).as(p[0]).containsExactly(want.shape());
            if (engine.equals("fast")) // our engine: the same bits, batched or not, on any thread count
            assertThat(got.data().asFloat())
                        .as(p[0])
                        .containsExactly(want.data().asFloat());
            else // ND4J's graph: its own kernels may sum a batch in another order
            assertThat(got.sub(want).amaxNumber().doubleValue()).as(p[0]).isLessThanOrEqualTo(1e-5);
        }
        assertThat(Npy.read(out.resolve("a.npy")).shape()).containsExactly(11, 9, 32);
        assertThat(Npy.read(out.resolve("c.npy")).shape()).containsExactly(7, 12, 32);
    }

    @Test
    void aMultiPageTiffGivesOneFilePerPage() throws Exception {
        Path out = dir.resolve("pages");
        Result r = run(
                "features",
                "--weights",
                weights.toString(),
                "--image",
                in.resolve("stack.tif").toString(),
                "--out",
                out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        try (Stream<Path> s = Files.list(out)) {
            assertThat(s.map(p -> p.getFileName().toString()).sorted())
                    .containsExactly("stack_p001.npy", "stack_p002.npy", "stack_p003.npy");
        }
        Path folderRun = dir.resolve("all");
        assertThat(run(
                                "features",
                                "--weights",
                                weights.toString(),
                                "--image",
                                in.toString(),
                                "--out",
                                folderRun.toString())
                        .code())
                .isZero();
        for (String f : List.of("stack_p001.npy", "stack_p002.npy", "stack_p003.npy"))
            assertThat(Npy.read(out.resolve(f)).data().asFloat())
                    .containsExactly(Npy.read(folderRun.resolve(f)).data().asFloat());
    }

    @Test
    void badFoldersAreRefusedBeforeAnythingIsWritten() throws Exception {
        Path out = dir.resolve("never");
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Path clash = Files.createDirectories(dir.resolve("clash"));
        Files.copy(in.resolve("a.png"), clash.resolve("a.png"));
        Files.copy(in.resolve("a.png"), clash.resolve("a.tiff")); // a TIFF named like the PNG: both would write a.npy
        Path small = Files.createDirectories(dir.resolve("small"));
        ImageIO.write(
                random(new Random(2), 36, 44, BufferedImage.TYPE_3BYTE_BGR),
                "png",
                small.resolve("ok.png").toFile());
        ImageIO.write(
                random(new Random(3), 3, 3, BufferedImage.TYPE_3BYTE_BGR),
                "png",
                small.resolve("tiny.png").toFile());
        String[][] cases = {
            {"--image", empty.toString(), "--out", out.toString()},
            {"--image", clash.toString(), "--out", out.toString()},
            {"--image", small.toString(), "--out", out.toString()},
            {"--image", small.toString(), "--out", out + ".npy"},
            {"--image", small.toString(), "--out", out.toString(), "--batch", "0"},
        };
        String[] expected = {
            "no PNG, JPEG or TIFF images",
            "would overwrite",
            "tiny.png: image is 3×3 px, smaller than one 4×4 patch",
            "is a folder",
            "--batch must be >= 1"
        };
        for (int i = 0; i < cases.length; i++) {
            String[] args = Stream.concat(Stream.of("features", "--weights", weights.toString()), Stream.of(cases[i]))
                    .toArray(String[]::new);
            Result r = run(args);
            assertThat(r.code()).as(String.join(" ", cases[i])).isEqualTo(2);
            assertThat(r.err().strip().lines().reduce((a, b) -> b).orElse(""))
                    .startsWith("error: ")
                    .contains(expected[i]);
            assertThat(out).doesNotExist();
            assertThat(Path.of(out + ".npy")).doesNotExist();
        }
    }

    private record Result(int code, String err) {}

    private static Result run(String... args) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true));
        try {
            return new Result(Vit.run(args), buf.toString());
        } finally {
            System.setErr(old);
        }
    }

    private static BufferedImage random(Random r, int width, int height, int type) {
        BufferedImage img = new BufferedImage(width, height, type);
        var raster = img.getRaster();
        for (int b = 0; b < raster.getNumBands(); b++)
            for (int y = 0; y < height; y++) for (int x = 0; x < width; x++) raster.setSample(x, y, b, r.nextInt(256));
        return img;
    }

    private static void writeTiff(Path file, BufferedImage... pages) throws IOException {
        ImageWriter w = ImageIO.getImageWritersByFormatName("tiff").next();
        try (ImageOutputStream o = ImageIO.createImageOutputStream(file.toFile())) {
            w.setOutput(o);
            w.prepareWriteSequence(null);
            for (BufferedImage p : pages) w.writeToSequence(new IIOImage(p, null, null), null);
            w.endWriteSequence();
        } finally {
            w.dispose();
        }
    }
}
