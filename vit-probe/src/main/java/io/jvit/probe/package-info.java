/**
 * The paper's positional-bias linear probe and what surrounds it: position targets ({@link io.jvit.probe.Ramp}),
 * sampling masks, the ridge probe and its aggregate over images and masks ({@link io.jvit.probe.BiasProbe}, which also
 * takes a {@link io.jvit.core.Backbone} and images), the per-channel, per-layer fingerprint, PCA and a ridge classifier.
 */
package io.jvit.probe;
