package sim

import (
	"time"

	"github.com/allocsim/allocsim/allocator"
)

func (e *Engine) handleCycle(now allocator.Time, _ int64) {
	e.cycle(false)
	if e.cfg.Progress != nil {
		e.cfg.Progress(now)
	}
	e.q.push(now+e.cfg.Interval, e.hCycle, 0)
}

func (e *Engine) handleTrigger(now allocator.Time, _ int64) {
	e.triggerPending = false
	e.cycle(true)
}

func (e *Engine) cycle(triggered bool) {
	before := e.counters
	e.inTriggered = triggered
	start := time.Now()
	e.mode.Cycle(e.now)
	wall := time.Since(start)
	e.inTriggered = false
	e.counters.Cycles++
	if triggered {
		e.counters.TriggeredCycles++
	}
	if e.obs != nil {
		c := &e.counters
		e.obs.CycleDone(e.now, wall, CycleStats{
			Triggered:     triggered,
			Launched:      c.Launched - before.Launched,
			PlaceFailures: c.PlaceFailures - before.PlaceFailures,
			Offers:        c.Offers - before.Offers,
			Accepted:      c.Accepted - before.Accepted,
			Declined:      c.Declined - before.Declined,
			Rescinded:     c.Rescinded - before.Rescinded,
			Pending:       e.pending,
			Running:       e.running,
		})
	}
}

func (e *Engine) handleSample(now allocator.Time, _ int64) {
	if e.obs != nil {
		e.obs.Sample(now, e)
	}
	e.q.push(now+e.cfg.SampleInterval, e.hSample, 0)
}

// drained: no more inputs, nothing pending and no finite task running.
func (e *Engine) drained() bool {
	return e.srcDone && e.pending == 0 && e.runningFinite == 0
}

// stalled: inputs done, no finite task running, and nothing launched or
// freed for StallTimeout — the pending tasks can never be placed.
func (e *Engine) stalled() bool {
	return e.srcDone && e.runningFinite == 0 && e.now-e.lastProgress >= e.cfg.StallTimeout
}
