package sweep

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/allocsim/allocsim/bench/parallel"
	"github.com/allocsim/allocsim/reports"
	"github.com/allocsim/allocsim/runner"
	"github.com/allocsim/allocsim/workloads"
)

// Matrix is a scenario file, the axes swept over it and the seeds.
type Matrix struct {
	File  string // the scenario file's name (errors, relative paths)
	Doc   []byte // its contents
	Axes  []Axis
	Seeds []uint64
	Jobs  int    // parallel runs; GOMAXPROCS if ≤ 0
	Out   string // each run's folder is Out/runs/<point>-seed<seed>
	// SummariesOnly keeps of each run only its summary.json, as
	// Out/summaries/<point>-seed<seed>.json: a sweep of the default scenario
	// otherwise keeps ~50 MB of Parquet files a run.
	SummariesOnly bool
	// Shard, when set, runs only part of the runs (see Shard).
	Shard Shard
	// Progress, when set, is called after each finished run (from one goroutine).
	Progress func(done, total int)
}

// Point is one combination of axis values.
type Point struct {
	Sets []workloads.Set
}

// Label names the point ("base" without axes).
func (p Point) Label() string {
	if len(p.Sets) == 0 {
		return "base"
	}
	s := make([]string, len(p.Sets))
	for i, set := range p.Sets {
		s[i] = set.String()
	}
	return strings.Join(s, " ")
}

// Points lists every combination, the first axis varying slowest.
func (m Matrix) Points() []Point {
	pts := []Point{{}}
	for _, a := range m.Axes {
		var next []Point
		for _, p := range pts {
			for _, v := range a.Values {
				sets := append(append([]workloads.Set(nil), p.Sets...), workloads.Set{Path: a.Path, Value: v})
				next = append(next, Point{Sets: sets})
			}
		}
		pts = next
	}
	return pts
}

// Results are the summaries of every run, indexed [point][seed]; a run
// outside the sweep's shard has a nil summary.
type Results struct {
	Points    []Point
	Seeds     []uint64
	Summaries [][]*reports.Summary
	Dirs      [][]string
	Shard     Shard
}

// runs counts the runs that have a summary.
func (r *Results) runs() int {
	n := 0
	for p := range r.Summaries {
		for _, s := range r.Summaries[p] {
			if s != nil {
				n++
			}
		}
	}
	return n
}

// check parses a point's scenario and checks what its run would build
// (the allocator and its parameters included) without running it or
// opening a trace's files (workloads.Scenario.Precheck).
func check(file string, doc []byte) error {
	s, err := workloads.Parse(file, doc)
	if err != nil {
		return err
	}
	return s.Precheck()
}

// Run checks every point's scenario first (so that a bad value fails before
// anything runs), then runs the matrix.
func (m Matrix) Run() (*Results, error) {
	pts := m.Points()
	docs := make([][]byte, len(pts))
	for i, p := range pts {
		doc, err := workloads.ApplySets(m.Doc, p.Sets)
		if err == nil {
			err = check(m.File, doc)
		}
		if err != nil {
			return nil, fmt.Errorf("%s with %s: %w", m.File, p.Label(), err)
		}
		docs[i] = doc
	}
	res := &Results{Points: pts, Seeds: m.Seeds, Summaries: make([][]*reports.Summary, len(pts)), Dirs: make([][]string, len(pts)),
		Shard: m.Shard}
	sub := "runs"
	if m.SummariesOnly {
		sub = "summaries"
	}
	type job struct{ p, s int }
	var jobs []job
	for p := range pts {
		res.Summaries[p] = make([]*reports.Summary, len(m.Seeds))
		res.Dirs[p] = make([]string, len(m.Seeds))
		for s := range m.Seeds {
			res.Dirs[p][s] = filepath.Join(m.Out, sub, fmt.Sprintf("%02d-seed%d", p, m.Seeds[s]))
			if m.SummariesOnly {
				res.Dirs[p][s] += ".json"
			}
			if m.Shard.Has(p*len(m.Seeds) + s) {
				jobs = append(jobs, job{p, s})
			}
		}
	}
	if err := os.MkdirAll(filepath.Join(m.Out, sub), 0o755); err != nil {
		return nil, err
	}
	err := parallel.Do(len(jobs), m.Jobs, func(i int) error {
		j := jobs[i]
		sum, err := m.run(docs[j.p], m.Seeds[j.s], res.Dirs[j.p][j.s])
		res.Summaries[j.p][j.s] = sum
		if err != nil {
			return fmt.Errorf("%s, seed %d: %w", pts[j.p].Label(), m.Seeds[j.s], err)
		}
		return nil
	}, m.Progress)
	if err != nil {
		return nil, err
	}
	return res, nil
}

// run runs one scenario with one seed into dir, or, keeping summaries only,
// into a temporary folder whose summary.json becomes the file dir.
func (m Matrix) run(doc []byte, seed uint64, dir string) (*reports.Summary, error) {
	s, err := workloads.Parse(m.File, doc)
	if err != nil {
		return nil, err
	}
	out := dir
	if m.SummariesOnly {
		if out, err = os.MkdirTemp(filepath.Dir(dir), ".run-*"); err != nil {
			return nil, err
		}
		defer os.RemoveAll(out)
	}
	r, err := runner.Run(s, runner.Options{Out: out, Seed: seed, SeedSet: true, NoReport: true})
	if err != nil {
		return nil, err
	}
	if m.SummariesOnly {
		// A rename in one folder: the file appears complete or not at all.
		if err := os.Rename(filepath.Join(out, reports.SummaryFile), dir); err != nil {
			return nil, err
		}
	}
	return r.Summary, nil
}
