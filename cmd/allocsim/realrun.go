package main

import (
	"context"
	"fmt"
	"github.com/allocsim/allocsim/allocator"
	"io"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/allocsim/allocsim/realrun/executor"
	"github.com/allocsim/allocsim/realrun/replay"
	"github.com/allocsim/allocsim/reports/html"
	"github.com/allocsim/allocsim/workloads"
)

func init() {
	// Local agents re-execute this binary as task shims: become one if asked.
	executor.RunShimIfRequested()
	register(&command{name: "realrun", summary: "replay a scenario on a real master and local agents", run: runRealrun})
}

// executorFlags collects repeated --executor framework=executor flags.
type executorFlags map[string]string

func (e executorFlags) String() string { return fmt.Sprint(map[string]string(e)) }

func (e executorFlags) Set(v string) error {
	fw, ex, ok := strings.Cut(v, "=")
	if !ok || fw == "" || ex == "" {
		return fmt.Errorf("want framework=cgroup|runc, got %q", v)
	}
	e[fw] = ex
	return nil
}

func runRealrun(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("realrun", "realrun [flags] scenario.yaml\n\n"+
		"Starts a master (the scenario's allocator, wall-clock time) and one local agent per node of\n"+
		"the scenario's cluster, replays the workload time-scaled through built-in Mesos-API frameworks\n"+
		"(each task runs a real process for its scaled duration) and writes the same run folder as\n"+
		"`allocsim run`, in scenario time.", stderr)
	out := fs.String("out", "", "output folder (default: the scenario's outputs.dir + \"-realrun\")")
	scale := fs.Float64("time-scale", 0, "scenario seconds per wall-clock second (default: the scenario's realrun.time_scale, else 1)")
	workload := fs.String("workload", "", "what each task runs: sleep, cpu or memory (default: the scenario's, else sleep)")
	executors := executorFlags{}
	fs.Var(executors, "executor", "framework=cgroup|runc (repeatable; default: the scenario's realrun.executors)")
	agents := fs.String("agents", "local", "local (real agents in this process, one per node: cgroup and runc executors, needs root) or emulated (no processes)")
	workDir := fs.String("work-dir", "", "agents' work directory (default: a temporary one, removed afterwards)")
	timeout := fs.Duration("timeout", 0, "give up after this long (default: 10× the scaled workload span + 2 min)")
	noReport := fs.Bool("no-report", false, "do not write report.html and figures")
	verbose := fs.Bool("v", false, "log master and agent activity")
	var pos []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(pos) != 1 {
		fmt.Fprintln(stderr, "allocsim realrun: exactly one scenario file is needed")
		fs.Usage()
		return errUsage
	}
	s, err := workloads.Load(pos[0])
	if err != nil {
		return err
	}
	opts := scenarioRealrun(s)
	opts.Version, opts.Timeout = version, *timeout
	if *scale > 0 {
		opts.TimeScale = *scale
	}
	if *workload != "" {
		opts.Workload = *workload
	}
	for fw, ex := range executors {
		if opts.Executors == nil {
			opts.Executors = map[string]string{}
		}
		opts.Executors[fw] = ex
	}
	opts.Out = *out
	if opts.Out == "" {
		dir := s.Outputs.Dir
		if dir == "" {
			dir = "out/" + s.Name
		}
		opts.Out = dir + "-realrun"
	}
	if *verbose {
		opts.Log = log.New(stderr, "realrun: ", log.LstdFlags|log.Lmicroseconds)
	}
	switch *agents {
	case "emulated":
		opts.Agents = replay.EmulatedAgents{}
	case "local":
		opts.Agents = &replay.LocalAgents{WorkDir: *workDir, Log: opts.Log}
	default:
		return fmt.Errorf("--agents: want local or emulated, got %q", *agents)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	res, err := replay.Run(ctx, s, opts)
	if err != nil {
		return err
	}
	if s.Outputs.Report && !*noReport {
		if err := html.Generate(res.Dir); err != nil {
			return fmt.Errorf("report: %w", err)
		}
	}
	fmt.Fprintf(stdout, "realrun %s: %d tasks, %d started, %d finished, %d failed, %d lost, %d unscheduled, %d running at the horizon in %v → %s\n",
		s.Name, res.Tasks, res.Started, res.Ended[allocator.OutcomeFinished], res.Ended[allocator.OutcomeFailed],
		res.Ended[allocator.OutcomeLost], res.Unscheduled, res.Running, time.Since(start).Round(time.Millisecond), res.Dir)
	return nil
}
