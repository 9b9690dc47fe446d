package io.jvit.core.model;

import io.jvit.core.config.ViTConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A Vision Transformer: a config, its weights, and one SameDiff graph per input grid (built on first use).
 *
 * <pre>{@code
 * ViTConfig cfg = Presets.get("dinov2_vits14_reg4");
 * VisionTransformer vit = new VisionTransformer(cfg, ViTWeights.random(cfg, 0, 1e-5, DataType.FLOAT));
 * ViTOutput out = vit.forward(images);            // images (B, 3, H, W), H and W multiples of 14
 * INDArray features = out.patchTokens();          // (B, H/14, W/14, 384)
 * }</pre>
 */
public final class VisionTransformer {
    private final ViTConfig config;
    private final ViTWeights weights;
    private final DataType dataType;
    private final Map<Long, ViTGraph> graphs = new HashMap<>();

    public VisionTransformer(ViTConfig config, ViTWeights weights) {
        String problem = weights.mismatch(config);
        if (problem != null) throw new IllegalArgumentException("weights do not fit the config: " + problem);
        this.config = config;
        this.dataType = weights.get("norm.weight").dataType();
        this.weights = weights;
    }

    public ViTConfig config() {
        return config;
    }

    public ViTWeights weights() {
        return weights;
    }

    public DataType dataType() {
        return dataType;
    }

    /** The graph for an h × w patch grid, built once and cached. */
    public synchronized ViTGraph graph(int gridH, int gridW) {
        return graphs.computeIfAbsent(
                ((long) gridH << 32) | gridW, k -> new ViTGraph(config, weights, gridH, gridW, dataType, Set.of()));
    }

    /** A new graph whose {@code frozen} parameters are constants (for training). */
    public ViTGraph trainingGraph(int gridH, int gridW, Set<String> frozen) {
        return new ViTGraph(config, weights, gridH, gridW, dataType, frozen);
    }

    public ViTOutput forward(INDArray images) {
        return forward(images, false);
    }

    /**
     * Runs the model. {@code images} is (B, 3, H, W) with H and W multiples of the patch size.
     * With {@code intermediates}, every block's output is returned too (the bias fingerprint needs them).
     */
    public ViTOutput forward(INDArray images, boolean intermediates) {
        long[] s = images.shape();
        int p = config.patchSize();
        if (s.length != 4 || s[1] != 3)
            throw new IllegalArgumentException("images must be (B, 3, H, W), got " + Arrays.toString(s));
        if (s[2] % p != 0 || s[3] % p != 0 || s[2] < p || s[3] < p)
            throw new IllegalArgumentException(
                    "image size " + s[2] + "×" + s[3] + " is not a positive multiple of the patch size " + p);
        ViTGraph g = graph((int) (s[2] / p), (int) (s[3] / p));
        List<String> names = new ArrayList<>(List.of(ViTGraph.PATCH_TOKENS, ViTGraph.PRE_NORM));
        if (config.clsToken()) names.add(ViTGraph.CLS);
        if (config.numRegisters() > 0) names.add(ViTGraph.REGISTERS);
        if (intermediates) for (int i = 0; i < config.depth(); i++) names.add(ViTGraph.blockOutput(i));
        Map<String, INDArray> out =
                g.sameDiff().output(Map.of(ViTGraph.IMAGES, images.castTo(dataType)), names.toArray(String[]::new));
        List<INDArray> inter = new ArrayList<>();
        if (intermediates) for (int i = 0; i < config.depth(); i++) inter.add(out.get(ViTGraph.blockOutput(i)));
        return new ViTOutput(
                out.get(ViTGraph.CLS),
                out.get(ViTGraph.REGISTERS),
                out.get(ViTGraph.PATCH_TOKENS),
                out.get(ViTGraph.PRE_NORM),
                inter,
                g.gridH(),
                g.gridW());
    }
}
