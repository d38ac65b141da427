package frag

import (
	"math"

	"github.com/allocsim/allocsim/allocator"
)

// WeightScale turns a typical shape's frequency into an integer weight, so that
// fragment sums are exact integers (weight × milli-GPU) whatever the order.
const WeightScale = 1 << 30

// Model is a compiled typical task mix: it computes a node's fragment.
type Model struct {
	cpuOnly    int64      // summed weight of shapes without GPU: they can use no idle GPU
	shapes     []gpuShape // shapes with a GPU request
	thresholds []int32    // distinct per-device milli of shared-GPU shapes, ascending
	totalW     int64
}

type gpuShape struct {
	w      int64
	cpu    int64
	mem    int64
	models allocator.ModelSet
	milli  int32 // per device
	n      int32 // devices
	thr    int32 // index into thresholds for shares, -1 for whole GPUs
}

// NewModel compiles typical shapes (frequencies need not sum to 1).
func NewModel(shapes []allocator.TaskShape) *Model {
	m := &Model{}
	for _, s := range shapes {
		w := int64(math.Round(s.Freq * WeightScale))
		if w <= 0 {
			continue
		}
		m.totalW += w
		milli, n := perDevice(s.Req)
		if n == 0 {
			m.cpuOnly += w
			continue
		}
		m.shapes = append(m.shapes, gpuShape{w: w, cpu: s.Req.Res[allocator.CPU], mem: s.Req.Res[allocator.Mem],
			models: s.Req.GPUModels, milli: int32(milli), n: int32(n), thr: -1})
	}
	for i := range m.shapes {
		s := &m.shapes[i]
		if s.milli >= 1000 {
			continue
		}
		j := 0
		for j < len(m.thresholds) && m.thresholds[j] < s.milli {
			j++
		}
		if j == len(m.thresholds) || m.thresholds[j] != s.milli {
			m.thresholds = append(m.thresholds, 0)
			copy(m.thresholds[j+1:], m.thresholds[j:])
			m.thresholds[j] = s.milli
		}
	}
	for i := range m.shapes {
		s := &m.shapes[i]
		if s.milli < 1000 {
			for j, t := range m.thresholds {
				if t == s.milli {
					s.thr = int32(j)
				}
			}
		}
	}
	return m
}

// TotalWeight is the summed integer weight of the shapes (WeightScale when
// the frequencies sum to 1).
func (m *Model) TotalWeight() int64 { return m.totalW }

// NumThresholds is the number of distinct shared-GPU sizes (scratch length for Frag).
func (m *Model) NumThresholds() int { return len(m.thresholds) }

// Node is the part of an agent's state that fragmentation depends on.
type Node struct {
	Model    allocator.ModelID
	CPU, Mem int64   // free milli-CPU and MiB
	GPUFree  []int32 // free milli per device
}

// Frag returns the node's fragment Σ weight × (idle milli-GPU the shape cannot
// use); divided by TotalWeight it is in milli-GPU. A shape cannot use any idle
// GPU of a node where it does not fit at all (CPU, memory, model, or not
// enough GPU) and, where it fits, the devices with less free milli than it
// asks per device. below is scratch of length NumThresholds (no allocation in
// the hot loop).
func (m *Model) Frag(n Node, below []int64) int64 {
	var idle, full int64
	var maxFree int32
	for _, f := range n.GPUFree {
		idle += int64(f)
		if f == 1000 {
			full++
		}
		maxFree = max(maxFree, f)
	}
	if idle == 0 {
		return 0
	}
	for i, t := range m.thresholds {
		var s int64
		for _, f := range n.GPUFree {
			if f < t {
				s += int64(f)
			}
		}
		below[i] = s
	}
	res := m.cpuOnly * idle
	for i := range m.shapes {
		s := &m.shapes[i]
		lost := idle
		if s.models.Allows(n.Model) && n.CPU >= s.cpu && n.Mem >= s.mem {
			if s.thr >= 0 {
				if maxFree >= s.milli {
					lost = below[s.thr]
				}
			} else if full >= int64(s.n) {
				lost = idle - 1000*full
			}
		}
		res += s.w * lost
	}
	return res
}

// NodeOf reads an agent's state; a down agent has no usable GPU.
func NodeOf(c *allocator.Cluster, id allocator.AgentID) Node {
	a := c.Agent(id)
	if !a.Up {
		return Node{}
	}
	return Node{Model: a.GPUModel, CPU: a.Free[allocator.CPU], Mem: a.Free[allocator.Mem], GPUFree: c.GPUFree(id)}
}
