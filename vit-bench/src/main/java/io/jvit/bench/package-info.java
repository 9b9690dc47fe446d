/** JMH benchmarks of attention and whole-model forward passes (to come with the kernel issue). */
package io.jvit.bench;
