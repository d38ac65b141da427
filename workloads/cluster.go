package workloads

import (
	"fmt"

	"github.com/allocsim/allocsim/allocator"
)

// BuildCluster creates the scenario's initial cluster. Agents are numbered
// class by class in file order (so AgentID ranges identify classes, see
// ClassOf); each class's nodes fill its racks in contiguous blocks and racks
// are spread round-robin over zones named zone-0, zone-1, … shared by all
// classes.
func (s *Scenario) BuildCluster() (*allocator.Cluster, error) {
	c := allocator.NewCluster()
	for ci, nc := range s.Cluster.NodeClasses {
		capy := nc.Capacity()
		for i := range nc.Count {
			rack := i * nc.Racks / nc.Count
			spec := allocator.AgentSpec{
				Name:     fmt.Sprintf("%s-%d", nc.Name, i),
				Capacity: capy,
				GPUModel: nc.GPUModel,
				Rack:     fmt.Sprintf("%s-rack-%d", nc.Name, rack),
				Zone:     fmt.Sprintf("zone-%d", rack%nc.Zones),
			}
			if _, err := c.AddAgent(spec); err != nil {
				return nil, s.errAt(sprintf("cluster.node_classes[%d]", ci), "%v", err)
			}
		}
	}
	return c, nil
}

// ClassOf returns the index of the node class of an agent built by
// BuildCluster, or -1 for an agent added later (by a trace, say).
func (s *Scenario) ClassOf(a allocator.AgentID) int {
	n := int(a)
	for i, nc := range s.Cluster.NodeClasses {
		if n < nc.Count {
			return i
		}
		n -= nc.Count
	}
	return -1
}

// NumNodes is the number of nodes the node classes describe.
func (s *Scenario) NumNodes() int {
	n := 0
	for _, nc := range s.Cluster.NodeClasses {
		n += min(nc.Count, maxNodesTotal+1) // saturate: no overflow on absurd counts
	}
	return n
}
