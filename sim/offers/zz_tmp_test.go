package offers

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/runner"
	"github.com/allocsim/allocsim/workloads"
)

func TestTmpShort(t *testing.T) {
	name := os.Getenv("TMPEX")
	if name == "" {
		t.Skip()
	}
	s, err := workloads.Load(filepath.Join("..", "..", "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	s.Horizon = workloads.Duration(15 * allocator.Minute)
	r, err := runner.Run(s, runner.Options{NoMetrics: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v wall %v", r.Stats, r.Wall)
}
