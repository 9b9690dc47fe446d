package io.jvit.spark;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvit.cli.Vit;
import io.jvit.core.Backbone;
import io.jvit.core.config.ViTConfig;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * The tests' inputs, made once per class: five generated 64² microstructures ({@code clean/}), the same plus a corrupt
 * file that sorts last ({@code mixed/}, so every clean image keeps its place and its probe seeds), a tiny random ViT
 * (patch 8, width 32, depth 2) and a segmenter trained by {@code ./vit segment} on ViT and classical features.
 */
record Fixtures(Path clean, Path mixed, Path weights, Path segmenter) {

    /**
     * {@code ./vit segment --load-model --apply-to} of every image of {@code folder} into {@code ref} (its first image,
     * {@code first}, also into {@code ref/first.png}): the single-machine reference of the segment job.
     */
    void referenceSegmentation(Path first, Path folder, Path ref) {
        assertThat(cli(
                        "segment",
                        "--load-model",
                        segmenter.toString(),
                        "--weights",
                        weights.toString(),
                        "--image",
                        first.toString(),
                        "--out",
                        ref.resolve("first.png").toString(),
                        "--apply-to",
                        folder.toString()))
                .isZero();
    }

    static Fixtures make(Path dir) throws Exception {
        Path clean = dir.resolve("clean"), mixed = dir.resolve("mixed");
        assertThat(cli("synth", "--kind", "all", "-n", "5", "--size", "64", "--out", clean.toString()))
                .isZero();
        Files.createDirectories(mixed);
        try (var files = Files.list(clean)) {
            for (Path f : files.toList()) Files.copy(f, mixed.resolve(f.getFileName()));
        }
        Files.write(mixed.resolve("zz_corrupt.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 1, 2, 3});

        Path weights = dir.resolve("tiny.safetensors");
        ViTConfig c = ViTConfig.builder()
                .patchSize(8)
                .embedDim(32)
                .numHeads(2)
                .depth(2)
                .build();
        Backbone.random(c, 7).save(weights);

        // scribbles: class 1 on the left columns, class 2 on the right ones, of the first image
        BufferedImage scribbles = new BufferedImage(64, 64, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 64; y++)
            for (int x = 0; x < 64; x++) scribbles.getRaster().setSample(x, y, 0, x < 6 ? 1 : x >= 58 ? 2 : 0);
        Path labels = dir.resolve("scribbles.png");
        ImageIO.write(scribbles, "png", labels.toFile());
        Path first;
        try (var files = Files.list(clean)) {
            first = files.sorted().findFirst().orElseThrow();
        }
        Path segmenter = dir.resolve("segmenter.json");
        assertThat(cli(
                        "segment",
                        "--image",
                        first.toString(),
                        "--labels",
                        labels.toString(),
                        "--weights",
                        weights.toString(),
                        "--out",
                        dir.resolve("train_segmented.png").toString(),
                        "--save-model",
                        segmenter.toString(),
                        "--threads",
                        "1"))
                .isZero();
        return new Fixtures(clean, mixed, weights, segmenter);
    }

    /** Runs a {@code ./vit} command in this JVM, as the single-machine reference; its stdout is dropped. */
    static int cli(String... args) {
        return Vit.run(args);
    }

    /** Runs a {@code ./vit} command and returns its stdout. */
    static String cliOut(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        System.setOut(new PrintStream(b, true, StandardCharsets.UTF_8));
        try {
            assertThat(Vit.run(args)).isZero();
        } finally {
            System.setOut(old);
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    /** Runs a {@code ./vit spark} job and returns its exit code and stderr. */
    record Run(int code, String err) {}

    static Run spark(String... args) {
        PrintStream old = System.err;
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        System.setErr(new PrintStream(b, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = SparkMain.run(args);
        } finally {
            System.setErr(old);
        }
        String err = b.toString(StandardCharsets.UTF_8);
        System.err.print(err);
        return new Run(code, err);
    }

    /** The float32 values of a version-1 .npy file (the header's shape is checked by the caller's length test). */
    static float[] npy(Path file) throws Exception {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int header = b.getShort(8) & 0xffff;
        b.position(10 + header);
        float[] v = new float[b.remaining() / 4];
        b.asFloatBuffer().get(v);
        return v;
    }
}
