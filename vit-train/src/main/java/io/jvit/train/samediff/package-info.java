/**
 * The SameDiff reference path for training ({@code Engine.SAMEDIFF}): distillation, SimMIM, the loss and AdamW on the
 * ND4J graph, which the training engine is checked against and writes the same state files as.
 */
package io.jvit.train.samediff;
