// Package frag is the FGD paper's experiment (Weng et al., "Beware of
// Fragmentation", USENIX ATC'23) on the openb traces: inflate a pod list by
// sampling with replacement until its GPU request reaches 130% of the
// cluster's GPU capacity, shuffle, place the pods one by one with no
// departures, and record the GPU allocation ratio and the fragmentation
// against the arrived GPU demand. Runs policies × traces × seeds in parallel;
// every run is deterministic for its seed whatever the parallelism.
package frag
