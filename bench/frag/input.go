package frag

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/allocsim/allocsim/allocator"
	allocfrag "github.com/allocsim/allocsim/allocator/frag"
	"github.com/allocsim/allocsim/traces"
)

// Workload is one pod list: its requests in file order and its typical shapes.
type Workload struct {
	Name    string // file base name without extension
	Pods    []allocator.Request
	Typical []allocator.TaskShape
}

// Input is a cluster and the workloads to run on it. The cluster is a
// template: each run works on a clone.
type Input struct {
	Cluster   *allocator.Cluster
	Workloads []Workload
}

// Load reads an openb node list and pod lists. GPU models named by pods but
// absent from the cluster are interned too (such pods fit nowhere).
func Load(nodesPath string, podPaths []string) (*Input, error) {
	nodes, err := traces.ReadOpenbNodes(nodesPath)
	if err != nil {
		return nil, err
	}
	c := allocator.NewCluster()
	for _, n := range nodes {
		if _, err := c.AddAgent(n.AgentSpec()); err != nil {
			return nil, fmt.Errorf("%s: %w", nodesPath, err)
		}
	}
	if c.Total()[allocator.GPU] == 0 {
		return nil, fmt.Errorf("%s: the cluster has no GPU", nodesPath)
	}
	in := &Input{Cluster: c}
	for _, path := range podPaths {
		pods, err := traces.ReadOpenbPods(path)
		if err != nil {
			return nil, err
		}
		w := Workload{Name: WorkloadName(path), Pods: make([]allocator.Request, 0, len(pods))}
		for _, p := range pods {
			r, err := p.Request(c)
			if err != nil {
				return nil, fmt.Errorf("%s: data row %d: %w", path, p.Row+1, err)
			}
			w.Pods = append(w.Pods, r)
		}
		if len(w.Pods) == 0 {
			return nil, fmt.Errorf("%s: no pods", path)
		}
		if gpuDemand(w.Pods) == 0 {
			return nil, fmt.Errorf("%s: no pod asks for a GPU, the workload cannot be inflated to a GPU target", path)
		}
		w.Typical = allocfrag.TypicalShapes(w.Pods, allocfrag.DefaultCoverage)
		in.Workloads = append(in.Workloads, w)
	}
	return in, nil
}

// WorkloadName is a pods file's base name without its extension.
func WorkloadName(path string) string {
	b := filepath.Base(path)
	return strings.TrimSuffix(b, filepath.Ext(b))
}

func gpuDemand(reqs []allocator.Request) int64 {
	var s int64
	for _, r := range reqs {
		s += r.Res[allocator.GPU]
	}
	return s
}
