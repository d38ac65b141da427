package executor

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"github.com/allocsim/allocsim/realrun/agentapi"
)

const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// taskEnv is the task's environment: a fixed base (no agent variables leak
// in), the Mesos-style sandbox variable, then the task's own entries.
func taskEnv(t *Task, sandbox string) []string {
	env := []string{"PATH=" + defaultPath, "HOME=" + sandbox, "MESOS_SANDBOX=" + sandbox,
		"ALLOCSIM_TASK_ID=" + t.TaskID, "ALLOCSIM_FRAMEWORK_ID=" + t.FrameworkID}
	return append(env, t.Workload.Env...)
}

// cpuThreads is how many busy threads a CPU load of cpuMilli runs.
func cpuThreads(cpuMilli int64) int { return int(max((cpuMilli+999)/1000, 1)) }

// memoryLoadMiB is how much a memory load touches: its own size, else the task's memory.
func memoryLoadMiB(t *Task) int64 {
	if t.Workload.MemoryMiB > 0 {
		return t.Workload.MemoryMiB
	}
	return t.Limits.MemBytes >> 20
}

// runWorkload is the helper the cgroup shim starts: it waits until it is in
// its cgroup (a byte on fd 3), drops to nobody, then runs the load or execs
// the task's command.
func runWorkload(dir string) int {
	goAhead := os.NewFile(3, "go-ahead")
	var b [1]byte
	if n, _ := goAhead.Read(b[:]); n != 1 {
		fmt.Fprintln(os.Stderr, "allocsim workload: not placed in a cgroup; not starting")
		return 125
	}
	goAhead.Close()
	var t Task
	if err := readJSON(filepath.Join(dir, fileTask), &t); err != nil {
		fmt.Fprintln(os.Stderr, "allocsim workload:", err)
		return 125
	}
	if err := dropPrivileges(); err != nil {
		fmt.Fprintln(os.Stderr, "allocsim workload: dropping privileges:", err)
		return 125
	}
	d := time.Duration(t.Workload.DurationMs) * time.Millisecond
	switch t.Workload.Kind {
	case agentapi.WorkloadSleep:
		time.Sleep(d)
	case agentapi.WorkloadCPU:
		n := cpuThreads(t.Limits.CPUMilli)
		runtime.GOMAXPROCS(n + 1)
		stop := time.Now().Add(d)
		done := make(chan struct{})
		for i := 0; i < n; i++ {
			go func() {
				x := uint64(i)
				for time.Now().Before(stop) {
					for j := 0; j < 100000; j++ {
						x = x*6364136223846793005 + 1442695040888963407
					}
				}
				if x == 42 { // keep the loop from being optimised away
					fmt.Fprint(os.Stderr, "")
				}
				done <- struct{}{}
			}()
		}
		for i := 0; i < n; i++ {
			<-done
		}
	case agentapi.WorkloadMemory:
		mib := memoryLoadMiB(&t)
		chunks := make([][]byte, 0, mib)
		for i := int64(0); i < mib; i++ {
			c := make([]byte, 1<<20)
			for j := 0; j < len(c); j += 4096 {
				c[j] = 1 // touch every page so it is really resident
			}
			chunks = append(chunks, c)
		}
		time.Sleep(d)
		runtime.KeepAlive(chunks)
	case agentapi.WorkloadCommand:
		argv := t.Workload.Argv
		path, err := exec.LookPath(argv[0])
		if err != nil {
			fmt.Fprintln(os.Stderr, "allocsim workload:", err)
			return 127
		}
		err = syscall.Exec(path, argv, os.Environ())
		fmt.Fprintln(os.Stderr, "allocsim workload: exec:", err)
		return 126
	default:
		fmt.Fprintf(os.Stderr, "allocsim workload: unknown kind %q\n", t.Workload.Kind)
		return 125
	}
	return 0
}

// dropPrivileges switches every thread to nobody:nogroup with no supplementary groups.
func dropPrivileges() error {
	if err := syscall.Setgroups(nil); err != nil {
		return err
	}
	if err := syscall.Setgid(sandboxOwner); err != nil {
		return err
	}
	return syscall.Setuid(sandboxOwner)
}

// containerArgs is the process a runc task runs, with busybox as its only
// tool: sleep, a shell busy loop per CPU, or busybox awk holding memory.
func containerArgs(t *Task) []string {
	secs := strconv.FormatFloat(float64(t.Workload.DurationMs)/1000, 'f', 3, 64)
	switch t.Workload.Kind {
	case agentapi.WorkloadSleep:
		return []string{"/bin/sleep", secs}
	case agentapi.WorkloadCPU:
		n := cpuThreads(t.Limits.CPUMilli)
		script := fmt.Sprintf(`i=0; while [ $i -lt %d ]; do (while :; do :; done) & i=$((i+1)); done; sleep %s; kill $(jobs -p) 2>/dev/null; exit 0`, n, secs)
		return []string{"/bin/sh", "-c", script}
	case agentapi.WorkloadMemory:
		// Distinct 1 MiB strings (an awk array holds copies), then idle.
		prog := fmt.Sprintf(`BEGIN { s = "x"; while (length(s) < 1048576) s = s s; s = substr(s, 1, 1048000);
for (i = 0; i < %d; i++) a[i] = s i; system("sleep %s"); exit 0 }`, memoryLoadMiB(t), secs)
		return []string{"/bin/awk", prog}
	default:
		return t.Workload.Argv
	}
}
