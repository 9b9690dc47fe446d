package io.jvit.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvit.core.Fixtures;
import io.jvit.core.pe.Pe;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Bad checkpoints give one-line errors that name the file and the problem. */
class CheckpointErrorsTest {
    @TempDir
    Path dir;

    private static final String TIMM = "timm_w128_reg4_d2.pth";

    @Test
    void truncatedPth() throws Exception {
        byte[] all = Files.readAllBytes(Fixtures.parity(TIMM));
        Path cut = dir.resolve("cut.pth");
        Files.write(cut, java.util.Arrays.copyOf(all, all.length / 2));
        assertThatThrownBy(() -> Checkpoints.load(cut))
                .isInstanceOf(CheckpointException.class)
                .hasMessageStartingWith(cut.toString() + ": ")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void randomBytes() throws Exception {
        Path junk = dir.resolve("junk.safetensors");
        Files.write(junk, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
        assertThatThrownBy(() -> Checkpoints.load(junk))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("junk.safetensors")
                .hasMessageContaining("unrecognised checkpoint format");
    }

    @Test
    void truncatedSafetensors() throws Exception {
        Path good = dir.resolve("m.safetensors");
        Safetensors.write(good, Map.of("a", Nd4j.rand(4, 4)), Map.of());
        byte[] all = Files.readAllBytes(good);
        Path cut = dir.resolve("cut.safetensors");
        Files.write(cut, java.util.Arrays.copyOf(all, all.length - 10));
        assertThatThrownBy(() -> Safetensors.read(cut))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("cut.safetensors")
                .hasMessageContaining("truncated");
    }

    @Test
    void shapesThatDoNotFitThePresetNameKeyExpectedAndFound() {
        assertThatThrownBy(() -> Checkpoints.load(Fixtures.parity(TIMM), Pe.AS_TRAINED, "dinov2_vits14_reg4"))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining(TIMM)
                .hasMessageContaining("patch_embed.proj.weight")
                .hasMessageContaining("[128, 3, 14, 14]")
                .hasMessageContaining("[384, 3, 14, 14]");
    }

    @Test
    void unknownKeysAreNamed() throws Exception {
        Map<String, INDArray> sd = new LinkedHashMap<>(Checkpoints.readTensors(Fixtures.parity(TIMM)));
        sd.put("blocks.0.attn.q_norm.weight", Nd4j.ones(64));
        Path f = dir.resolve("extra.safetensors");
        Safetensors.write(f, sd, Map.of());
        assertThatThrownBy(() -> Checkpoints.load(f))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("extra.safetensors")
                .hasMessageContaining("unknown key(s)")
                .hasMessageContaining("blocks.0.attn.q_norm.weight");
    }

    @Test
    void notAVitAtAll() throws Exception {
        Path f = dir.resolve("resnet.safetensors");
        Safetensors.write(f, Map.of("conv1.weight", Nd4j.ones(4, 3, 7, 7)), Map.of());
        assertThatThrownBy(() -> Checkpoints.load(f)).hasMessageContaining("no ViT backbone found");
    }

    @Test
    void pickleWithForeignGlobalIsRefusedWithoutRunningIt() throws Exception {
        // protocol 2: GLOBAL 'os system', the argument tuple ('touch pwned',), REDUCE, STOP
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(new byte[] {(byte) 0x80, 2});
        p.write("cos\nsystem\n".getBytes());
        p.write('X');
        byte[] cmd = ("touch " + dir.resolve("pwned")).getBytes();
        p.write(new byte[] {(byte) cmd.length, 0, 0, 0});
        p.write(cmd);
        p.write(new byte[] {(byte) 0x85, 'R', '.'});
        Path f = dir.resolve("evil.pth");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(f))) {
            z.putNextEntry(new ZipEntry("evil/data.pkl"));
            z.write(p.toByteArray());
            z.closeEntry();
        }
        assertThatThrownBy(() -> Checkpoints.load(f))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("evil.pth")
                .hasMessageContaining("refused pickle global 'os.system'");
        assertThat(dir.resolve("pwned")).doesNotExist();
    }

    @Test
    void missingFile() {
        Path f = dir.resolve("nope.pth");
        assertThatThrownBy(() -> Checkpoints.load(f)).hasMessage(f + ": no such file");
    }
}
