package io.jvit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvit.core.io.Npy;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** {@code ./vit features} end to end: parity output, exit codes, and no output file on bad input. */
class FeaturesCommandTest {
    @TempDir
    Path dir;

    static Path fixture(String name) throws URISyntaxException {
        return Path.of(FeaturesCommandTest.class.getResource("/" + name).toURI());
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

    @Test
    void alibiCheckpointWritesReferenceFeatures() throws Exception {
        Path out = dir.resolve("f.npy");
        Result r = run(
                "features",
                "--weights",
                fixture("alibi_timm_w128_reg4_d2.pth").toString(),
                "--pe",
                "alibi",
                "--image",
                fixture("chelsea_280x420.png").toString(),
                "--out",
                out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        INDArray got = Npy.read(out), want = Npy.read(fixture("alibi_timm_d2__chelsea_280x420.npy"));
        assertThat(got.shape()).containsExactly(20, 30, 128);
        assertThat(got.sub(want).amaxNumber().doubleValue()).isLessThanOrEqualTo(1e-4);
    }

    @Test
    void badInputsExitNonZeroWithOneLineAndNoOutput() throws Exception {
        Path out = dir.resolve("never.npy");
        String weights = fixture("alibi_timm_w128_reg4_d2.pth").toString(),
                image = fixture("chelsea_280x420.png").toString();
        Path tiny = dir.resolve("tiny.png");
        javax.imageio.ImageIO.write(
                new java.awt.image.BufferedImage(10, 10, java.awt.image.BufferedImage.TYPE_BYTE_GRAY),
                "png",
                tiny.toFile());
        Path corrupt = dir.resolve("corrupt.pth");
        Files.write(corrupt, java.util.Arrays.copyOf(Files.readAllBytes(Path.of(weights)), 5000));
        String[][] cases = {
            {"--weights", corrupt.toString(), "--image", image},
            {
                "--weights",
                weights,
                "--image",
                fixture("rocket_224.png").getParent().resolve("missing.png").toString()
            },
            {"--weights", weights, "--image", tiny.toString()},
            {"--weights", weights, "--image", image, "--arch", "dinov2_vits14_reg4"},
            {"--weights", weights, "--image", image, "--pe", "bogus"},
            {"--weights", weights, "--image", image, "--threads", "0"},
        };
        for (String[] c : cases) {
            String[] args = new String[c.length + 3];
            args[0] = "features";
            System.arraycopy(c, 0, args, 1, c.length);
            args[c.length + 1] = "--out";
            args[c.length + 2] = out.toString();
            Result r = run(args);
            assertThat(r.code()).as(String.join(" ", c)).isEqualTo(2);
            String last = r.err().strip().lines().reduce((a, b) -> b).orElse("");
            assertThat(last).startsWith("error: ");
            assertThat(out).doesNotExist();
        }
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).allMatch(n -> !n.endsWith(".tmp"));
        }
    }
}
