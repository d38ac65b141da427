package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/allocsim/allocsim/bench/sweep"
)

func init() {
	registerBench(&command{name: "sweep", summary: "run a scenario over settings × seeds and tabulate the headline figures", run: runBenchSweep})
}

func runBenchSweep(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench sweep", "bench sweep [--set path=v1,v2 …] [--seeds 1-5] [-j N] [--out DIR] [scenario.yaml]\n\n"+
		"Runs the scenario (the embedded default without one) for every combination of the --set values\n"+
		"and every seed; writes each run's folder under DIR/runs/, one row per run to DIR/runs.tsv, and\n"+
		"prints the per-setting means ± standard deviations (also DIR/sweep.md).", stderr)
	var sets stringList
	fs.Var(&sets, "set", "a value of the scenario file by its dotted path and the values it takes, e.g.\n"+
		"allocator.name=monolithic,omega or allocator.params.think_job=0.01,0.1; repeat for more axes")
	seeds := fs.String("seeds", "1", "seeds: a list and/or ranges, e.g. 1-5 or 1,5,7-9")
	jobs := fs.Int("j", 0, "parallel runs (default GOMAXPROCS)")
	out := fs.String("out", filepath.Join("out", "sweep"), "output folder")
	summaries := fs.Bool("summaries-only", false, "keep only each run's summary.json (DIR/summaries/), not its Parquet files")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		fmt.Fprintf(stderr, "allocsim bench sweep: one scenario file at most, got %d\n", len(pos))
		fs.Usage()
		return errUsage
	}
	m := sweep.Matrix{Jobs: *jobs, Out: *out, SummariesOnly: *summaries}
	if m.File, m.Doc, err = scenarioFile(pos); err != nil {
		return err
	}
	for _, s := range sets {
		a, err := sweep.ParseAxis(s)
		if err != nil {
			return fmt.Errorf("--set %w", err)
		}
		m.Axes = append(m.Axes, a)
	}
	if m.Seeds, err = parseSeeds(*seeds); err != nil {
		return fmt.Errorf("--seeds: %w", err)
	}
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar := progressbar.NewOptions(len(m.Points())*len(m.Seeds), progressbar.OptionSetWriter(stderr),
			progressbar.OptionSetDescription("bench sweep"), progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
		m.Progress = func(done, total int) { _ = bar.Set(done) }
		defer bar.Finish()
	}
	res, err := m.Run()
	if err != nil {
		return err
	}
	var runs, table bytes.Buffer
	if err := sweep.WriteRuns(&runs, m.Axes, res); err != nil {
		return err
	}
	if err := sweep.WriteTable(&table, m.Axes, res); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(*out, "runs.tsv"), runs.Bytes()); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(*out, "sweep.md"), table.Bytes()); err != nil {
		return err
	}
	_, err = stdout.Write(table.Bytes())
	return err
}
