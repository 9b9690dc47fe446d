package io.jvit.core.pe;

/** The per-head ALiBi slopes m_h (paper digest b.3). */
public enum AlibiSlopes {
    /** m_h = 1 for every head: the paper's released models. Not trained. */
    CONSTANT,
    /** The original ALiBi schedule m_h = 2^(−8(h+1)/H). Not trained. */
    FIXED,
    /** One trainable slope per head and block, initialised U[0, 1). */
    LEARNED;

    /** The slopes of a constant or fixed schedule; the initial value 1 for learned ones. */
    public double[] values(int heads) {
        double[] m = new double[heads];
        for (int h = 0; h < heads; h++) m[h] = this == FIXED ? Math.pow(2.0, -8.0 * (h + 1) / heads) : 1.0;
        return m;
    }
}
