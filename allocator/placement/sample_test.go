package placement

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/allocator"
)

// With "sample", a scoring policy scores the first k agents where the task
// fits from where its last search stopped, and chooses among them only;
// the next search starts after the last agent it checked.
func TestSampleWindow(t *testing.T) {
	for _, name := range []string{"best-fit", "worst-fit", "dot-product", "random", "fgd"} {
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(4, 4))
			c := allocator.NewCluster()
			for i := range 60 {
				_, err := c.AddAgent(allocator.AgentSpec{Name: fmt.Sprint(i), Capacity: allocator.Res(int64(4+rng.IntN(28))*1000, 65536, 0, 4000), GPUModel: "V100"})
				require.NoError(t, err)
			}
			typical := []allocator.TaskShape{{Req: share(1000, 500), Freq: 1}}
			p, err := allocator.NewPlacer(name, allocator.Params{"sample": 7}, allocator.PlacerEnv{Rand: rand.New(rand.NewPCG(1, 1)), Typical: typical})
			require.NoError(t, err)
			var s *sampler
			switch x := p.(type) {
			case *scanner:
				s = &x.sample
			case *fgd:
				s = &x.sample
			}
			require.NotNil(t, s)
			for step := range 40 {
				req := share(int64(1+rng.IntN(8))*1000, []int64{0, 500, 1000}[rng.IntN(3)])
				start := s.next
				// The window: from start, in order, until 7 agents fit.
				window, found, checked := map[allocator.AgentID]bool{}, 0, 0
				for i := start; checked < 60 && found < 7; i = (i + 1) % 60 {
					checked++
					if c.Fits(allocator.AgentID(i), req) {
						window[allocator.AgentID(i)] = true
						found++
					}
				}
				pl, ok := p.Place(c, req, allocator.Candidates{})
				require.Equal(t, found > 0, ok, "step %d", step)
				assert.Equal(t, (start+checked)%60, s.next, "step %d: the next search starts after the last agent checked", step)
				if ok {
					assert.True(t, window[pl.Agent], "step %d: agent %d outside the window from %d", step, pl.Agent, start)
					c.Allocate(pl, req)
				}
			}
		})
	}
}

func TestSampleParam(t *testing.T) {
	env := allocator.PlacerEnv{Rand: rand.New(rand.NewPCG(1, 1))}
	for _, v := range []any{-1, 1.5, "x"} {
		_, err := allocator.NewPlacer("best-fit", allocator.Params{"sample": v}, env)
		assert.ErrorContains(t, err, `"sample"`, "%v", v)
	}
	p, err := allocator.NewPlacer("kubernetes", allocator.Params{"sample": 3}, env)
	require.NoError(t, err)
	assert.Equal(t, 3, p.(*kubeDefault).fixed)
	_, err = allocator.NewPlacer("first-fit", allocator.Params{"sample": 3}, env)
	assert.NoError(t, err, "first-fit scores nothing and ignores it")
}
