package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/traces"
)

func init() {
	register(&command{name: "trace", summary: "convert, inspect and sample cluster traces", run: runTrace})
}

const traceUsage = `Usage: allocsim trace <convert|info|sample> [flags] ARGS

  convert --format F IN -o OUT      read a trace, write canonical Parquet (OUT/machines.parquet, OUT/tasks.parquet)
  info [--format F] IN [--json]     machines at time 0, event counts, tasks, jobs, span, totals, request quantiles
  sample [--format F] IN -o OUT     keep a window and a seeded share of jobs, as canonical Parquet

Formats: %s (default: detected from IN).
`

func runTrace(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintf(stderr, traceUsage, joinFormats())
		if len(args) == 0 {
			return errUsage
		}
		return flag.ErrHelp
	}
	switch args[0] {
	case "convert":
		return runTraceConvert(args[1:], stdout, stderr)
	case "info":
		return runTraceInfo(args[1:], stdout, stderr)
	case "sample":
		return runTraceSample(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "allocsim trace: unknown subcommand %q\n\n"+traceUsage, args[0], joinFormats())
	return errUsage
}

func joinFormats() string {
	s := ""
	for i, f := range traces.Formats() {
		if i > 0 {
			s += ", "
		}
		s += f
	}
	return s
}

// readerFlags are the flags every trace subcommand shares.
type readerFlags struct {
	format    string
	shape     string
	lookahead time.Duration
	maxParts  int
	skipBad   bool
	openbNode string
	exact     bool
}

func (r *readerFlags) add(fs *flag.FlagSet) {
	fs.StringVar(&r.format, "format", "", "trace format ("+joinFormats()+"); empty = detect")
	fs.StringVar(&r.shape, "shape", "", "absolute size of a normalised 1.0, e.g. cpu=32,mem=128GiB,disk=1TiB (default "+traces.DefaultShape.String()+"; Alibaba 2018 memory 100 = 512GiB)")
	fs.DurationVar(&r.lookahead, "lookahead", time.Duration(traces.DefaultLookahead)*time.Microsecond, "Google traces: wait this long for a task's end before emitting it as still running")
	fs.IntVar(&r.maxParts, "max-parts", 0, "Google traces: read only the first N parts of each table (0 = all)")
	fs.BoolVar(&r.skipBad, "skip-bad", false, "count and skip malformed rows instead of failing")
	fs.BoolVar(&r.exact, "exact", false, "Google traces: read twice so that runs longer than --lookahead keep their true run time (bounded memory; spills to $TMPDIR)")
	fs.StringVar(&r.openbNode, "openb-nodes", "", "openb: node list (default openb_node_list_gpu_node.csv beside the pod list)")
}

func (r *readerFlags) open(path string) (traces.Reader, string, error) {
	sh := traces.Shape{}
	if r.shape != "" {
		var err error
		if sh, err = traces.ParseShape(r.shape); err != nil {
			return nil, "", err
		}
	}
	format := r.format
	var err error
	if format == "" {
		format, err = traces.DetectFormat(path)
	} else {
		format, err = traces.NormalizeFormat(format)
	}
	if err != nil {
		return nil, "", err
	}
	rd, err := traces.Open(format, path, traces.OpenOptions{
		Options:    traces.Options{Shape: sh, Lookahead: allocator.Time(r.lookahead / time.Microsecond), SkipBadRows: r.skipBad},
		MaxParts:   r.maxParts,
		OpenbNodes: r.openbNode,
		Exact:      r.exact,
	})
	return rd, format, err
}

func (r *readerFlags) meta(format, path string) map[string]string {
	sh := traces.DefaultShape
	if r.shape != "" {
		sh, _ = traces.ParseShape(r.shape)
	}
	return map[string]string{traces.MetaFormat: format, traces.MetaShape: sh.String(), traces.MetaSource: path}
}

func runTraceConvert(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("trace convert", "trace convert [--format F] IN -o OUT", stderr)
	var rf readerFlags
	rf.add(fs)
	out := fs.String("o", "", "output directory for machines.parquet and tasks.parquet")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *out == "" {
		fs.Usage()
		return errUsage
	}
	return convert(&rf, pos[0], *out, nil, stdout)
}

func convert(rf *readerFlags, in, out string, sample *traces.SampleOptions, stdout io.Writer) error {
	start := time.Now() // --exact reads the input once inside open
	r, format, err := rf.open(in)
	if err != nil {
		return err
	}
	defer r.Close()
	src := r
	if sample != nil {
		src = traces.Sample(r, *sample)
	}
	sum, err := traces.WriteCanonical(out, src, rf.meta(format, in))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %d machine events, %d tasks (%s, %.1fs)\n", out, sum.Machines, sum.Tasks, format, time.Since(start).Seconds())
	src.Stats().Write(stdout)
	return nil
}

func runTraceInfo(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("trace info", "trace info [--format F] IN [--json]", stderr)
	var rf readerFlags
	rf.add(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	r, format, err := rf.open(pos[0])
	if err != nil {
		return err
	}
	defer r.Close()
	in, err := traces.Summarize(r)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Format string `json:"format"`
			Path   string `json:"path"`
			*traces.Info
		}{format, pos[0], in})
	}
	fmt.Fprintf(stdout, "trace                %s (%s)\n", pos[0], format)
	in.WriteText(stdout)
	return nil
}

func runTraceSample(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("trace sample", "trace sample [--format F] IN -o OUT [--start D] [--end D] [--every N] [--seed S]", stderr)
	var rf readerFlags
	rf.add(fs)
	out := fs.String("o", "", "output directory (canonical Parquet)")
	start := fs.Duration("start", 0, "window start (trace time, e.g. 1h)")
	end := fs.Duration("end", 0, "window end (trace time; 0 = to the end)")
	every := fs.Int("every", 1, "keep about one job in N (seeded hash of the job id)")
	seed := fs.Uint64("seed", 1, "sampling seed")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *out == "" || *every < 1 || (*end != 0 && *end <= *start) {
		fs.Usage()
		return errUsage
	}
	return convert(&rf, pos[0], *out, &traces.SampleOptions{
		Start: allocator.Time(*start / time.Microsecond), End: allocator.Time(*end / time.Microsecond), Every: *every, Seed: *seed}, stdout)
}
