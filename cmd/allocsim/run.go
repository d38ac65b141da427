package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/bench/sweep"
	"github.com/allocsim/allocsim/reports/html"
	"github.com/allocsim/allocsim/runner"
	"github.com/allocsim/allocsim/workloads"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

func init() {
	register(&command{name: "run", summary: "simulate a scenario (the embedded default without an argument)", run: runRun})
}

func runRun(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("run", "run [flags] [scenario.yaml]", stderr)
	out := fs.String("out", "", "output folder (default: the scenario's outputs.dir, else out/<scenario name>)")
	seed := fs.Uint64("seed", 0, "replace the scenario's seed")
	noReport := fs.Bool("no-report", false, "do not write report.html and figures")
	quiet := fs.Bool("quiet", false, "no progress bar and no summary table")
	estimate := fs.Bool("estimate", false, "print the expected load of each synthetic stream and exit without running")
	var sets stringList
	fs.Var(&sets, "set", "set a value of the scenario file by its dotted path, e.g. allocator.name=omega or\n"+
		"allocator.params.think_job=0.05 (YAML values); repeatable")
	pos, err := parseArgs(fs, args) // flags may come before or after the scenario path
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		fmt.Fprintf(stderr, "allocsim run: one scenario file at most, got %d\n", len(pos))
		fs.Usage()
		return errUsage
	}
	s, err := loadScenario(pos, sets)
	if err != nil {
		return err
	}
	if *estimate {
		est, err := s.Estimate(20000)
		if err != nil {
			return err
		}
		return s.WriteEstimate(stdout, est)
	}
	opts := runner.Options{Out: *out, NoReport: *noReport, Version: version, Report: html.Generate}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "seed" {
			opts.Seed, opts.SeedSet = *seed, true
		}
	})
	var bar *progressbar.ProgressBar
	if f, ok := stderr.(*os.File); ok && !*quiet && term.IsTerminal(int(f.Fd())) {
		bar = newBar(f, s)
		opts.Progress = func(now, horizon allocator.Time) {
			if horizon > 0 {
				_ = bar.Set64(int64(now.Seconds()))
			} else {
				_ = bar.Add64(1)
			}
		}
	}
	res, err := runner.Run(s, opts)
	if bar != nil {
		_ = bar.Finish()
		_ = bar.Clear()
	}
	if err != nil {
		return err
	}
	if *quiet {
		return nil
	}
	return runner.WriteSummary(stdout, res)
}

// newBar shows simulated seconds out of the horizon (a spinner when the run
// goes until the workload drains).
func newBar(w io.Writer, s *workloads.Scenario) *progressbar.ProgressBar {
	max := int64(-1)
	if s.Horizon > 0 {
		max = int64(allocator.Time(s.Horizon).Seconds())
	}
	return progressbar.NewOptions64(max,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("simulating "+s.Name),
		progressbar.OptionSetItsString("sim s"),
		progressbar.OptionShowIts(),
		progressbar.OptionThrottle(100_000_000),
		progressbar.OptionClearOnFinish(),
	)
}

// scenarioFile returns the name and text of the scenario file named by the
// positional arguments, or of the embedded default without one.
func scenarioFile(pos []string) (string, []byte, error) {
	if len(pos) == 0 {
		return workloads.DefaultFile, workloads.DefaultYAML(), nil
	}
	doc, err := os.ReadFile(pos[0])
	return pos[0], doc, err
}

// loadScenario reads the scenario file (the embedded default without one)
// with the --set values applied.
func loadScenario(pos []string, sets []string) (*workloads.Scenario, error) {
	name, doc, err := scenarioFile(pos)
	if err != nil {
		return nil, err
	}
	if len(sets) == 0 {
		return workloads.Parse(name, doc)
	}
	var all []workloads.Set
	for _, s := range sets {
		a, err := sweep.ParseAxis(s)
		if err != nil {
			return nil, fmt.Errorf("--set %w", err)
		}
		if len(a.Values) != 1 {
			return nil, fmt.Errorf("--set %q: one value (allocsim bench sweep runs several)", s)
		}
		all = append(all, workloads.Set{Path: a.Path, Value: a.Values[0]})
	}
	doc, err = workloads.ApplySets(doc, all)
	if err != nil {
		return nil, fmt.Errorf("--set %w", err)
	}
	s, err := workloads.Parse(name, doc)
	if err != nil {
		return nil, fmt.Errorf("with --set: %w", err)
	}
	return s, nil
}
