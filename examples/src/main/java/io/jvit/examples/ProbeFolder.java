package io.jvit.examples;

import io.jvit.core.Backbone;
import io.jvit.core.image.Image;
import io.jvit.core.image.ImageLoader;
import io.jvit.core.image.Preprocessor;
import io.jvit.core.pe.Pe;
import io.jvit.probe.BiasProbe;
import io.jvit.probe.Ramp;
import io.jvit.probe.SampleMask;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The paper's positional-bias probe on a folder: how well a linear map from a model's patch features predicts the
 * patch's position (R² of the lr+ud ramps, ridge α = 1, 6 random masks per image). Near 0 or below: no positional bias.
 *
 * <pre>java io.jvit.examples.ProbeFolder WEIGHTS IMAGES_DIR [learned|alibi|sincos|rope|none] [STEP]</pre>
 */
public final class ProbeFolder {
    private ProbeFolder() {}

    public static void main(String[] args) throws Exception {
        Pe pe = args.length > 2 ? Pe.parse(args[2]) : Pe.AS_TRAINED;
        int step = args.length > 3 ? Integer.parseInt(args[3]) : 6;
        BiasProbe.Result r = run(Path.of(args[0]), pe, Path.of(args[1]), step);
        System.out.printf(
                "positional-bias R² (lr+ud): %.3f ± %.3f over %d probes%n", r.mean(), r.std(), r.values().length);
    }

    /** {@code step}: the sampling mask's grid step (the paper: 6 on a 37 × 37 grid; smaller for small images). */
    static BiasProbe.Result run(Path weights, Pe pe, Path images, int step) throws Exception {
        Backbone vit = Backbone.options()
                .pe(pe)
                .resize(Preprocessor.ResizePolicy.CLOSEST_LOWER_MULTIPLE) // as the paper (and ./vit probe) fits images
                .load(weights);
        List<Image> loaded = new ArrayList<>();
        for (Path f : ImageLoader.listImages(images)) loaded.add(ImageLoader.read(f));
        BiasProbe paper = BiasProbe.paper(Ramp.LR_UD);
        BiasProbe probe = new BiasProbe(
                paper.ramp(), new SampleMask(true, step, 1.0), paper.repeats(), paper.alpha(), paper.seed());
        return probe.run(vit, loaded);
    }
}
