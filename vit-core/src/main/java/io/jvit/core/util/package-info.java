/**
 * Small shared pieces: PyTorch-exact resampling weights ({@code Resampler}), a static parallel-for, the thread knob of
 * ND4J, and the Vector API availability check behind every kernel's scalar fallback.
 */
package io.jvit.core.util;
