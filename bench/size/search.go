package size

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/allocsim/allocsim/bench/sweep"
	"github.com/allocsim/allocsim/workloads"
)

// Search is one sizing question: which value of the setting at Path, from
// Lo to Hi in steps of Step, is the smallest (or, with Largest, the
// largest) at which every target holds in every seed's run.
type Search struct {
	File    string // the scenario file's name (errors, relative paths)
	Doc     []byte // its contents, fixed settings applied
	Path    string // the dotted path of the integer setting varied
	Suffix  string // written after each value: a unit such as "/m" or "GiB"
	Lo, Hi  int64
	Step    int64
	Largest bool // targets degrade as the value grows (load, say)
	Targets []Target
	Seeds   []uint64
	Jobs    int    // parallel runs within a probe; GOMAXPROCS if ≤ 0
	Out     string // probe v keeps its runs' summaries under Out/<v>/
	// Progress, when set, is called after each probe.
	Progress func(Probe)
}

// Probe is one value tried and how its runs met the targets.
type Probe struct {
	Value int64    `json:"value"`
	Pass  bool     `json:"meets_targets"`
	Worst []Figure `json:"worst"` // per target, the seed furthest from meeting it
}

// Result lists the probes in the order they ran and the answer.
type Result struct {
	Probes []Probe `json:"probes"`
	Found  bool    `json:"found"` // false: not even the most favourable end passes
	Answer int64   `json:"answer"`
}

func (s Search) check() error {
	switch {
	case s.Path == "":
		return errors.New("no setting to vary")
	case s.Step < 1:
		return fmt.Errorf("step %d: want at least 1", s.Step)
	case s.Lo > s.Hi:
		return fmt.Errorf("range %d–%d: the low end is above the high end", s.Lo, s.Hi)
	case (s.Hi-s.Lo)%s.Step != 0:
		return fmt.Errorf("range %d–%d is not a whole number of steps of %d", s.Lo, s.Hi, s.Step)
	case len(s.Targets) == 0:
		return errors.New("no target")
	case len(s.Seeds) == 0:
		return errors.New("no seed")
	}
	return nil
}

// Run bisects: it probes the favourable end (Hi, or Lo with Largest),
// then the other, then halves the interval between a passing and a
// failing value until they are one step apart.
func (s Search) Run() (*Result, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	return s.bisect(s.probe)
}

func (s Search) bisect(eval func(int64) (Probe, error)) (*Result, error) {
	r := &Result{}
	try := func(v int64) (bool, error) {
		p, err := eval(v)
		if err != nil {
			return false, fmt.Errorf("%s=%d: %w", s.Path, v, err)
		}
		r.Probes = append(r.Probes, p)
		if s.Progress != nil {
			s.Progress(p)
		}
		return p.Pass, nil
	}
	good, bad := s.Hi, s.Lo
	if s.Largest {
		good, bad = s.Lo, s.Hi
	}
	if ok, err := try(good); err != nil || !ok {
		return r, err
	}
	r.Found, r.Answer = true, good
	if good == bad {
		return r, nil
	}
	ok, err := try(bad)
	if err != nil {
		return r, err
	}
	if ok {
		r.Answer = bad
		return r, nil
	}
	// good passes, bad fails; Go's division truncates toward zero, so mid
	// lies strictly between them in either direction.
	for (good-bad)/s.Step > 1 || (bad-good)/s.Step > 1 {
		mid := bad + (good-bad)/s.Step/2*s.Step
		ok, err := try(mid)
		if err != nil {
			return r, err
		}
		if ok {
			good = mid
		} else {
			bad = mid
		}
	}
	r.Answer = good
	return r, nil
}

// probe runs every seed with the setting at v and reads the targets' figures.
func (s Search) probe(v int64) (Probe, error) {
	doc, err := workloads.ApplySets(s.Doc, []workloads.Set{{Path: s.Path, Value: strconv.FormatInt(v, 10) + s.Suffix}})
	if err != nil {
		return Probe{}, err
	}
	m := sweep.Matrix{File: s.File, Doc: doc, Seeds: s.Seeds, Jobs: s.Jobs, SummariesOnly: true,
		Out: filepath.Join(s.Out, strconv.FormatInt(v, 10))}
	res, err := m.Run()
	if err != nil {
		return Probe{}, err
	}
	p := Probe{Value: v, Pass: true}
	for _, t := range s.Targets {
		vs := make([]float64, len(s.Seeds))
		for i, sum := range res.Summaries[0] {
			vs[i] = t.Metric.Get(sum)
		}
		w := t.worst(vs)
		p.Worst = append(p.Worst, Figure(w))
		p.Pass = p.Pass && t.Holds(w)
	}
	return p, nil
}
