/** How much a retrofitted student keeps of its teacher: patch cosine similarity and k-NN accuracy on unseen data. */
package io.jvit.probe.retrofit;
