package io.jvit.core.fast;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.Map;

/**
 * y = x·Wᵀ (+ b) on Java float arrays through ND4J's BLAS sgemm, with the staging arrays preallocated
 * per shape and reused (a forward pass allocates them once, not once per layer).
 */
final class Gemm {
    private final Map<Long, INDArray> staging = new HashMap<>();

    private INDArray buffer(int rows, int cols, int slot) {
        return staging.computeIfAbsent(((long) slot << 58) ^ ((long) rows << 29) ^ cols, k -> Nd4j.create(DataType.FLOAT, rows, cols));
    }

    /** y (rows × out) = x (rows × in) · W(out × in)ᵀ + b. */
    void linear(float[] x, int rows, int in, INDArray w, INDArray b, float[] y) {
        int out = (int) w.size(0);
        INDArray xa = buffer(rows, in, 0), ya = buffer(rows, out, 1);
        xa.data().setData(x.length == rows * in ? x : java.util.Arrays.copyOf(x, rows * in));
        Nd4j.gemm(xa, w.reshape(out, in), ya, false, true, 1.0, 0.0);
        ya.data().asNioFloat().get(y, 0, rows * out);
        if (b != null) {
            float[] bias = b.data().asFloat();
            for (int r = 0; r < rows; r++) {
                int o = r * out;
                for (int c = 0; c < out; c++) y[o + c] += bias[c];
            }
        }
    }
}
