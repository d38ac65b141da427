// Package runner is the glue between a scenario and a run folder: it builds
// the simulator from the scenario, attaches the reports collector, runs it
// and writes the outputs. `allocsim run`, the bench harness and comparisons
// all go through Run so that a run means the same thing everywhere.
package runner

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/reports"
	"github.com/allocsim/allocsim/sim"
	_ "github.com/allocsim/allocsim/sim/offers" // registers the "drf" and "static" modes
	_ "github.com/allocsim/allocsim/sim/omega"  // registers the "omega" mode
	"github.com/allocsim/allocsim/traces"
	"github.com/allocsim/allocsim/workloads"
)

// Options change how a scenario is run (not what it simulates, except Seed).
type Options struct {
	// Out is the output folder; "" means the scenario's outputs.dir, or
	// out/<scenario name> when that is empty.
	Out string
	// Seed replaces the scenario's seed when SeedSet.
	Seed    uint64
	SeedSet bool
	// NoMetrics runs without the collector: no output files, only Stats
	// (for measuring the engine or the collector's overhead).
	NoMetrics bool
	// NoReport skips the HTML report even if the scenario asks for it.
	NoReport bool
	// Version is recorded in summary.json.
	Version string
	// Progress, when set, is called now and then with the simulated time and
	// the horizon (0 when the run goes until the workload drains).
	Progress func(now, horizon allocator.Time)
	// Report writes report.html and figures into a finished run folder when
	// the scenario asks for them; nil means none are written (tests, bench).
	Report func(dir string) error
}

// Result is what a run produced.
type Result struct {
	Scenario string
	Dir      string // output folder ("" with NoMetrics)
	Nodes    int
	Stats    sim.Stats
	Summary  *reports.Summary // nil with NoMetrics
	Wall     time.Duration    // whole run: build, simulate, write
	// Close is the part of Wall spent finishing the outputs after the
	// simulation (0 with NoMetrics; the HTML report not included).
	Close time.Duration
}

// EventsPerSecond is simulated events per wall-clock second of the engine.
func (r Result) EventsPerSecond() float64 {
	if r.Stats.Wall <= 0 {
		return 0
	}
	return float64(r.Stats.Counters.Events) / r.Stats.Wall.Seconds()
}

// OutDir is where a run of s with opts writes.
func OutDir(s *workloads.Scenario, opts Options) string {
	switch {
	case opts.Out != "":
		return opts.Out
	case s.Outputs.Dir != "":
		return s.Outputs.Dir
	}
	return filepath.Join("out", s.Name)
}

// Run simulates the scenario and writes its run folder.
func Run(s *workloads.Scenario, opts Options) (Result, error) {
	start := time.Now()
	if opts.SeedSet {
		cp := *s
		cp.Seed = opts.Seed
		s = &cp
	}
	cfg, err := s.SimConfig()
	if err != nil {
		return Result{}, err
	}
	if cfg.SampleInterval == 0 {
		cfg.SampleInterval = allocator.Minute
	}
	res := Result{Scenario: s.Name, Nodes: cfg.Cluster.NumAgents()}
	if opts.Progress != nil {
		horizon := cfg.Horizon
		cfg.Progress = func(now allocator.Time) { opts.Progress(now, horizon) }
	}
	var col *reports.Collector
	if !opts.NoMetrics {
		res.Dir = OutDir(s, opts)
		col, err = reports.NewCollector(res.Dir, reports.Meta{
			Version:        opts.Version,
			Scenario:       s.Name,
			Seed:           s.Seed,
			Allocator:      s.Allocator.Name,
			Config:         s,
			Cluster:        cfg.Cluster,
			Frameworks:     cfg.Frameworks,
			Roles:          cfg.Roles,
			Typical:        cfg.Typical,
			SampleInterval: cfg.SampleInterval,
			Horizon:        cfg.Horizon,
			EndsEarly:      endsEarly(s),
			SourceCounters: sourceCounters(cfg.Source),
		})
		if err != nil {
			return Result{}, err
		}
		cfg.Observer = col
	} else {
		cfg.SampleInterval = 0
	}
	e, err := sim.New(cfg)
	if err == nil {
		res.Stats, err = e.Run()
	}
	if err != nil {
		if col != nil {
			col.Abort()
		}
		return Result{}, fmt.Errorf("scenario %s: %w", s.Name, err)
	}
	res.Nodes = cfg.Cluster.NumAgents() // a trace may have added machines
	if col != nil {
		closeStart := time.Now()
		if err := col.Close(res.Stats); err != nil {
			return Result{}, fmt.Errorf("writing %s: %w", res.Dir, err)
		}
		res.Close = time.Since(closeStart)
		if res.Summary, err = reports.ReadSummary(res.Dir); err != nil {
			return Result{}, err
		}
		if s.Outputs.Report && !opts.NoReport && opts.Report != nil {
			if err := opts.Report(res.Dir); err != nil {
				return Result{}, fmt.Errorf("report: %w", err)
			}
		}
	}
	res.Wall = time.Since(start)
	return res, nil
}

// sourceCounters returns the counters of a source that keeps them (a trace
// replay), or nil.
func sourceCounters(src sim.Source) func() map[string]int64 {
	if c, ok := src.(interface{ Stats() *traces.Stats }); ok {
		return func() map[string]int64 { return c.Stats().Map() }
	}
	return nil
}

// endsEarly reports whether running attempts of s may end before their
// time: agents fail (injected failures, a trace's machine removals) or the
// mode preempts. A wrong answer costs time, never correctness.
func endsEarly(s *workloads.Scenario) bool {
	preempts, _ := s.Allocator.Params["preemption"].(bool)
	return preempts || s.Failures != nil || (s.Workload.Trace != nil && s.Workload.Trace.Machines)
}
