package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/allocsim/allocsim/bench/gate"
)

func init() {
	registerBench(&command{name: "gate", summary: "a CI performance gate: compare two go test -bench outputs, fail on a significant regression", run: runBenchGate})
}

func runBenchGate(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench gate", "bench gate [--max-regression 5] [--alpha 0.05] [--correction holm] [--higher-is-better UNITS] BASE.txt CHANGE.txt\n\n"+
		"Compares every metric of every benchmark in both files of `go test -bench . -count 6` output (medians,\n"+
		"two-sided Mann-Whitney U test) and exits with status 1 if one got worse by more than --max-regression\n"+
		"percent with p < --alpha, or if there are too few runs to tell. The p-values are Holm-adjusted over\n"+
		"all metrics tested (--correction none: each metric on its own), so that testing many does not make\n"+
		"a failure by chance likely; the table shows the adjusted p next to the raw one.", stderr)
	maxReg := fs.Float64("max-regression", 5, "how much worse (percent) a metric's median may get")
	alpha := fs.Float64("alpha", 0.05, "significance level")
	correction := fs.String("correction", string(gate.Holm), "multiple-comparison correction: holm (Holm-Bonferroni over all metrics tested) or none")
	higher := fs.String("higher-is-better", "", "comma-separated units where more is better, besides those ending in /s")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		fmt.Fprintln(stderr, "allocsim bench gate: want the base and the change's benchmark outputs")
		fs.Usage()
		return errUsage
	}
	if !(*maxReg >= 0 && *maxReg <= 1000) {
		return fmt.Errorf("--max-regression %v: want a percentage from 0 to 1000", *maxReg)
	}
	if !(*alpha > 0 && *alpha < 1) {
		return fmt.Errorf("--alpha %v: want a level between 0 and 1", *alpha)
	}
	corr, err := gate.ParseCorrection(*correction)
	if err != nil {
		return err
	}
	o := gate.Options{MaxRegression: *maxReg / 100, Alpha: *alpha, Correction: corr}
	for _, u := range strings.Split(*higher, ",") {
		if u = strings.TrimSpace(u); u != "" {
			o.HigherIsBetter = append(o.HigherIsBetter, u)
		}
	}
	var samples [2]*gate.Samples
	for i, path := range pos {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		samples[i], err = gate.Parse(path, f)
		f.Close()
		if err != nil {
			return err
		}
	}
	rep := gate.Compare(samples[0], samples[1], o)
	if err := rep.Write(stdout, o); err != nil {
		return err
	}
	if !rep.Passed() {
		return errors.New("performance gate failed (see above)")
	}
	return nil
}
