package sim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/allocator"
)

// groupRecorder notes each started attempt's group and the cluster's count
// of that group on its agent.
type groupRecorder struct {
	recorder
	e      *Engine
	groups map[int64]int64 // seq → Request.Group
	on     map[int64]int32 // seq → the group's tasks on its agent once it started
}

func (r *groupRecorder) TaskStarted(now allocator.Time, t *Task) {
	r.groups[t.Seq] = t.Spec.Req.Group
	if g := t.Spec.Req.Group; g != 0 {
		r.on[t.Seq] = r.e.Cluster().GroupOn(t.Placement.Agent, g)
	}
}

// A service's attempts carry its job as their group, and the cluster
// counts them where they run; batch tasks carry none.
func TestServicesAreGrouped(t *testing.T) {
	svc := func(job int64) Input {
		in := task(0, allocator.Never, 1000)
		in.Task.Job = job
		return in
	}
	batch := task(0, 5*sec, 1000)
	batch.Task.Job = 7
	src := &SliceSource{Inputs: []Input{svc(7), svc(7), batch, svc(0)}}
	rec := &groupRecorder{groups: map[int64]int64{}, on: map[int64]int32{}}
	e, err := New(Config{Cluster: smallCluster(t, 1), Source: src, Horizon: 10 * sec, Mode: mono(t, nil), Observer: rec})
	require.NoError(t, err)
	rec.e = e
	_, err = e.Run()
	require.NoError(t, err)
	assert.Equal(t, map[int64]int64{0: 8, 1: 8, 2: 0, 3: 1}, rec.groups)
	assert.Equal(t, map[int64]int32{0: 1, 1: 2, 3: 1}, rec.on)
	// The horizon ends the services without releasing them; the batch task
	// released its resources and touched no count.
	assert.EqualValues(t, 2, e.Cluster().GroupOn(0, 8))
}
