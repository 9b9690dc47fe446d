package io.jvit.cli;

import io.jvit.core.checkpoint.Checkpoints;
import io.jvit.core.config.Presets;
import io.jvit.core.config.ViTConfig;
import io.jvit.core.model.ViTWeights;
import io.jvit.core.model.VisionTransformer;
import io.jvit.core.pe.PositionalEncoding;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./vit init}: a randomly initialised checkpoint of a preset, for benchmarks and smoke tests. */
@Command(
        name = "init",
        mixinStandardHelpOptions = true,
        description = "Write a randomly initialised model of a preset architecture as .safetensors.")
final class InitCommand implements Callable<Integer> {
    @Option(names = "--arch", required = true, paramLabel = "NAME", description = "preset, e.g. dinov2_vits14_reg4")
    String arch;

    @Option(
            names = "--pe",
            paramLabel = "KIND",
            description = "positional encoding instead of the preset's: learned, alibi, sincos, rope, none")
    String pe;

    @Option(names = "--seed", defaultValue = "0", description = "random seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(
            names = "--layer-scale",
            defaultValue = "1e-5",
            description = "LayerScale gamma (default ${DEFAULT-VALUE}, as DINOv2 starts)")
    double layerScale;

    @Option(
            names = "--depth",
            paramLabel = "N",
            description = "keep only the first N blocks of the preset (a shallower model for benchmarks)")
    Integer depth;

    @Option(
            names = {"-o", "--out"},
            required = true,
            paramLabel = "FILE.safetensors")
    Path out;

    @Override
    public Integer call() throws Exception {
        ViTConfig c = Presets.get(arch);
        if (pe != null) c = c.withPe(PositionalEncoding.parse(pe, 37));
        if (depth != null) {
            if (depth < 1) throw new IllegalArgumentException("--depth must be >= 1, got " + depth);
            c = c.toBuilder().depth(depth).build();
        }
        Checkpoints.save(out, new VisionTransformer(c, ViTWeights.random(c, seed, layerScale, DataType.FLOAT)));
        System.err.println("wrote " + out + " (" + arch + ", PE " + c.pe().name() + ", seed " + seed + ")");
        return 0;
    }
}
