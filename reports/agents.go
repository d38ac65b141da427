package reports

import (
	"path/filepath"

	"github.com/allocsim/allocsim/allocator"
	"github.com/parquet-go/parquet-go"
)

// AgentRow is one row of agents.parquet: every agent of the cluster at the
// end of the run, keyed by the agent_id of tasks.parquet.
type AgentRow struct {
	AgentID  int32  `parquet:"agent_id"`
	Name     string `parquet:"name"`
	Rack     string `parquet:"rack,dict"`
	Zone     string `parquet:"zone,dict"`
	GPUModel string `parquet:"gpu_model,dict"`
	CPUMilli int64  `parquet:"cpu_milli"`
	MemMiB   int64  `parquet:"mem_mib"`
	DiskMiB  int64  `parquet:"disk_mib"`
	GPUMilli int64  `parquet:"gpu_milli"`
	Up       bool   `parquet:"up"` // up when the run stopped
}

// writeAgents writes agents.parquet from the cluster.
func writeAgents(dir string, cl *allocator.Cluster) error {
	out, err := createAtomic(dir, AgentsFile)
	if err != nil {
		return err
	}
	w := parquet.NewGenericWriter[AgentRow](out, writerOptions()...)
	rows := make([]AgentRow, 0, 1024)
	flush := func() error {
		_, err := w.Write(rows)
		rows = rows[:0]
		return err
	}
	name := func(names []string, i int32) string {
		if i >= 0 && int(i) < len(names) {
			return names[i]
		}
		return ""
	}
	for i := range cl.NumAgents() {
		a := cl.Agent(allocator.AgentID(i))
		r := AgentRow{AgentID: int32(i), Name: a.Name, Rack: name(cl.Racks, a.Rack), Zone: name(cl.Zones, a.Zone),
			CPUMilli: a.Capacity[allocator.CPU], MemMiB: a.Capacity[allocator.Mem], DiskMiB: a.Capacity[allocator.Disk],
			GPUMilli: a.Capacity[allocator.GPU], Up: a.Up}
		if a.NumGPUs > 0 && int(a.GPUModel) < len(cl.Models) {
			r.GPUModel = cl.Models[a.GPUModel]
		}
		rows = append(rows, r)
		if len(rows) == cap(rows) {
			if err := flush(); err != nil {
				out.Abort()
				return err
			}
		}
	}
	if err := flush(); err == nil {
		err = w.Close()
	}
	if err != nil {
		out.Abort()
		return err
	}
	return out.Commit()
}

// ReadAgents reads dir/agents.parquet.
func ReadAgents(dir string) ([]AgentRow, error) {
	return parquet.ReadFile[AgentRow](filepath.Join(dir, AgentsFile))
}
