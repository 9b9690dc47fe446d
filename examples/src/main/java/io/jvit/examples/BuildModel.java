package io.jvit.examples;

import io.jvit.core.Backbone;
import io.jvit.core.Features;
import io.jvit.core.config.ViTConfig;
import io.jvit.core.image.ImageLoader;
import io.jvit.core.pe.Alibi2d;
import java.nio.file.Path;

/**
 * Builds a small ViT in code (patch 8, width 96, 4 blocks, CLS + 4 registers, the paper's 2D ALiBi), saves it with
 * fresh weights and reads one image's features with it.
 *
 * <pre>java io.jvit.examples.BuildModel OUT.safetensors IMAGE</pre>
 */
public final class BuildModel {
    private BuildModel() {}

    public static void main(String[] args) throws Exception {
        Features f = run(Path.of(args[0]), Path.of(args[1]));
        System.out.printf("%s: %d × %d patches × %d channels%n", args[1], f.h(), f.w(), f.channels());
    }

    /** Writes the model to {@code out} and returns the features of {@code image} from the model read back. */
    static Features run(Path out, Path image) throws Exception {
        ViTConfig config = ViTConfig.builder()
                .patchSize(8)
                .embedDim(96)
                .numHeads(2)
                .depth(4) // every other value: DINOv2's (LayerScale, 4 registers, …)
                .pe(Alibi2d.paperDefault())
                .build();
        Backbone.random(config, 42).save(out); // the config goes into the file's metadata
        return Backbone.load(out).features(ImageLoader.read(image));
    }
}
