/** The bias report: figures drawn with Java2D (ramp predictions, fingerprint heatmap, PCA), a colormap, an HTML page. */
package io.jvit.probe.report;
