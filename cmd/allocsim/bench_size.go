package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/allocsim/allocsim/bench/size"
	"github.com/allocsim/allocsim/workloads"
)

func init() {
	registerBench(&command{name: "size", summary: "capacity planning: the smallest (or largest) value of a setting that meets targets, by bisection", run: runBenchSize})
}

func runBenchSize(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench size", "bench size --vary PATH --range LO-HI [--step N] --target FIGURE<=VALUE … [--largest]\n"+
		"       [--seeds 1-3] [--set path=value …] [-j N] [--out DIR] [scenario.yaml]\n\n"+
		"Finds the smallest value of the integer setting PATH (a node class's count, say) from LO to HI\n"+
		"at which every target holds in every seed's run — with --largest, the largest (an arrival\n"+
		"rate a cluster sustains, say) — by bisection, which assumes the targets are monotone in the\n"+
		"setting. Prints every probe and the answer (also DIR/size.md and DIR/size.json); each probe's\n"+
		"runs keep their summary.json under DIR/<value>/.", stderr)
	vary := fs.String("vary", "", "the dotted path of the integer setting, e.g. cluster.node_classes.0.count")
	rng := fs.String("range", "", "LO-HI, the values tried, e.g. 1000-40000")
	step := fs.Int64("step", 1, "the values' spacing from LO (HI − LO must be a multiple of it)")
	suffix := fs.String("suffix", "", "a unit written after each value, e.g. /m for an arrival rate per minute")
	largest := fs.Bool("largest", false, "find the largest value that meets the targets (they degrade as it grows)")
	var targets, sets stringList
	fs.Var(&targets, "target", "a figure and the bound it must meet in every seed, e.g. wait_p99_s<=60 or\n"+
		"tasks.outcomes.unscheduled<=0 (a bench sweep figure or a dotted path of summary.json); repeatable")
	fs.Var(&sets, "set", "a fixed value of the scenario file for every run, path=value; repeatable")
	seeds := fs.String("seeds", "1", "seeds: a list and/or ranges, e.g. 1-3")
	jobs := fs.Int("j", 0, "parallel runs within a probe (default GOMAXPROCS)")
	out := fs.String("out", filepath.Join("out", "size"), "output folder")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		fmt.Fprintf(stderr, "allocsim bench size: one scenario file at most, got %d\n", len(pos))
		fs.Usage()
		return errUsage
	}
	s := size.Search{Path: strings.TrimSpace(*vary), Suffix: *suffix, Step: *step, Largest: *largest, Jobs: *jobs, Out: *out}
	if s.Path == "" {
		return fmt.Errorf("--vary: give the setting to vary, e.g. --vary cluster.node_classes.0.count")
	}
	if s.Lo, s.Hi, err = parseRange(*rng); err != nil {
		return fmt.Errorf("--range %w", err)
	}
	if len(targets) == 0 {
		return fmt.Errorf("--target: give at least one, e.g. --target wait_p99_s<=60")
	}
	for _, t := range targets {
		tg, err := size.ParseTarget(t)
		if err != nil {
			return fmt.Errorf("--target %w", err)
		}
		s.Targets = append(s.Targets, tg)
	}
	if s.Seeds, err = parseSeeds(*seeds); err != nil {
		return fmt.Errorf("--seeds: %w", err)
	}
	if s.File, s.Doc, err = scenarioFile(pos); err != nil {
		return err
	}
	var fixed []workloads.Set
	for _, kv := range sets {
		p, v, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(p) == "" {
			return fmt.Errorf("--set %q: want path=value", kv)
		}
		fixed = append(fixed, workloads.Set{Path: strings.TrimSpace(p), Value: strings.TrimSpace(v)})
	}
	if s.Doc, err = workloads.ApplySets(s.Doc, fixed); err != nil {
		return fmt.Errorf("--set: %w", err)
	}
	s.Progress = func(p size.Probe) {
		fmt.Fprintf(stderr, "bench size: %s=%d %s\n", s.Path, p.Value, map[bool]string{true: "meets the targets", false: "does not"}[p.Pass])
	}
	res, err := s.Run()
	if err != nil {
		return err
	}
	var md, js bytes.Buffer
	if err := size.WriteTable(&md, s, res); err != nil {
		return err
	}
	if err := size.WriteJSON(&js, s, res); err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(*out, "size.md"), md.Bytes()); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(*out, "size.json"), js.Bytes()); err != nil {
		return err
	}
	_, err = stdout.Write(md.Bytes())
	return err
}

// parseRange reads "LO-HI" (integers; LO may be negative: "-5-5").
func parseRange(s string) (lo, hi int64, err error) {
	s = strings.TrimSpace(s)
	i := strings.Index(s[min(1, len(s)):], "-") + min(1, len(s))
	if s == "" || i < 1 {
		return 0, 0, fmt.Errorf("%q: want LO-HI, e.g. 1000-40000", s)
	}
	if lo, err = strconv.ParseInt(strings.TrimSpace(s[:i]), 10, 64); err == nil {
		hi, err = strconv.ParseInt(strings.TrimSpace(s[i+1:]), 10, 64)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("%q: want LO-HI with integers, e.g. 1000-40000", s)
	}
	return lo, hi, nil
}
