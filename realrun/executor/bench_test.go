package executor

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"testing"

	"github.com/allocsim/allocsim/realrun/agentapi"
)

// benchmarkLaunch measures a whole task life: prepare, start the shim,
// create the cgroup or container, run /bin/true, record the exit, clean up.
func benchmarkLaunch(b *testing.B, kind string) {
	if os.Geteuid() != 0 {
		b.Skip("needs root")
	}
	if kind == KindRunc {
		if _, err := exec.LookPath("runc"); err != nil {
			b.Skip("runc not installed")
		}
	}
	dir := b.TempDir()
	_ = os.Chmod(dir, 0o755)
	r, err := New(Config{WorkDir: dir, CgroupParent: testCgroupRoot + "/bench-" + kind})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	i := 0
	for b.Loop() {
		i++
		t, err := r.Prepare(launch("bench-"+strconv.Itoa(i), 100, 32,
			agentapi.Workload{Kind: agentapi.WorkloadCommand, Argv: []string{"/bin/true"}}), kind)
		if err != nil {
			b.Fatal(err)
		}
		p, err := r.Start(t)
		if err != nil {
			b.Fatal(err)
		}
		e, err := p.Wait(context.Background())
		if err != nil || e.ExitCode != 0 || e.Leftover != "" {
			b.Fatalf("exit %+v, %v", e, err)
		}
		_ = r.Remove(t)
	}
}

func BenchmarkLaunchCgroup(b *testing.B) { benchmarkLaunch(b, KindCgroup) }
func BenchmarkLaunchRunc(b *testing.B)   { benchmarkLaunch(b, KindRunc) }
