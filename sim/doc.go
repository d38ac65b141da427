// Package sim is the discrete-event engine: a virtual clock, an event queue
// ordered by (time, sequence number), the task lifecycle and agent events.
// Allocation strategies plug in as a Mode (registered by name); the engine
// core does not change for a new one. The engine is one goroutine and all
// randomness comes from streams derived from the run's seed, so the same
// inputs and seed give the same run.
package sim
