/**
 * Images in: PNG, JPEG and TIFF (8/16-bit grey or RGB) read with ImageIO into {@link io.jvit.core.image.Image}, and
 * {@link io.jvit.core.image.Preprocessor}'s fitting to the patch size and ImageNet normalisation.
 */
package io.jvit.core.image;
