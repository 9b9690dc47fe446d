package io.jvit.train.engine;

/**
 * DINOv2-g's SwiGLU: fc1 writes both halves of a row, [a | b] (rows, 2·hidden); the output is silu(a)·b (rows, hidden).
 */
final class SwiGlu {
    private SwiGlu() {}

    static void forward(float[] both, int rows, int hidden, float[] out, int threads) {
        Rows.forEach(rows, 2 * hidden, threads, (w, from, to) -> {
            for (int r = from; r < to; r++) {
                int o = r * 2 * hidden;
                for (int c = 0; c < hidden; c++) {
                    float a = both[o + c];
                    out[r * hidden + c] = (float) (a / (1 + Math.exp(-a))) * both[o + hidden + c];
                }
            }
        });
    }

    /** dBoth = [dy·b·σ(a)·(1 + a·(1 − σ(a))) | dy·silu(a)], overwritten. */
    static void backward(float[] dy, float[] both, int rows, int hidden, float[] dBoth, int threads) {
        Rows.forEach(rows, 2 * hidden, threads, (w, from, to) -> {
            for (int r = from; r < to; r++) {
                int o = r * 2 * hidden;
                for (int c = 0; c < hidden; c++) {
                    double a = both[o + c], b = both[o + hidden + c], g = dy[r * hidden + c];
                    double sig = 1 / (1 + Math.exp(-a));
                    dBoth[o + c] = (float) (g * b * sig * (1 + a * (1 - sig)));
                    dBoth[o + hidden + c] = (float) (g * a * sig);
                }
            }
        });
    }
}
