package io.jvit.examples;

import io.jvit.core.Backbone;
import io.jvit.core.image.ImageLoader;
import io.jvit.core.pe.Pe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The patch features of every image of a folder, one {@code .npy} (h, w, C) per image.
 *
 * <pre>java io.jvit.examples.FolderFeatures WEIGHTS IMAGES_DIR OUT_DIR [learned|alibi|sincos|rope|none]</pre>
 */
public final class FolderFeatures {
    private FolderFeatures() {}

    public static void main(String[] args) throws Exception {
        Pe pe = args.length > 3 ? Pe.parse(args[3]) : Pe.AS_TRAINED;
        for (Path f : run(Path.of(args[0]), pe, Path.of(args[1]), Path.of(args[2]))) System.out.println(f);
    }

    /** Returns the files written, in the folder's (sorted) order. */
    static List<Path> run(Path weights, Pe pe, Path images, Path outDir) throws Exception {
        Backbone vit = Backbone.options()
                .pe(pe)
                .threads(Runtime.getRuntime().availableProcessors())
                .load(weights);
        Files.createDirectories(outDir);
        List<Path> written = new ArrayList<>();
        for (Path image : ImageLoader.listImages(images)) {
            String name = image.getFileName().toString();
            Path out = outDir.resolve(name.substring(0, name.lastIndexOf('.')) + ".npy");
            vit.features(image).writeNpy(out);
            written.add(out);
        }
        return written;
    }
}
