// Package sim is the discrete-event engine: a virtual clock, an event queue
// ordered by (time, sequence number), the task lifecycle and agent events.
// The engine is one goroutine and all randomness comes from streams derived
// from the run's seed (Stream), so the same inputs and seed give the same run.
//
// Inputs (task submissions, agent add/remove/fail/recover) come from a
// Source, pulled one at a time as the clock reaches them. A task attempt
// goes submitted → pending → running → ended; Task.Outcome says how it ended
// (finished, failed, killed, lost with its agent, preempted, or unscheduled
// when the run stopped first).
//
// Allocation strategies plug in as a Mode registered by name (RegisterMode);
// the engine core does not change for a new one. A mode hears what happened
// through its hooks (TaskPending, TaskEnded, ResourcesFreed, AgentChanged),
// runs in Cycle — periodic every Config.Interval, or triggered with
// Engine.TriggerCycle (at most one pending) — and acts with Engine.Launch and
// Engine.Kill. A mode that needs timers registers a Handler once and
// schedules it with Engine.At(when, handler, arg): events carry an int64, not
// a closure, so scheduling does not allocate. The built-in mode "monolithic"
// is a central priority queue with a placement policy (monolithic.go); the
// two-level modes "drf" and "static" are in sim/offers, the shared-state
// mode "omega" in sim/omega (import them to register them).
//
// An Observer (the reports collector) sees every task start and end, a
// sample every Config.SampleInterval and every cycle.
package sim
