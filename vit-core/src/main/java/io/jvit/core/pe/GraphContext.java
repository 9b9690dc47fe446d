package io.jvit.core.pe;

import io.jvit.core.config.ViTConfig;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * What a part of the model needs while its graph is built for one token grid: the graph, the config,
 * the grid (h × w patches), the float type, and the model's parameters by canonical name.
 * {@link #shared} makes one constant (say the ALiBi distance matrix) that every block references.
 */
public final class GraphContext {
    private final SameDiff sd;
    private final ViTConfig config;
    private final int gridH, gridW;
    private final DataType dataType;
    private final Function<String, SDVariable> params;
    private final Map<String, SDVariable> sharedVars = new HashMap<>();

    public GraphContext(
            SameDiff sd,
            ViTConfig config,
            int gridH,
            int gridW,
            DataType dataType,
            Function<String, SDVariable> params) {
        this.sd = sd;
        this.config = config;
        this.gridH = gridH;
        this.gridW = gridW;
        this.dataType = dataType;
        this.params = params;
    }

    public SameDiff sd() {
        return sd;
    }

    public ViTConfig config() {
        return config;
    }

    public int gridH() {
        return gridH;
    }

    public int gridW() {
        return gridW;
    }

    public int numPatches() {
        return gridH * gridW;
    }

    public int numTokens() {
        return config.numPrefixTokens() + numPatches();
    }

    public DataType dataType() {
        return dataType;
    }

    /** A model parameter by canonical name (for example {@code pos_embed}). */
    public SDVariable param(String name) {
        return params.apply(name);
    }

    /** One graph variable per key, made on first use. */
    public SDVariable shared(String key, Supplier<SDVariable> make) {
        return sharedVars.computeIfAbsent(key, k -> make.get());
    }
}
