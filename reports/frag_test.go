package reports

import (
	"testing"

	"github.com/allocsim/allocsim/allocator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// One agent with two GPUs, a 300 milli-GPU share placed on device 0: 1700
// milli free, 700 of it on the partly used device. For typical shapes half
// "one whole GPU" (loses those 700) and half "a 500 milli share" (fits on
// either device: loses nothing), FGD's fragment is 0.5 × 700 = 350. A second
// GPU agent, all free, adds 1000 free milli and no fragment; with the first
// one down (the sums then go agent by agent) only it counts.
func TestGPUFragmentation(t *testing.T) {
	cl := allocator.NewCluster()
	_, err := cl.AddAgent(allocator.AgentSpec{Name: "cpu", Capacity: allocator.Res(8000, 8192, 0, 0)})
	require.NoError(t, err)
	g, err := cl.AddAgent(allocator.AgentSpec{Name: "g", Capacity: allocator.Res(8000, 8192, 0, 2000), GPUModel: "V100"})
	require.NoError(t, err)
	_, err = cl.AddAgent(allocator.AgentSpec{Name: "h", Capacity: allocator.Res(8000, 8192, 0, 1000), GPUModel: "V100"})
	require.NoError(t, err)
	share := allocator.Request{Res: allocator.Res(1000, 1024, 0, 300)}
	cl.Allocate(allocator.Placement{Agent: g, Devices: 1}, share)

	m := Meta{Cluster: cl, Typical: []allocator.TaskShape{
		{Req: allocator.Request{Res: allocator.Res(1000, 1024, 0, 1000)}, Freq: 0.5},
		{Req: allocator.Request{Res: allocator.Res(1000, 1024, 0, 500)}, Freq: 0.5},
		// CPU-only shapes are left out (they would count every idle GPU as lost).
		{Req: allocator.Request{Res: allocator.Res(1000, 1024, 0, 0)}, Freq: 3},
	}}
	s, err := newSeriesWriter(t.TempDir(), m)
	require.NoError(t, err)
	defer s.w.abort()
	free, fr := s.gpuFrag(cl)
	assert.Equal(t, int64(2700), free)
	assert.Equal(t, int64(700), fr)
	assert.InDelta(t, 350, s.fgdFrag(cl), 1e-9)

	cl.SetUp(g, false) // a down agent has nothing usable or fragmented
	free, fr = s.gpuFrag(cl)
	assert.Equal(t, int64(1000), free)
	assert.Equal(t, int64(0), fr)
	assert.InDelta(t, 0, s.fgdFrag(cl), 1e-9)
}
