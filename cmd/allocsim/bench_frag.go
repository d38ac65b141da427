package main

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/allocator/placement"
	"github.com/allocsim/allocsim/bench/frag"
)

func init() {
	registerBench(&command{name: "frag", summary: "the FGD paper's experiment: GPU allocation vs arrived demand on openb traces", run: runBenchFrag})
}

// stringList is a repeatable flag (--pods A --pods B).
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func runBenchFrag(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench frag", "bench frag --nodes NODES.csv --pods PODS.csv [--pods MORE.csv …] [--policies …] [--seeds 42-51] [-j N] [--format table|tsv]", stderr)
	nodes := fs.String("nodes", "", "openb node list (CSV), e.g. openb_node_list_gpu_node.csv")
	var pods stringList
	fs.Var(&pods, "pods", "openb pod list (CSV); repeat for more workloads")
	policies := fs.String("policies", "Random,DotProduct,GpuClustering,GpuPacking,BestFit,FGD", "placement policies, comma-separated; settings of a policy's own follow its name,\ne.g. kubernetes:scoring=most-allocated:weights.gpu=3:weights.cpu=1:weights.memory=1")
	seeds := fs.String("seeds", "42-51", "seeds: a list and/or ranges, e.g. 42-51 or 1,5,7-9")
	jobs := fs.Int("j", 0, "parallel runs (default GOMAXPROCS)")
	format := fs.String("format", "table", "output: table or tsv")
	arrived := fs.String("arrived", "90,100,110,120,130", "arrived GPU demand (% of capacity) to report")
	target := fs.Float64("target", 130, "inflate each workload to this GPU demand, % of capacity")
	ties := fs.String("ties", placement.TiesOrder, "tie-break among equal scores: order (first node of a seeded random order, as the authors' simulator), first (lowest node) or random")
	out := fs.String("o", "", "write to this file (atomically) instead of stdout")
	curves := fs.String("curves", "", "also write every run's allocation and fragmentation at each arrived percent to this TSV file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *nodes == "" || len(pods) == 0 || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "allocsim bench frag: --nodes and at least one --pods are required (and no arguments)")
		fs.Usage()
		return errUsage
	}
	if *format != "table" && *format != "tsv" {
		return fmt.Errorf("--format %q: want table or tsv", *format)
	}
	seedList, err := parseSeeds(*seeds)
	if err != nil {
		return fmt.Errorf("--seeds: %w", err)
	}
	pcts, err := parseInts(*arrived)
	if err != nil {
		return fmt.Errorf("--arrived: %w", err)
	}
	if *target <= 0 || *target > 1000 {
		return fmt.Errorf("--target %g: want a percentage in (0, 1000]", *target)
	}
	var pols []string
	for _, p := range strings.Split(*policies, ",") {
		if p = strings.TrimSpace(p); p != "" {
			pols = append(pols, p)
		}
	}
	if len(pols) == 0 {
		return fmt.Errorf("--policies: empty")
	}
	params := allocator.Params{"ties": *ties}
	for _, p := range pols { // fail before loading anything
		probe := allocator.PlacerEnv{Rand: rand.New(rand.NewPCG(0, 0)), Typical: []allocator.TaskShape{{Req: allocator.Request{Res: allocator.Res(0, 0, 0, 1)}, Freq: 1}}}
		name, own, err := frag.ParsePolicy(p)
		if err != nil {
			return fmt.Errorf("--policies: %w", err)
		}
		if _, err := allocator.NewPlacer(name, frag.PlacerParams(params, own), probe); err != nil {
			return fmt.Errorf("--policies: %s: %w", p, err)
		}
	}

	start := time.Now()
	in, err := frag.Load(*nodes, pods)
	if err != nil {
		return err
	}
	m := frag.Matrix{Input: in, Policies: pols, Seeds: seedList, Target: *target / 100, Jobs: *jobs, Params: params}
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar := progressbar.NewOptions(len(in.Workloads)*len(pols)*len(seedList),
			progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("bench frag"),
			progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
		m.Progress = func(done, total int) { _ = bar.Set(done) }
		defer bar.Finish()
	}
	res, err := m.Run()
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if *format == "tsv" {
		err = frag.WriteTSV(&b, res, pcts)
	} else {
		err = frag.WriteTable(&b, res, pcts)
		fmt.Fprintf(&b, "%d runs (%d workloads × %d policies × %d seeds) in %.1f s\n",
			len(in.Workloads)*len(pols)*len(seedList), len(in.Workloads), len(pols), len(seedList), time.Since(start).Seconds())
	}
	if err != nil {
		return err
	}
	if *curves != "" {
		var cb bytes.Buffer
		if err := frag.WriteCurves(&cb, res); err != nil {
			return err
		}
		if err := writeFileAtomic(*curves, cb.Bytes()); err != nil {
			return err
		}
	}
	if *out == "" {
		_, err = stdout.Write(b.Bytes())
		return err
	}
	return writeFileAtomic(*out, b.Bytes())
}

// writeFileAtomic writes to a temp file next to path and renames it.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		os.Remove(f.Name())
		return err
	}
	return nil
}

// parseSeeds reads "42-51", "1,3,5-7".
func parseSeeds(s string) ([]uint64, error) {
	var out []uint64
	seen := map[uint64]bool{} // a seed twice would count one run twice in the means
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.ParseUint(lo, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q: want a seed or a range like 42-51", part)
		}
		b := a
		if isRange {
			if b, err = strconv.ParseUint(hi, 10, 64); err != nil || b < a {
				return nil, fmt.Errorf("%q: want a range like 42-51", part)
			}
		}
		if b-a > 100000 {
			return nil, fmt.Errorf("%q: too many seeds", part)
		}
		for k := uint64(0); k <= b-a; k++ { // counts, so a range ending at 2^64-1 terminates
			if seen[a+k] {
				return nil, fmt.Errorf("%q: seed %d given twice", part, a+k)
			}
			seen[a+k] = true
			out = append(out, a+k)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no seeds")
	}
	return out, nil
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		v, err := strconv.Atoi(part)
		if err != nil || v < 0 {
			return nil, fmt.Errorf("%q: want a percentage ≥ 0", part)
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty")
	}
	return out, nil
}
