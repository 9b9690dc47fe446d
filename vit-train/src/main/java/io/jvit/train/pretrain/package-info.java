/** SimMIM masked-image pre-training on the training engine: the objective and the loop. */
package io.jvit.train.pretrain;
