/**
 * Homogeneous synthetic micrographs (Gaussian random fields, Voronoi grains, particles, spinodal, noise): images with no
 * position in them, so any position a probe finds in the features came from the model.
 */
package io.jvit.probe.synthetic;
