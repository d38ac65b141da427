package workloads

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/allocator"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// TestDefaultWorkloadGolden pins the default scenario's whole synthetic
// workload (per-framework totals and the first tasks): any change to the
// generator or to default.yaml shows up here, to be reviewed in the diff
// and accepted with `go test ./workloads -run Golden -update`.
func TestDefaultWorkloadGolden(t *testing.T) {
	s := Default()
	c, err := s.BuildCluster()
	require.NoError(t, err)
	g, err := NewSynthetic(s, c, s.Seed)
	require.NoError(t, err)
	type totals struct {
		jobs, tasks, services, gpuTasks int64
		res                             allocator.Resources
		batchDur                        allocator.Time
		last                            allocator.Time
	}
	per := make([]totals, len(s.Frameworks))
	var b strings.Builder
	fmt.Fprintf(&b, "# first tasks: job index framework submit_us duration_us cpu_milli mem_mib disk_mib gpu_milli models prio class\n")
	n := 0
	for {
		in, err := g.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		tk := in.Task
		if n < 30 {
			fmt.Fprintf(&b, "%d %d %s %d %d %d %d %d %d %b %d %d\n", tk.Job, tk.Index, s.Frameworks[tk.Framework].Name,
				tk.Submit, tk.Duration, tk.Req.Res[0], tk.Req.Res[1], tk.Req.Res[2], tk.Req.Res[3], tk.Req.GPUModels, tk.Priority, tk.Class)
		}
		n++
		p := &per[tk.Framework]
		if tk.Index == 0 {
			p.jobs++
		}
		p.tasks++
		p.res = p.res.Add(tk.Req.Res)
		if tk.Duration == allocator.Never {
			p.services++
		} else {
			p.batchDur += tk.Duration
		}
		if tk.Req.Res[allocator.GPU] > 0 {
			p.gpuTasks++
		}
		p.last = tk.Submit
	}
	fmt.Fprintf(&b, "# totals: framework jobs tasks services gpu_tasks cpu_milli mem_mib disk_mib gpu_milli batch_duration_us last_submit_us\n")
	for i, p := range per {
		fmt.Fprintf(&b, "%s %d %d %d %d %d %d %d %d %d %d\n", s.Frameworks[i].Name, p.jobs, p.tasks, p.services, p.gpuTasks,
			p.res[0], p.res[1], p.res[2], p.res[3], p.batchDur, p.last)
	}
	fmt.Fprintf(&b, "# all: %d tasks\n", n)
	path := filepath.Join("testdata", "default_workload.golden")
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run with -update to create it")
	assert.Equal(t, string(want), b.String())
}
