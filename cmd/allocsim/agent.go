package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/allocsim/allocsim/realrun/agent"
	"github.com/allocsim/allocsim/realrun/agentapi"
	"github.com/allocsim/allocsim/realrun/executor"
)

func init() {
	// The agent re-executes this binary as each task's shim and workload
	// helper; in that role it must do nothing else.
	executor.RunShimIfRequested()
	register(&command{name: "agent", summary: "run a realrun agent: launch tasks as cgroup processes or runc containers", run: runAgent})
}

func runAgent(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("agent", "agent --master URL --token-file FILE --work-dir DIR [flags]", stderr)
	master := fs.String("master", "", "master URL, e.g. http://127.0.0.1:5050 (required)")
	tokenFile := fs.String("token-file", "", "file holding the bearer token (required)")
	workDir := fs.String("work-dir", "", "agent work directory: task sandboxes, state for recovery (required)")
	hostname := fs.String("hostname", "", "hostname to advertise (default: this machine's)")
	executors := fs.String("executors", "cgroup", "executors this agent offers, comma-separated; the first is the default (cgroup, runc)")
	fs.StringVar(executors, "executor", "cgroup", "alias of --executors")
	resources := fs.String("resources", "", `Mesos-style resources, e.g. "cpus:4;mem:8192;disk:10240;ports:[31000-32000]" (default: detected)`)
	cpus := fs.String("cpus", "", "CPUs to offer (overrides --resources and detection), e.g. 2.5")
	mem := fs.Int64("mem", 0, "memory to offer in MiB (overrides)")
	disk := fs.Int64("disk", 0, "disk to offer in MiB (overrides)")
	ports := fs.String("ports", "", "port ranges to offer, e.g. 31000-32000 (overrides)")
	gpus := fs.String("gpus", "auto", `GPUs: "auto" (nvidia-smi when present), "none", or id:minor[:model],...`)
	attributes := fs.String("attributes", "", `attributes, e.g. "rack:r1;zone:z1"`)
	cleanup := fs.Bool("cleanup-on-exit", true, "on SIGTERM/SIGINT kill all tasks and report them; false leaves them running for the next agent on this work dir")
	pidsMax := fs.Int64("pids-max", 1024, "per-task pids limit")
	quiet := fs.Bool("quiet", false, "log only errors")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(stderr, "allocsim agent: unexpected arguments %q\n", fs.Args())
		return errUsage
	}
	if *master == "" || *tokenFile == "" || *workDir == "" {
		fmt.Fprintln(stderr, "allocsim agent: --master, --token-file and --work-dir are required")
		fs.Usage()
		return errUsage
	}
	token, err := agentapi.ReadTokenFile(*tokenFile)
	if err != nil {
		return err
	}
	cfg := agent.Config{MasterURL: *master, Token: token, WorkDir: *workDir, Hostname: *hostname,
		CleanupOnExit: *cleanup, Executor: executor.Config{PidsMax: *pidsMax}}
	for _, e := range strings.Split(*executors, ",") {
		if e = strings.TrimSpace(e); e != "" {
			cfg.Executors = append(cfg.Executors, e)
		}
	}
	if cfg.Resources, err = agentResources(*workDir, *resources, *cpus, *mem, *disk, *ports, *gpus); err != nil {
		return err
	}
	if cfg.Attributes, err = agent.ParseAttributes(*attributes); err != nil {
		return err
	}
	logw := io.Writer(stderr)
	if *quiet {
		logw = io.Discard
	}
	cfg.Log = log.New(logw, "allocsim agent: ", log.LstdFlags|log.LUTC)
	if err := os.MkdirAll(*workDir, 0o711); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	cfg.Log.Printf("cgroups %s; executors %v; resources cpu_milli=%d mem_mib=%d disk_mib=%d gpus=%d",
		executor.CgroupMode(), cfg.Executors, cfg.Resources.CPUMilli, cfg.Resources.MemMiB, cfg.Resources.DiskMiB, len(cfg.Resources.GPUs))
	return agent.Run(ctx, cfg)
}

// agentResources starts from detection (or --resources) and applies the
// explicit overrides.
func agentResources(workDir, spec, cpus string, mem, disk int64, ports, gpus string) (agentapi.Resources, error) {
	if err := os.MkdirAll(workDir, 0o711); err != nil {
		return agentapi.Resources{}, err
	}
	r, err := agent.DetectResources(workDir)
	if err != nil && gpus != "none" {
		return r, err
	}
	if spec != "" {
		if err := agent.ParseResources(spec, &r); err != nil {
			return r, err
		}
	}
	if cpus != "" {
		if r.CPUMilli, err = agent.ParseCPUs(cpus); err != nil {
			return r, err
		}
	}
	if mem > 0 {
		r.MemMiB = mem
	}
	if disk > 0 {
		r.DiskMiB = disk
	}
	if ports != "" {
		if r.Ports, err = agent.ParsePorts(ports); err != nil {
			return r, err
		}
	}
	switch gpus {
	case "auto":
	case "none", "":
		r.GPUs = nil
	default:
		if r.GPUs, err = agent.ParseGPUs(gpus); err != nil {
			return r, err
		}
	}
	return r, r.Validate()
}
