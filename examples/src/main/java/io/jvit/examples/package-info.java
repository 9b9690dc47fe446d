/**
 * Small programs that use the library the way the README says, each a {@code main} over a static {@code run} that its
 * test calls: {@link io.jvit.examples.BuildModel} (a model in code), {@link io.jvit.examples.FolderFeatures} (a folder
 * to {@code .npy}), {@link io.jvit.examples.ProbeFolder} (positional bias of a folder), {@link io.jvit.examples.Finetune}
 * (the ALiBi retrofit for a few steps).
 */
package io.jvit.examples;
