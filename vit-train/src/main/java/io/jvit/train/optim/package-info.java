/** AdamW on the training engine's flat parameter arrays, PyTorch's update in the SameDiff path's float operations. */
package io.jvit.train.optim;
