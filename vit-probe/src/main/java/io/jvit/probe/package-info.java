/** Positional-bias probes, fingerprints, ALiBi retrofit and trainable segmentation (to come). */
package io.jvit.probe;
