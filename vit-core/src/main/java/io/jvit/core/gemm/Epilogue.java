package io.jvit.core.gemm;

/**
 * Work fused into the GEMM: applied to each finished tile of C (rows [row, row + rows), columns [col, col + cols))
 * right after its last K block, while the tile is still in L1, instead of a separate pass over C.
 */
@FunctionalInterface
public interface Epilogue {
    void apply(float[] c, int cOff, int ldc, int row, int rows, int col, int cols);
}
