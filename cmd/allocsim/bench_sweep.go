package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/allocsim/allocsim/bench/sweep"
)

func init() {
	registerBench(&command{name: "sweep", summary: "run a scenario over settings × seeds and tabulate the headline figures", run: runBenchSweep})
}

func runBenchSweep(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "merge" {
		return runBenchSweepMerge(args[1:], stdout, stderr)
	}
	fs := newFlagSet("bench sweep", "bench sweep [--set path=v1,v2 …] [--seeds 1-5] [-j N] [--shard i/n] [--out DIR] [scenario.yaml]\n"+
		"       allocsim bench sweep merge [--out DIR] [--metric path] SHARD_DIR…\n\n"+
		"Runs the scenario (the embedded default without one) for every combination of the --set values\n"+
		"and every seed; writes each run's folder under DIR/runs/, one row per run to DIR/runs.tsv, the\n"+
		"matrix and its runs to DIR/sweep.json, and prints the per-setting means ± standard deviations\n"+
		"(also DIR/sweep.md). --shard i/n runs only every n-th run (for spreading a sweep over CI jobs);\n"+
		"merge puts the shards' folders back together into the unsharded sweep's table.", stderr)
	var sets stringList
	fs.Var(&sets, "set", "a value of the scenario file by its dotted path and the values it takes, e.g.\n"+
		"allocator.name=monolithic,omega or allocator.params.think_job=0.01,0.1; repeat for more axes")
	seeds := fs.String("seeds", "1", "seeds: a list and/or ranges, e.g. 1-5 or 1,5,7-9")
	jobs := fs.Int("j", 0, "parallel runs (default GOMAXPROCS)")
	out := fs.String("out", filepath.Join("out", "sweep"), "output folder")
	summaries := fs.Bool("summaries-only", false, "keep only each run's summary.json (DIR/summaries/), not its Parquet files")
	shard := fs.String("shard", "", "run only shard i of n of the runs, e.g. 2/4 (merge the shards with bench sweep merge)")
	paired := fs.Bool("paired", false, "also tabulate each setting's difference from the first, seed by seed, with 95% confidence intervals")
	var metrics stringList
	fs.Var(&metrics, "metric", "also tabulate a number of summary.json by its dotted path, e.g.\n"+
		"wait_s_by_priority.9.dist.p99 or tasks.outcomes.preempted (list elements by name or index); repeatable")
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
	if *shard != "" {
		if m.Shard, err = sweep.ParseShard(*shard); err != nil {
			return fmt.Errorf("--shard %w", err)
		}
	}
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar := progressbar.NewOptions(len(m.Points())*len(m.Seeds), progressbar.OptionSetWriter(stderr),
			progressbar.OptionSetDescription("bench sweep"), progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
		m.Progress = func(done, total int) { _ = bar.Set(done) }
		defer bar.Finish()
	}
	extra, err := parseMetrics(metrics)
	if err != nil {
		return err
	}
	res, err := m.Run()
	if err != nil {
		return err
	}
	man := m.Manifest(res, *out)
	man.Metrics = metrics
	return writeSweep(*out, m.Axes, res, man, extra, *paired, stdout)
}

func parseMetrics(paths []string) ([]sweep.Metric, error) {
	var out []sweep.Metric
	for _, p := range paths {
		m, err := sweep.ParseMetric(p)
		if err != nil {
			return nil, fmt.Errorf("--metric %w", err)
		}
		out = append(out, m)
	}
	return out, nil
}

// writeSweep writes a sweep folder's runs.tsv, sweep.md and sweep.json, and
// prints the table.
func writeSweep(out string, axes []sweep.Axis, res *sweep.Results, man sweep.Manifest, extra []sweep.Metric, paired bool, stdout io.Writer) error {
	var runs, table bytes.Buffer
	if err := sweep.WriteRuns(&runs, axes, res, extra...); err != nil {
		return err
	}
	if err := sweep.WriteTable(&table, axes, res, extra...); err != nil {
		return err
	}
	if paired {
		if err := sweep.WritePaired(&table, axes, res, extra...); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(out, "runs.tsv"), runs.Bytes()); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(out, "sweep.md"), table.Bytes()); err != nil {
		return err
	}
	if err := sweep.WriteManifest(out, man); err != nil {
		return err
	}
	_, err := stdout.Write(table.Bytes())
	return err
}

func runBenchSweepMerge(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench sweep merge", "bench sweep merge [--out DIR] SHARD_DIR…\n\n"+
		"Merges the folders of a sweep run in shards (bench sweep --shard i/n, same scenario file, --set\n"+
		"axes and seeds): checks that every run is in exactly one of them, then writes DIR/runs.tsv,\n"+
		"DIR/sweep.md and DIR/sweep.json as the unsharded sweep would have, and prints the table.", stderr)
	out := fs.String("out", filepath.Join("out", "sweep"), "output folder")
	paired := fs.Bool("paired", false, "also tabulate each setting's difference from the first, seed by seed, with 95% confidence intervals")
	var metrics stringList
	fs.Var(&metrics, "metric", "tabulate a number of summary.json by its dotted path, besides the shards' own --metric ones")
	dirs, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(dirs) == 0 {
		fmt.Fprintln(stderr, "allocsim bench sweep merge: no shard folders given")
		fs.Usage()
		return errUsage
	}
	res, man, err := sweep.Merge(dirs, *out)
	if err != nil {
		return err
	}
	for _, p := range metrics {
		if !slices.Contains(man.Metrics, p) {
			man.Metrics = append(man.Metrics, p)
		}
	}
	extra, err := parseMetrics(man.Metrics)
	if err != nil {
		return err
	}
	return writeSweep(*out, man.Axes, res, man, extra, *paired, stdout)
}
