/**
 * The paper's ALiBi retrofit: {@link io.jvit.train.retrofit.Students} (the teacher with its positional encoding
 * replaced), distillation on either engine ({@link io.jvit.train.retrofit.FastDistiller}, the
 * {@link io.jvit.train.retrofit.Distiller} interface), a folder of images ({@link io.jvit.train.retrofit.ImageSet}) and
 * the job with validation, metrics and resumable state ({@link io.jvit.train.retrofit.Retrofit}).
 */
package io.jvit.train.retrofit;
