package io.jvit.segment;

import io.jvit.core.util.Parallel;
import java.util.Arrays;

/**
 * Gaussian filtering in a d-dimensional feature space with the permutohedral lattice (Adams, Baek and Davis 2010), as
 * Krähenbühl's {@code permutohedral.cpp} (the lattice of pydensecrf): every point is splatted with barycentric weights
 * onto the d + 1 vertices of its enclosing simplex, the lattice is blurred with [1 2 1]/… along each of its d + 1 axes,
 * and the result is sliced back. It approximates
 * {@code out_i ∝ Σ_j exp(−|f_i − f_j|² / 2) · in_j} (the point itself included) in O(N·d²) to build and O(N·d) per filter,
 * whatever the kernel's width.
 * <p>
 * Bit-identical for any thread count: the splat adds to every vertex in point order (on one thread a scatter over the
 * points; on several a gather, each vertex summing its points in point order from a table built once), the blur and the
 * slice write each output from one thread, and the lattice is built on one thread.
 */
final class PermutohedralLattice {
    private final int n, d;
    private final int vertices; // lattice vertices; index 0 of value arrays is a dummy zero vertex
    private final int[] offset; // (n × (d+1)): vertex index + 1 of each point's simplex corners
    private final float[] barycentric; // (n × (d+1))
    private final int[] blurN1, blurN2; // ((d+1) × vertices): neighbours + 1 (0 = none)
    private final int[] splatStart,
            splatPoint; // CSR: vertex v (0-based) gathers entries splatStart[v] … splatStart[v+1]−1:
    private final float[] splatWeight; //   point splatPoint[e] with weight splatWeight[e], in point order
    private float[] scratchA = new float[0], scratchB = new float[0];

    /** Builds the lattice of {@code n} points with {@code d} features each, {@code features} row-major (n × d), already scaled. */
    PermutohedralLattice(float[] features, int n, int d) {
        this(features, n, d, false);
    }

    /** {@code intKeys}: keys as int arrays even when they fit a long (the general path, for tests). */
    PermutohedralLattice(float[] features, int n, int d, boolean intKeys) {
        if (d < 1 || features.length != n * d) throw new IllegalArgumentException("features must be n × d with d >= 1");
        this.n = n;
        this.d = d;
        int d1 = d + 1;
        offset = new int[n * d1];
        barycentric = new float[n * d1];
        int[] canonical = new int[d1 * d1];
        for (int i = 0; i <= d; i++) {
            for (int j = 0; j <= d - i; j++) canonical[i * d1 + j] = i;
            for (int j = d - i + 1; j <= d; j++) canonical[i * d1 + j] = i - d1;
        }
        float invStd = (float) (Math.sqrt(2.0 / 3.0) * d1);
        float[] scale = new float[d];
        for (int i = 0; i < d; i++) scale[i] = (float) (1.0 / Math.sqrt((double) (i + 2) * (i + 1)) * invStd);
        float[] elevated = new float[d1], rem0 = new float[d1], bary = new float[d + 2];
        int[] rank = new int[d1], key = new int[d];
        // the range of the elevated coordinates: when every key fits in 62 bits, keys are packed into one long (a key
        // is
        // its elevated point rounded, ± 1.5(d+1), plus a canonical offset |·| ≤ d, and a blur neighbour is ± d further)
        double[] lo = new double[d], hi = new double[d];
        Arrays.fill(lo, Double.POSITIVE_INFINITY);
        Arrays.fill(hi, Double.NEGATIVE_INFINITY);
        for (int k = 0; k < n; k++) {
            elevate(features, k, d, scale, elevated);
            for (int i = 0; i < d; i++) {
                lo[i] = Math.min(lo[i], elevated[i]);
                hi[i] = Math.max(hi[i], elevated[i]);
            }
        }
        long[] origin = new long[d];
        int[] shift = new int[d], bits = new int[d];
        int total = 0;
        for (int i = 0; i < d && total <= 62; i++) {
            if (!Double.isFinite(lo[i]) || !Double.isFinite(hi[i]) || hi[i] - lo[i] > 1e15) {
                total = 99;
                break;
            }
            origin[i] = (long) Math.floor(lo[i]) - 4L * d1;
            long width = (long) Math.ceil(hi[i]) - origin[i] + 4L * d1 + 1;
            bits[i] = 64 - Long.numberOfLeadingZeros(width);
            shift[i] = total;
            total += bits[i];
        }
        boolean packed = total <= 62 && !intKeys;
        Hash hash = packed ? null : new Hash(d, 1 << 12);
        LongHash lhash = packed ? new LongHash(1 << 12) : null;
        float down = 1.0f / d1, up = d1;
        for (int k = 0; k < n; k++) {
            elevate(features, k, d, scale, elevated);
            int sum = 0;
            for (int i = 0; i <= d; i++) {
                float v = down * elevated[i];
                float u = (float) Math.ceil(v) * up, dn = (float) Math.floor(v) * up;
                int rd = (u - elevated[i] < elevated[i] - dn) ? (int) u : (int) dn;
                rem0[i] = rd;
                sum += rd / d1;
            }
            Arrays.fill(rank, 0);
            for (int i = 0; i < d; i++) {
                double di = elevated[i] - rem0[i];
                for (int j = i + 1; j <= d; j++)
                    if (di < elevated[j] - rem0[j]) rank[i]++;
                    else rank[j]++;
            }
            for (int i = 0; i <= d; i++) {
                rank[i] += sum;
                if (rank[i] < 0) {
                    rank[i] += d1;
                    rem0[i] += d1;
                } else if (rank[i] > d) {
                    rank[i] -= d1;
                    rem0[i] -= d1;
                }
            }
            Arrays.fill(bary, 0);
            for (int i = 0; i <= d; i++) {
                float v = (elevated[i] - rem0[i]) * down;
                bary[d - rank[i]] += v;
                bary[d - rank[i] + 1] -= v;
            }
            bary[0] += 1.0f + bary[d + 1];
            for (int r = 0; r <= d; r++) {
                int index;
                if (packed) {
                    long pk = 0;
                    for (int i = 0; i < d; i++)
                        pk |= ((long) rem0[i] + canonical[r * d1 + rank[i]] - origin[i]) << shift[i];
                    index = lhash.findCached(pk, true);
                } else {
                    for (int i = 0; i < d; i++) key[i] = (int) rem0[i] + canonical[r * d1 + rank[i]];
                    index = hash.find(key, true);
                }
                offset[k * d1 + r] = index + 1;
                barycentric[k * d1 + r] = bary[r];
            }
        }
        vertices = packed ? lhash.size() : hash.size();
        blurN1 = new int[d1 * vertices];
        blurN2 = new int[d1 * vertices];
        if (packed) {
            for (int j = 0; j <= d; j++) {
                long minus = 0, plus = 0; // n1 = key − 1 (key_j + d), n2 = key + 1 (key_j − d)
                for (int i = 0; i < d; i++) {
                    minus += (i == j ? (long) d : -1L) << shift[i];
                    plus += (i == j ? (long) -d : 1L) << shift[i];
                }
                for (int v = 0; v < vertices; v++) {
                    long pk = lhash.keyOf(v);
                    blurN1[j * vertices + v] = lhash.findCached(pk + minus, false) + 1;
                    blurN2[j * vertices + v] = lhash.findCached(pk + plus, false) + 1;
                }
            }
        } else {
            int[] n1 = new int[d1], n2 = new int[d1];
            for (int j = 0; j <= d; j++)
                for (int i = 0; i < vertices; i++) {
                    int base = i * d;
                    for (int q = 0; q < d; q++) {
                        n1[q] = hash.keys[base + q] - 1;
                        n2[q] = hash.keys[base + q] + 1;
                    }
                    if (j < d) {
                        n1[j] = hash.keys[base + j] + d;
                        n2[j] = hash.keys[base + j] - d;
                    } // (axis d: every stored coordinate ∓1)
                    blurN1[j * vertices + i] = hash.find(n1, false) + 1;
                    blurN2[j * vertices + i] = hash.find(n2, false) + 1;
                }
        }
        // the splat as a gather: each vertex's (point, corner) entries in point order (a counting sort)
        splatStart = new int[vertices + 1];
        for (int e = 0; e < offset.length; e++) splatStart[offset[e]]++;
        for (int v = 1; v <= vertices; v++) splatStart[v] += splatStart[v - 1];
        splatPoint = new int[offset.length];
        splatWeight = new float[offset.length];
        int[] fill = Arrays.copyOf(splatStart, vertices + 1);
        for (int e = 0; e < offset.length; e++) {
            int at = fill[offset[e] - 1]++;
            splatPoint[at] = e / d1;
            splatWeight[at] = barycentric[e];
        }
    }

    int vertices() {
        return vertices;
    }

    /** The elevated point E·f (Adams et al. 2010, p. 5) of point k, into {@code elevated} (d + 1). */
    private static void elevate(float[] features, int k, int d, float[] scale, float[] elevated) {
        float sm = 0;
        for (int j = d; j > 0; j--) {
            float cf = features[k * d + j - 1] * scale[j - 1];
            elevated[j] = sm - j * cf;
            sm += cf;
        }
        elevated[0] = sm;
    }

    /**
     * Filters {@code in} ((n × m) row-major) into {@code out} (may be {@code in}): splat, blur, slice, scaled by the
     * lattice's constant 1 / (1 + 2^−d). Not for concurrent calls on one lattice (its buffers are reused).
     */
    void filter(float[] in, float[] out, int m, int threads) {
        int d1 = d + 1, len = (vertices + 1) * m;
        if (scratchA.length < len) {
            scratchA = new float[len];
            scratchB = new float[len];
        }
        float[] splat = scratchA;
        Arrays.fill(splat, 0, len, 0f);
        Arrays.fill(scratchB, 0, m, 0f); // the dummy vertex stays 0 in both
        float[] values = splat, next = scratchB;
        if (threads == 1) {
            // one thread: scatter in point order, which adds to every vertex in the same order as the gather below
            for (int i = 0; i < n; i++) {
                int src = i * m;
                for (int r = 0; r <= d; r++) {
                    int dst = offset[i * d1 + r] * m;
                    float b = barycentric[i * d1 + r];
                    for (int c = 0; c < m; c++) splat[dst + c] += b * in[src + c];
                }
            }
        } else {
            Parallel.forRange(vertices, threads, (w, from, to) -> {
                for (int v = from; v < to; v++) {
                    int dst = (v + 1) * m;
                    for (int e = splatStart[v]; e < splatStart[v + 1]; e++) {
                        float b = splatWeight[e];
                        int src = splatPoint[e] * m;
                        for (int c = 0; c < m; c++) splat[dst + c] += b * in[src + c];
                    }
                }
            });
        }
        for (int j = 0; j <= d; j++) {
            float[] old = values, nw = next;
            int row = j * vertices;
            Parallel.forRange(vertices, threads, (w, from, to) -> {
                for (int v = from; v < to; v++) {
                    int o = (v + 1) * m, a = blurN1[row + v] * m, b = blurN2[row + v] * m;
                    for (int c = 0; c < m; c++) nw[o + c] = old[o + c] + 0.5f * (old[a + c] + old[b + c]);
                }
            });
            values = nw;
            next = old;
        }
        float alpha = 1.0f / (1 + (float) Math.pow(2, -d));
        float[] vals = values;
        Parallel.forRange(n, threads, (w, from, to) -> {
            float[] acc = new float[m];
            for (int i = from; i < to; i++) {
                Arrays.fill(acc, 0);
                for (int r = 0; r <= d; r++) {
                    int o = offset[i * d1 + r] * m;
                    float b = barycentric[i * d1 + r];
                    for (int c = 0; c < m; c++) acc[c] += b * vals[o + c];
                }
                for (int c = 0; c < m; c++) out[i * m + c] = acc[c] * alpha;
            }
        });
    }

    /**
     * Open addressing on keys packed into one long (field i: bits[i] bits from shift[i]), linear probing.
     */
    private static final class LongHash {
        long[] table; // packed keys, −1 = empty
        int[] value;
        long[] byIndex = new long[1 << 10];
        int filled;

        LongHash(int capacity) {
            table = new long[capacity];
            Arrays.fill(table, -1L);
            value = new int[capacity];
        }

        int size() {
            return filled;
        }

        long keyOf(int v) {
            return byIndex[v];
        }

        private int slot(long pk, int m) {
            long h = pk * 0x9E3779B97F4A7C15L;
            return (int) (h ^ (h >>> 31)) & m;
        }

        // a small direct-mapped cache in front of the table: consecutive points share most of their vertices
        private final long[] cacheKey = filledArray(1 << 10);
        private final int[] cacheValue = new int[1 << 10];

        private static long[] filledArray(int n) {
            long[] a = new long[n];
            Arrays.fill(a, -1L);
            return a;
        }

        int findCached(long pk, boolean create) {
            int c = (int) ((pk * 0xC2B2AE3D27D4EB4FL) >>> 54);
            if (cacheKey[c] == pk) return cacheValue[c];
            int v = find(pk, create);
            if (v >= 0) {
                cacheKey[c] = pk;
                cacheValue[c] = v;
            }
            return v;
        }

        int find(long pk, boolean create) {
            if (2 * filled >= table.length) grow();
            int m = table.length - 1, h = slot(pk, m);
            while (true) {
                long e = table[h];
                if (e == pk) return value[h];
                if (e == -1L) {
                    if (!create) return -1;
                    table[h] = pk;
                    value[h] = filled;
                    if (filled == byIndex.length) byIndex = Arrays.copyOf(byIndex, filled * 2);
                    byIndex[filled] = pk;
                    return filled++;
                }
                h = (h + 1) & m;
            }
        }

        private void grow() {
            long[] ot = table;
            int[] ov = value;
            table = new long[ot.length * 2];
            Arrays.fill(table, -1L);
            value = new int[table.length];
            int m = table.length - 1;
            for (int i = 0; i < ot.length; i++) {
                if (ot[i] == -1L) continue;
                int h = slot(ot[i], m);
                while (table[h] != -1L) h = (h + 1) & m;
                table[h] = ot[i];
                value[h] = ov[i];
            }
        }
    }

    /** Open addressing on integer keys of length d (Krähenbühl's hash: r = (r + k_i)·1664525), linear probing. */
    private static final class Hash {
        final int keySize;
        int[] keys;
        int[] table;
        int filled;

        Hash(int keySize, int capacity) {
            this.keySize = keySize;
            table = new int[Integer.highestOneBit(capacity - 1) << 1];
            Arrays.fill(table, -1);
            keys = new int[(table.length / 2 + 1) * keySize];
        }

        int size() {
            return filled;
        }

        private static int hash(int[] k, int len) {
            long r = 0;
            for (int i = 0; i < len; i++) {
                r += k[i];
                r *= 1664525L;
            }
            return (int) (r ^ (r >>> 29));
        }

        int find(int[] k, boolean create) {
            if (2 * filled >= table.length) grow();
            int mask = table.length - 1;
            int h = hash(k, keySize) & mask;
            while (true) {
                int e = table[h];
                if (e == -1) {
                    if (!create) return -1;
                    if ((filled + 1) * keySize > keys.length) keys = Arrays.copyOf(keys, keys.length * 2);
                    System.arraycopy(k, 0, keys, filled * keySize, keySize);
                    table[h] = filled;
                    return filled++;
                }
                boolean same = true;
                for (int i = 0, b = e * keySize; i < keySize; i++)
                    if (keys[b + i] != k[i]) {
                        same = false;
                        break;
                    }
                if (same) return e;
                h = (h + 1) & mask;
            }
        }

        private void grow() {
            int[] old = table;
            table = new int[old.length * 2];
            Arrays.fill(table, -1);
            int mask = table.length - 1;
            int[] k = new int[keySize];
            for (int e : old) {
                if (e < 0) continue;
                System.arraycopy(keys, e * keySize, k, 0, keySize);
                int h = hash(k, keySize) & mask;
                while (table[h] >= 0) h = (h + 1) & mask;
                table[h] = e;
            }
        }
    }
}
