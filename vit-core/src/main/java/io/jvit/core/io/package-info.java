/** Files out: NumPy {@code .npy} float32 arrays and atomic writes (readers never see a half-written file). */
package io.jvit.core.io;
