package io.jvit.core.model;

import io.jvit.core.config.ViTConfig;
import io.jvit.core.pe.Alibi2d;
import io.jvit.core.pe.AlibiSlopes;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A model's parameters by canonical name (timm's naming: {@code cls_token} with the CLS position folded
 * in, {@code reg_token}, {@code pos_embed} for patches only, {@code blocks.N.attn.qkv.weight}, …).
 * Checkpoint quirks are resolved before arrays get here (see {@code io.jvit.core.checkpoint}).
 */
public final class ViTWeights {
    private final Map<String, INDArray> arrays;

    public ViTWeights(Map<String, INDArray> arrays) {
        this.arrays = new LinkedHashMap<>(arrays);
    }

    public INDArray get(String name) {
        INDArray a = arrays.get(name);
        if (a == null) throw new IllegalArgumentException("no parameter '" + name + "'");
        return a;
    }

    public boolean has(String name) {
        return arrays.containsKey(name);
    }

    public Map<String, INDArray> asMap() {
        return Collections.unmodifiableMap(arrays);
    }

    public ViTWeights castTo(DataType type) {
        Map<String, INDArray> m = new LinkedHashMap<>();
        arrays.forEach((k, v) -> m.put(k, v.dataType() == type ? v : v.castTo(type)));
        return new ViTWeights(m);
    }

    /** Every parameter a model of this config has, with its shape, in a stable order. */
    public static Map<String, long[]> expectedShapes(ViTConfig c) {
        long dim = c.embedDim();
        Map<String, long[]> s = new LinkedHashMap<>();
        s.put("patch_embed.proj.weight", new long[] {dim, 3, c.patchSize(), c.patchSize()});
        s.put("patch_embed.proj.bias", new long[] {dim});
        if (c.clsToken()) s.put("cls_token", new long[] {1, 1, dim});
        if (c.numRegisters() > 0) s.put("reg_token", new long[] {1, c.numRegisters(), dim});
        s.putAll(c.pe().parameterShapes(c));
        for (int i = 0; i < c.depth(); i++) {
            String p = "blocks." + i + ".";
            s.put(p + "norm1.weight", new long[] {dim});
            s.put(p + "norm1.bias", new long[] {dim});
            s.put(p + "attn.qkv.weight", new long[] {3 * dim, dim});
            if (c.qkvBias()) s.put(p + "attn.qkv.bias", new long[] {3 * dim});
            s.put(p + "attn.proj.weight", new long[] {dim, dim});
            s.put(p + "attn.proj.bias", new long[] {dim});
            if (c.layerScale()) s.put(p + "ls1.gamma", new long[] {dim});
            s.put(p + "norm2.weight", new long[] {dim});
            s.put(p + "norm2.bias", new long[] {dim});
            s.put(p + "mlp.fc1.weight", new long[] {Mlp.fc1Width(c), dim});
            s.put(p + "mlp.fc1.bias", new long[] {Mlp.fc1Width(c)});
            s.put(p + "mlp.fc2.weight", new long[] {dim, c.mlpHidden()});
            s.put(p + "mlp.fc2.bias", new long[] {dim});
            if (c.layerScale()) s.put(p + "ls2.gamma", new long[] {dim});
        }
        s.put("norm.weight", new long[] {dim});
        s.put("norm.bias", new long[] {dim});
        return s;
    }

    /**
     * Checks that these weights are exactly the parameters of {@code c}.
     * @return null if they fit, else a one-line description (which key, expected vs found)
     */
    public String mismatch(ViTConfig c) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        arrays.forEach((k, v) -> shapes.put(k, v.shape()));
        return mismatch(shapes, c);
    }

    /** {@link #mismatch(ViTConfig)} for tensors given by their shapes alone. */
    public static String mismatch(Map<String, long[]> shapes, ViTConfig c) {
        Map<String, long[]> want = expectedShapes(c);
        for (var e : want.entrySet()) {
            long[] a = shapes.get(e.getKey());
            if (a == null)
                return "missing key '" + e.getKey() + "' (expected shape " + Arrays.toString(e.getValue()) + ")";
            if (!Arrays.equals(a, e.getValue()))
                return "key '" + e.getKey() + "' has shape " + Arrays.toString(a) + ", expected "
                        + Arrays.toString(e.getValue());
        }
        for (String k : shapes.keySet())
            if (!want.containsKey(k)) return "unexpected key '" + k + "' for this configuration";
        return null;
    }

    /**
     * Fresh weights, timm-style: truncated-normal(0.02) matrices, zero biases, unit norms, small tokens.
     * {@code layerScaleInit} is the LayerScale gamma (DINOv2 trains from 1e-5; tests use larger values so
     * every branch matters).
     */
    public static ViTWeights random(ViTConfig c, long seed, double layerScaleInit, DataType type) {
        Random rnd = new Random(seed);
        Map<String, INDArray> m = new LinkedHashMap<>();
        for (var e : expectedShapes(c).entrySet()) {
            String k = e.getKey();
            long[] shape = e.getValue();
            int n = (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b);
            double[] v = new double[n];
            if (k.endsWith("norm1.weight") || k.endsWith("norm2.weight") || k.equals("norm.weight"))
                Arrays.fill(v, 1.0);
            else if (k.endsWith(".gamma")) Arrays.fill(v, layerScaleInit);
            else if (k.endsWith("alibi_slopes")) for (int i = 0; i < n; i++) v[i] = rnd.nextDouble();
            else if (k.endsWith(".bias")) Arrays.fill(v, 0.0);
            else for (int i = 0; i < n; i++) v[i] = truncatedNormal(rnd) * 0.02;
            m.put(k, Nd4j.createFromArray(v).reshape(shape).castTo(type));
        }
        return new ViTWeights(m);
    }

    private static double truncatedNormal(Random rnd) {
        double x;
        do {
            x = rnd.nextGaussian();
        } while (Math.abs(x) > 2.0);
        return x;
    }

    /** Adds initial slopes for a learned-slope ALiBi that the checkpoint does not carry. */
    public ViTWeights withAlibiSlopes(ViTConfig c, DataType type) {
        if (!(c.pe() instanceof Alibi2d a) || a.slopes() != AlibiSlopes.LEARNED) return this;
        Map<String, INDArray> m = new LinkedHashMap<>(arrays);
        for (int b = 0; b < c.depth(); b++)
            m.putIfAbsent(Alibi2d.slopeParam(b), Nd4j.valueArrayOf(new long[] {c.numHeads()}, 1.0, type));
        return new ViTWeights(m);
    }
}
