package io.jvit.probe;

import io.jvit.core.model.ViTOutput;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Patch-token feature maps out of a forward pass: the final features and every block's output. */
public final class LayerFeatures {
    private LayerFeatures() {}

    /** Names of the rows {@link #perLayer} returns for a model of {@code depth} blocks. */
    public static List<String> layerNames(int depth) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < depth; i++) names.add("block " + i);
        names.add("final norm");
        return names;
    }

    /** Image {@code b}'s final-normed patch tokens (what the probe reads). */
    public static FeatureMap finalFeatures(ViTOutput out, int b, boolean nanToZero) {
        return FeatureMap.of(out.patchTokens().slice(b), nanToZero);
    }

    /**
     * Image {@code b}'s patch tokens after every block (as timm's {@code forward_intermediates}, no norm;
     * CLS and registers dropped), then the final-normed ones. Needs a forward pass with intermediates.
     */
    public static List<FeatureMap> perLayer(ViTOutput out, int b, boolean nanToZero) {
        if (out.intermediates().isEmpty()) throw new IllegalArgumentException("the forward pass kept no intermediates");
        int h = out.gridH(), w = out.gridW();
        List<FeatureMap> maps = new ArrayList<>();
        for (INDArray block : out.intermediates()) {
            long n = block.size(1), c = block.size(2), prefix = n - (long) h * w;
            float[] all = block.slice(b).castTo(DataType.FLOAT).dup('c').data().asFloat();
            float[] patches = java.util.Arrays.copyOfRange(all, (int) (prefix * c), all.length);
            maps.add(nanToZero ? FeatureMap.nanToZero(patches, h, w, (int) c) : new FeatureMap(patches, h, w, (int) c));
        }
        maps.add(finalFeatures(out, b, nanToZero));
        return maps;
    }
}
