package replay

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"github.com/allocsim/allocsim/realrun/agent"
	"github.com/allocsim/allocsim/realrun/executor"
)

// LocalAgents runs real agents (realrun/agent) inside this process, one per
// node, each with its own work directory: tasks run as processes in their
// own cgroups or as runc containers, supervised by shims this binary
// re-executes (its main must call executor.RunShimIfRequested first).
// Each agent advertises its node's capacity, not the machine's. Root is
// needed for cgroups and runc.
type LocalAgents struct {
	WorkDir string // "" = a temporary directory, removed afterwards
	Log     *log.Logger
}

// LocalExecutors lists the executors this machine can offer: cgroup when
// cgroups are usable as root, runc when runc and a static busybox exist.
func LocalExecutors() ([]string, error) {
	if os.Geteuid() != 0 {
		return nil, errors.New("local agents run tasks in cgroups and runc containers: run as root (or use --agents emulated)")
	}
	if executor.CgroupMode() == "unavailable" {
		return nil, errors.New("no cgroup filesystem at /sys/fs/cgroup (or use --agents emulated)")
	}
	execs := []string{executor.KindCgroup}
	if _, err := exec.LookPath("runc"); err == nil {
		if _, err := executor.FindBusybox(); err == nil {
			execs = append(execs, executor.KindRunc)
		}
	}
	return execs, nil
}

// Start implements AgentLauncher.
func (l *LocalAgents) Start(ctx context.Context, url, token string, specs []AgentSpec) (func(), error) {
	execs, err := LocalExecutors()
	if err != nil {
		return nil, err
	}
	dir := l.WorkDir
	cleanup := func() {}
	if dir == "" {
		d, err := os.MkdirTemp("", "allocsim-realrun-")
		if err != nil {
			return nil, err
		}
		dir, cleanup = d, func() { os.RemoveAll(d) }
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		cleanup()
		return nil, err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		cleanup()
		return nil, err
	}
	actx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	logger := l.Log
	if logger == nil {
		logger = log.New(discard{}, "", 0)
	}
	stop := func() {
		cancel() // each agent kills its tasks and waits for them (CleanupOnExit)
		wg.Wait()
		// Normally a no-op: shims clean up after their tasks. Whatever an
		// agent could not stop (a stuck shim, a container runc kept) goes now.
		for _, f := range executor.Reap(dir) {
			logger.Printf("removed leftover after the agents stopped: %s", f)
		}
		cleanup()
	}
	for _, sp := range specs {
		wd := filepath.Join(dir, sp.Name)
		if err := os.MkdirAll(wd, 0o755); err != nil {
			stop()
			return nil, err
		}
		a, err := agent.New(agent.Config{
			MasterURL: url, Token: token, WorkDir: wd, Hostname: sp.Name, Executors: execs,
			Resources: agentResources(sp), CleanupOnExit: true, PollWait: 5 * time.Second,
			StatusRetry: 500 * time.Millisecond, Log: log.New(logger.Writer(), "agent "+sp.Name+": ", logger.Flags()),
		})
		if err != nil {
			stop()
			return nil, fmt.Errorf("agent %s: %w", sp.Name, err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := a.Run(actx); err != nil && actx.Err() == nil {
				logger.Printf("agent %s stopped: %v", sp.Name, err)
			}
		}()
	}
	return stop, nil
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
