package replay

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/realrun/agentapi"
	"github.com/allocsim/allocsim/realrun/master/emuagent"
)

// AgentSpec is one agent to start: a node of the scenario's cluster.
type AgentSpec struct {
	Name     string
	Capacity allocator.Resources
	GPUModel string
}

// AgentLauncher starts the agents of a replay and returns how to stop them.
type AgentLauncher interface {
	Start(ctx context.Context, masterURL, token string, agents []AgentSpec) (stop func(), err error)
}

// agentResources is the agent API form of a node's capacity (GPUs as
// numbered devices; ports 31000–32000 as Mesos agents offer by default).
func agentResources(sp AgentSpec) agentapi.Resources {
	r := agentapi.Resources{CPUMilli: sp.Capacity[allocator.CPU], MemMiB: sp.Capacity[allocator.Mem], DiskMiB: sp.Capacity[allocator.Disk],
		Ports: []agentapi.PortRange{{Begin: 31000, End: 32000}}}
	for i := range sp.Capacity[allocator.GPU] / 1000 {
		r.GPUs = append(r.GPUs, agentapi.GPU{ID: strconv.FormatInt(i, 10), Model: sp.GPUModel, Minor: int(i)})
	}
	return r
}

// EmulatedAgents runs lightweight in-process agents that run no processes
// (a task "runs" for its duration): for tests and for scenarios larger
// than the machine.
type EmulatedAgents struct{}

// Start implements AgentLauncher.
func (EmulatedAgents) Start(ctx context.Context, url, token string, specs []AgentSpec) (func(), error) {
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2*len(specs) + 4}}
	var agents []*emuagent.Agent
	stop := func() {
		for _, a := range agents {
			a.Stop()
		}
	}
	for _, sp := range specs {
		a, err := emuagent.Start(ctx, emuagent.Config{MasterURL: url, Token: token, Hostname: sp.Name,
			Resources: agentResources(sp), HTTP: hc})
		if err != nil {
			stop()
			return nil, fmt.Errorf("agent %s: %w", sp.Name, err)
		}
		agents = append(agents, a)
	}
	return stop, nil
}
