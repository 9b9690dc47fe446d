package io.jvit.train.engine;

import io.jvit.core.config.ViTConfig;
import io.jvit.core.model.ViTWeights;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A model's parameters, or their gradients, or an optimiser's moments: one flat float array per tensor, keyed by
 * the canonical names of {@link ViTWeights} ({@code blocks.0.attn.qkv.weight}, …) in
 * {@link ViTWeights#expectedShapes} order, so checkpoints and training states stay interchangeable with the
 * SameDiff path. The arrays are the storage: the engine reads them, optimisers update them in place.
 */
public final class Params {
    private final Map<String, float[]> arrays;
    private final Map<String, long[]> shapes;

    private Params(Map<String, float[]> arrays, Map<String, long[]> shapes) {
        this.arrays = arrays;
        this.shapes = shapes;
    }

    /** A float32 copy of {@code weights}, checked against {@code config}. */
    public static Params of(ViTConfig config, ViTWeights weights) {
        String problem = weights.mismatch(config);
        if (problem != null) throw new IllegalArgumentException("weights do not fit the config: " + problem);
        Map<String, float[]> a = new LinkedHashMap<>();
        Map<String, long[]> s = new LinkedHashMap<>();
        for (var e : ViTWeights.expectedShapes(config).entrySet()) {
            INDArray w = weights.get(e.getKey());
            a.put(e.getKey(), w.castTo(DataType.FLOAT).dup('c').data().asFloat());
            s.put(e.getKey(), e.getValue().clone());
        }
        return new Params(a, s);
    }

    /**
     * The arrays of {@code weights} (taken, not copied: they become the storage an optimiser updates) under the names and
     * shapes of {@code config}, in {@link ViTWeights#expectedShapes} order; no ND4J.
     */
    public static Params of(ViTConfig config, Map<String, float[]> weights) {
        Map<String, float[]> a = new LinkedHashMap<>();
        Map<String, long[]> s = ViTWeights.expectedShapes(config);
        for (var e : s.entrySet()) {
            float[] w = weights.get(e.getKey());
            if (w == null) throw new IllegalArgumentException("weights do not fit the config: no '" + e.getKey() + "'");
            a.put(e.getKey(), w);
        }
        for (String k : weights.keySet())
            if (!s.containsKey(k))
                throw new IllegalArgumentException("weights do not fit the config: unexpected '" + k + "'");
        return of(a, s);
    }

    /** Zeros with the names and shapes of {@code like} (gradient buffers, AdamW moments). */
    public static Params zerosLike(Params like) {
        Map<String, float[]> a = new LinkedHashMap<>();
        like.arrays.forEach((k, v) -> a.put(k, new float[v.length]));
        return new Params(a, like.shapes);
    }

    /** Both sets of tensors in one (the arrays are shared, not copied): a backbone and a training head under one optimiser. */
    public static Params join(Params a, Params b) {
        Map<String, float[]> arrays = new LinkedHashMap<>(a.arrays);
        Map<String, long[]> shapes = new LinkedHashMap<>(a.shapes);
        for (String k : b.arrays.keySet())
            if (arrays.put(k, b.arrays.get(k)) != null)
                throw new IllegalArgumentException("both parameter sets have '" + k + "'");
        shapes.putAll(b.shapes);
        return new Params(arrays, shapes);
    }

    /** Named tensors from arrays (taken, not copied) and their shapes. */
    public static Params of(Map<String, float[]> arrays, Map<String, long[]> shapes) {
        for (var e : arrays.entrySet()) {
            long[] s = shapes.get(e.getKey());
            if (s == null || java.util.Arrays.stream(s).reduce(1, (x, y) -> x * y) != e.getValue().length)
                throw new IllegalArgumentException(
                        "'" + e.getKey() + "': " + e.getValue().length + " values for shape " + Arrays.toString(s));
        }
        return new Params(new LinkedHashMap<>(arrays), new LinkedHashMap<>(shapes));
    }

    /** The tensors named (arrays shared, not copied), in this set's order. */
    public Params subset(Set<String> names) {
        Map<String, float[]> a = new LinkedHashMap<>();
        Map<String, long[]> s = new LinkedHashMap<>();
        for (String k : arrays.keySet())
            if (names.contains(k)) {
                a.put(k, arrays.get(k));
                s.put(k, shapes.get(k));
            }
        if (a.size() != names.size())
            throw new IllegalArgumentException("not every name of " + names + " is a parameter");
        return new Params(a, s);
    }

    public float[] get(String name) {
        float[] a = arrays.get(name);
        if (a == null) throw new IllegalArgumentException("no parameter '" + name + "'");
        return a;
    }

    /** The array of {@code name}, or null when the model has no such parameter (qkv bias off, no registers, …). */
    public float[] getOrNull(String name) {
        return arrays.get(name);
    }

    public boolean has(String name) {
        return arrays.containsKey(name);
    }

    public Set<String> names() {
        return Collections.unmodifiableSet(arrays.keySet());
    }

    public long[] shape(String name) {
        return shapes.get(name).clone();
    }

    /** Number of floats over all tensors. */
    public long size() {
        return arrays.values().stream().mapToLong(a -> a.length).sum();
    }

    public void zero() {
        for (float[] a : arrays.values()) Arrays.fill(a, 0f);
    }

    /** this += other, tensor by tensor, element by element (a fixed order: reductions are reproducible). */
    public void add(Params other) {
        for (var e : arrays.entrySet()) {
            float[] a = e.getValue(), b = other.get(e.getKey());
            for (int i = 0; i < a.length; i++) a[i] += b[i];
        }
    }

    /** Copies every array of {@code other} into this one's (same names and sizes). */
    public void copyFrom(Params other) {
        for (var e : arrays.entrySet())
            System.arraycopy(other.get(e.getKey()), 0, e.getValue(), 0, e.getValue().length);
    }

    /** A deep copy. */
    public Params copy() {
        Map<String, float[]> a = new LinkedHashMap<>();
        arrays.forEach((k, v) -> a.put(k, v.clone()));
        return new Params(a, shapes);
    }

    /** Each tensor as a new float INDArray of its canonical shape. */
    public Map<String, INDArray> toArrays() {
        Map<String, INDArray> m = new LinkedHashMap<>();
        arrays.forEach((k, v) -> m.put(k, Nd4j.create(v.clone(), shapes.get(k))));
        return m;
    }

    /** The parameters as {@link ViTWeights} (copies), for {@code new VisionTransformer(config, …)} and checkpoints. */
    public ViTWeights toWeights() {
        return new ViTWeights(toArrays());
    }

    /** The tensors by name, in this set's order: the live arrays (a read-only view of the map, not a copy). */
    public Map<String, float[]> arrays() {
        return Collections.unmodifiableMap(arrays);
    }

    /** Overwrites one tensor from a float array of the same number of elements. */
    public void assign(String name, float[] value) {
        float[] dst = get(name);
        if (value.length != dst.length)
            throw new IllegalArgumentException(name + ": " + value.length + " values for a tensor of " + dst.length);
        System.arraycopy(value, 0, dst, 0, dst.length);
    }

    /** Overwrites one tensor from an array of the same number of elements. */
    public void assign(String name, INDArray value) {
        float[] dst = get(name);
        if (value.length() != dst.length)
            throw new IllegalArgumentException(name + ": " + value.length() + " values for a tensor of " + dst.length);
        System.arraycopy(value.castTo(DataType.FLOAT).dup('c').data().asFloat(), 0, dst, 0, dst.length);
    }
}
