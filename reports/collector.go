package reports

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/sim"
)

// Meta describes a run to the collector: what summary.json records about it
// and the names that tasks.parquet and timeseries.parquet spell out.
type Meta struct {
	Version    string // allocsim version
	Scenario   string // scenario name
	Seed       uint64
	Allocator  string // allocation mode name
	Config     any    // the exact resolved config; marshalled into summary.json as is
	Cluster    *allocator.Cluster
	Frameworks []allocator.FrameworkInfo
	Roles      []allocator.RoleInfo
	// Typical are the workload's typical task shapes (sim.ModeEnv.Typical):
	// with them, each sample also records FGD's expected GPU fragmentation.
	Typical []allocator.TaskShape
	// SampleInterval is the simulated time between Observer.Sample calls
	// (the engine's Config.SampleInterval), recorded in summary.json.
	SampleInterval allocator.Time
	// SamplesOffGrid says Sample is not called at multiples of
	// SampleInterval (a wall-clock driver such as realrun): the frameworks'
	// state is then counted at every task event instead of summed from the
	// task records at close.
	SamplesOffGrid bool
	// Horizon is the engine's Config.Horizon (0: none). With it, the rows of
	// attempts that will still be running at the horizon are written while
	// the run goes on instead of all at its end (see openWriter).
	Horizon allocator.Time
	// EndsEarly says running attempts may end before their time (agents
	// that fail or are removed, preemption). Rows are then not written
	// ahead: each row written ahead whose attempt ends early must be taken
	// out again, and once one has reached tasks.parquet Close rewrites the
	// whole file (2.4 s more on the default scenario with failures, against
	// 0.3 s of engine time saved without them).
	EndsEarly bool
	// SourceCounters, when set, returns the workload source's counters (a
	// trace replay's: tasks dropped and why, constraints), read at Close
	// into summary.json's workload_counters.
	SourceCounters func() map[string]int64
}

// Collector implements sim.Observer. Memory stays bounded: task rows go to
// the Parquet writer in row groups, time-series rows are written as they are
// sampled, and only running totals plus one float64 per started attempt (for
// exact quantiles) are kept. Observer methods cannot return errors, so the
// first one is kept and returned by Close.
type Collector struct {
	dir   string
	meta  Meta
	names names

	tasks  *taskWriter
	open   *openWriter // nil without a horizon
	series *seriesWriter
	cycles *cycleWriter

	// The frameworks' state is summed from the task records at close
	// (liveSweep); the engine goroutine only counts the events at the next
	// sample's instant, which the sample sees but the sweep does not — or
	// every event, with samples off the grid (everyEvent).
	corr       []fwLive
	nextSample allocator.Time // noSample without samples
	everyEvent bool

	util   utilAcc
	err    error
	closed bool
}

var _ sim.Observer = (*Collector)(nil)

// NewCollector creates dir if needed, removes outputs of an earlier run there
// and opens the streaming outputs (under temporary names until Close).
func NewCollector(dir string, m Meta) (*Collector, error) {
	if m.Cluster == nil {
		return nil, errors.New("reports: collector needs the cluster")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("output folder: %w", err)
	}
	if err := removeStale(dir); err != nil {
		return nil, fmt.Errorf("output folder: %w", err)
	}
	c := &Collector{dir: dir, meta: m}
	nf := len(m.Frameworks)
	c.names = names{cluster: m.Cluster, frameworks: make([]string, nf), fwRole: make([]int32, nf)}
	for i, f := range m.Frameworks {
		c.names.frameworks[i], c.names.fwRole[i] = f.Name, int32(f.Role)
	}
	for _, r := range m.Roles {
		c.names.roles = append(c.names.roles, r.Name)
	}
	c.corr = make([]fwLive, nf)
	c.nextSample = noSample
	c.everyEvent = m.SamplesOffGrid
	sweepInterval := m.SampleInterval
	switch {
	case c.everyEvent:
		sweepInterval = 0
	case m.SampleInterval > 0:
		c.nextSample = 0
	}
	var err error
	if m.Horizon > 0 && !m.EndsEarly {
		c.open = newOpenWriter(&c.names, m.Horizon, newLiveSweep(sweepInterval, nf))
	}
	if c.tasks, err = newTaskWriter(dir, &c.names, c.open, newLiveSweep(sweepInterval, nf)); err != nil {
		c.abortOpen()
		return nil, err
	}
	if c.series, err = newSeriesWriter(dir, m); err != nil {
		c.tasks.abort()
		c.abortOpen()
		return nil, err
	}
	if c.cycles, err = newCycleWriter(dir); err != nil {
		c.tasks.abort()
		c.abortOpen()
		c.series.w.abort()
		return nil, err
	}
	return c, nil
}

func (c *Collector) fail(err error) {
	if c.err == nil && err != nil {
		c.err = err
	}
}

// noSample is a time no event has.
const noSample allocator.Time = -1

// corrFor returns the corrections of t's framework for the next sample; nil
// if the framework is unknown (the writer reports it).
func (c *Collector) corrFor(t *sim.Task) *fwLive {
	if fw := t.Spec.Framework; int(fw) >= 0 && int(fw) < len(c.corr) {
		return &c.corr[fw]
	}
	return nil
}

// TaskSubmitted counts a new pending attempt if the next sample is now.
func (c *Collector) TaskSubmitted(now allocator.Time, t *sim.Task) {
	if now == c.nextSample || c.everyEvent {
		if l := c.corrFor(t); l != nil {
			l.pending++
		}
	}
}

// TaskStarted hands over the row of an attempt that will still run at the
// horizon (see openWriter).
func (c *Collector) TaskStarted(now allocator.Time, t *sim.Task) {
	if now == c.nextSample || c.everyEvent {
		if l := c.corrFor(t); l != nil {
			l.pending--
			l.running++
			addRes(&l.used, &t.Spec.Req.Res, 1)
		}
	}
	if c.open != nil && c.open.runsPast(t) {
		if chunk, complete := c.open.add(t); complete {
			c.tasks.marker(chunk)
		}
	}
}

// TaskEnded hands the attempt's row to the writer goroutine, which encodes
// it and adds it to the statistics.
func (c *Collector) TaskEnded(now allocator.Time, t *sim.Task) {
	if (now == c.nextSample || c.everyEvent) && t.State != sim.StateRunning { // running: reported at the end
		if l := c.corrFor(t); l != nil {
			if t.Started {
				l.running--
				addRes(&l.used, &t.Spec.Req.Res, -1)
			} else {
				l.pending--
			}
		}
	}
	if c.open != nil && c.open.runsPast(t) {
		if t.State == sim.StateRunning && now == c.open.horizon {
			return // still running at the horizon: its row is written already
		}
		c.open.retract(t)
	}
	c.tasks.add(t)
}

// Sample takes one time-series sample (the rows are written at close).
func (c *Collector) Sample(now allocator.Time, e *sim.Engine) {
	c.series.snap(now, c, e.Counters())
	if !c.everyEvent {
		clear(c.corr)
	}
	if c.meta.SampleInterval > 0 {
		c.nextSample = now + c.meta.SampleInterval
	}
}

// CycleDone writes one cycles row.
func (c *Collector) CycleDone(now allocator.Time, wall time.Duration, s sim.CycleStats) {
	c.fail(c.cycles.add(now, wall, s))
}

// Close finishes the outputs of a run that ended with st: it commits the
// Parquet files, then timing.json, then summary.json (last: its presence
// marks a complete run folder). On error every temporary file is removed.
func (c *Collector) Close(st sim.Stats) error {
	if c.closed {
		return errors.New("reports: collector closed twice")
	}
	c.closed = true
	if c.err != nil {
		c.abort()
		return c.err
	}
	// Every writer goroutine starts on its last batches now.
	c.cycles.pipe.close()
	if c.open != nil {
		c.open.pipe.close()
	}
	if err := c.tasks.shutdown(); err != nil { // all rows are in the statistics now
		c.abort()
		return fmt.Errorf("reports: %w", err)
	}
	// The other files (and the timing, once the cycles' wall times are in)
	// are finished beside the tasks file, and the summary as soon as the
	// statistics of the rows written ahead are in.
	var wg sync.WaitGroup
	var timing Timing
	var filesErr error
	wg.Go(func() { filesErr = c.closeOtherFiles(st, &timing) })
	var sum Summary
	var seriesErr error
	tasksErr := c.closeTasks(st, func(mergeStats func()) {
		wg.Go(func() {
			// The time series needs the records' sweep (merged already) and
			// is written while the statistics merge; the summary needs both.
			var series sync.WaitGroup
			series.Go(func() { seriesErr = c.series.close(c.tasks.sweep, c) })
			mergeStats()
			series.Wait()
			if seriesErr == nil {
				sum = c.summary(st)
			}
		})
	})
	wg.Wait()
	if err := errors.Join(tasksErr, filesErr, seriesErr); err != nil {
		c.abort()
		return fmt.Errorf("reports: %w", err)
	}
	if err := writeJSON(c.dir, TimingFile, timing); err != nil {
		return err
	}
	return writeJSON(c.dir, SummaryFile, sum)
}

// closeOtherFiles commits cycles and agents, and computes the timing.
func (c *Collector) closeOtherFiles(st sim.Stats, timing *Timing) error {
	if err := c.cycles.close(); err != nil {
		return err
	}
	*timing = c.timing(st) // the cycles' wall times are all in now
	return writeAgents(c.dir, c.meta.Cluster)
}

// closeTasks finishes the rows written ahead and commits tasks.parquet. Once
// the sweep is complete it calls statsReady with the function that completes
// the statistics (to be called once, before the summary).
func (c *Collector) closeTasks(st sim.Stats, statsReady func(mergeStats func())) error {
	drop, mergeStats, copyRest, err := c.finishOpen(st)
	if err != nil {
		return err
	}
	statsReady(mergeStats)
	err = copyRest()
	c.abortOpen()
	if err != nil {
		return err
	}
	if len(drop) == 0 {
		return c.tasks.close()
	}
	return c.tasks.closeWithout(drop, c.meta.Horizon)
}

// finishOpen ends the rows written ahead. If the run reached its horizon,
// their sweep joins the others now, mergeStats adds their statistics to the
// others and copyRest puts the rest of them in tasks.parquet; else they are
// dropped (the engine reported those attempts when it stopped). drop lists
// the rows already in tasks.parquet that must go. mergeStats and copyRest
// may run at the same time.
func (c *Collector) finishOpen(st sim.Stats) (drop map[int64]bool, mergeStats func(), copyRest func() error, err error) {
	noMerge, noCopy := func() {}, func() error { return nil }
	if c.open == nil {
		return nil, noMerge, noCopy, nil
	}
	reached := st.End == c.open.horizon
	stats, drop, err := c.open.finish(reached)
	if err != nil || !reached {
		return drop, noMerge, noCopy, err
	}
	c.tasks.sweep.merge(c.open.sweep)
	o := c.open
	return drop, func() { c.tasks.stats.Merge(stats) }, func() error { return o.copyRest(c.tasks.w) }, nil
}

// Abort removes the temporary outputs (a failed or interrupted run).
func (c *Collector) Abort() {
	if !c.closed {
		c.closed = true
		c.abort()
	}
}

func (c *Collector) abort() {
	c.tasks.abort()
	c.abortOpen()
	c.series.w.abort()
	c.cycles.abort()
}

// abortOpen stops the open rows' writer and drops its rows (once).
func (c *Collector) abortOpen() {
	if c.open != nil {
		c.open.discard()
		c.open = nil
	}
}

func writeJSON(dir, name string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("reports: %s: %w", name, err)
	}
	return WriteFileAtomic(dir, name, append(b, '\n'))
}

// addRes adds sign × r to u in place (no 32-byte copies on the hot path).
func addRes(u, r *allocator.Resources, sign int64) {
	u[0] += sign * r[0]
	u[1] += sign * r[1]
	u[2] += sign * r[2]
	u[3] += sign * r[3]
}
