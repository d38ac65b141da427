package replay

import (
	"context"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/allocsim/allocsim/allocator"
)

// LocalAgents runs one `allocsim agent` child process per node on this
// machine (root is needed for the cgroup and runc executors). Each agent
// advertises the node's capacity, not the machine's.
type LocalAgents struct {
	Binary  string // the allocsim binary
	WorkDir string // "" = a temporary directory, removed afterwards
	Log     *log.Logger
}

// agentArgs is the `allocsim agent` command line for one node.
func agentArgs(sp AgentSpec, url, tokenFile, workDir string) []string {
	c := sp.Capacity
	return []string{"agent",
		"--master", url, "--token-file", tokenFile, "--work-dir", workDir,
		"--hostname", sp.Name,
		"--executors", "cgroup,runc",
		"--cpus", strconv.FormatFloat(float64(c[allocator.CPU])/1000, 'f', -1, 64),
		"--mem", strconv.FormatInt(c[allocator.Mem], 10),
		"--disk", strconv.FormatInt(c[allocator.Disk], 10),
	}
}

// Start implements AgentLauncher.
func (l *LocalAgents) Start(ctx context.Context, url, token string, specs []AgentSpec) (func(), error) {
	dir := l.WorkDir
	cleanup := func() {}
	if dir == "" {
		d, err := os.MkdirTemp("", "allocsim-realrun-")
		if err != nil {
			return nil, err
		}
		dir, cleanup = d, func() { os.RemoveAll(d) }
	}
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
		cleanup()
		return nil, err
	}
	var mu sync.Mutex
	var cmds []*exec.Cmd
	var waits []chan struct{}
	stop := func() {
		mu.Lock()
		defer mu.Unlock()
		// SIGTERM lets each agent stop its tasks; SIGKILL after a grace period.
		for _, c := range cmds {
			_ = c.Process.Signal(syscall.SIGTERM)
		}
		for i, w := range waits {
			select {
			case <-w:
			case <-time.After(15 * time.Second):
				_ = cmds[i].Process.Kill()
				<-w
			}
		}
		cleanup()
	}
	for _, sp := range specs {
		wd := filepath.Join(dir, sp.Name)
		if err := os.MkdirAll(wd, 0o700); err != nil {
			stop()
			return nil, err
		}
		cmd := exec.Command(l.Binary, agentArgs(sp, url, tokenFile, wd)...)
		logf, err := os.Create(filepath.Join(dir, sp.Name+".log"))
		if err != nil {
			stop()
			return nil, err
		}
		cmd.Stdout, cmd.Stderr = logf, logf
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := cmd.Start(); err != nil {
			logf.Close()
			stop()
			return nil, fmt.Errorf("agent %s: %w", sp.Name, err)
		}
		w := make(chan struct{})
		go func() { _ = cmd.Wait(); logf.Close(); close(w) }()
		mu.Lock()
		cmds, waits = append(cmds, cmd), append(waits, w)
		mu.Unlock()
		if l.Log != nil {
			l.Log.Printf("agent %s: pid %d, log %s", sp.Name, cmd.Process.Pid, logf.Name())
		}
	}
	return stop, nil
}
