package placement

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/allocator"
)

// TestShapeCacheEvictsLeastRecentlyUsed: with every row taken, a new shape
// takes the row asked for longest ago, whose scores it does not see; the
// others keep theirs.
func TestShapeCacheEvictsLeastRecentlyUsed(t *testing.T) {
	var sc shapeCache
	sc.reset(3)
	shape := func(i int) allocator.Request { return allocator.Request{Res: allocator.Res(int64(i+1), 0, 0, 0)} }
	const gen = 7
	rows := make([]cacheRow, maxShapeSlots)
	for i := range maxShapeSlots {
		rows[i] = sc.row(shape(i))
		rows[i].put(0, gen, int64(i), 0)
	}
	cached := func(i int) (int64, bool) {
		e, ok := sc.row(shape(i)).at(0, gen)
		if !ok {
			return 0, false
		}
		return e.score, true
	}
	v, ok := cached(0) // shape 0 is now the most recently used, shape 1 the least
	require.True(t, ok)
	require.Equal(t, int64(0), v)
	r := sc.row(shape(maxShapeSlots))
	require.Same(t, &rows[1].s[0], &r.s[0], "the least recently used row is taken")
	_, ok = r.at(0, gen)
	require.False(t, ok, "the new shape does not see the old one's scores")
	for _, i := range []int{0, 2, maxShapeSlots - 1} {
		v, ok := cached(i)
		require.True(t, ok, "shape %d", i)
		require.Equal(t, int64(i), v)
	}
	_, ok = cached(1)
	require.False(t, ok, "an evicted shape starts afresh")
	_, ok = sc.row(shape(0)).at(0, gen+1)
	require.False(t, ok, "a score is for one generation")
}

// TestCachedScoresMatchFresh: a scoring policy asked for more shapes than
// its cache holds, while agents change, places as a policy scoring every
// agent afresh.
func TestCachedScoresMatchFresh(t *testing.T) {
	c := allocator.NewCluster()
	rnd := rand.New(rand.NewPCG(5, 6))
	for i := range 60 {
		_, err := c.AddAgent(allocator.AgentSpec{Name: string(rune('a'+i%26)) + string(rune('a'+i/26)),
			Capacity: allocator.Res(int64(8000+1000*rnd.IntN(9)), 65536, 0, int64(1000*rnd.IntN(5))), GPUModel: "V100"})
		require.NoError(t, err)
	}
	typical := []allocator.TaskShape{{Req: allocator.Request{Res: allocator.Res(2000, 4096, 0, 500)}, Freq: 1},
		{Req: allocator.Request{Res: allocator.Res(4000, 8192, 0, 1000)}, Freq: 2}}
	env := func() allocator.PlacerEnv {
		return allocator.PlacerEnv{Rand: rand.New(rand.NewPCG(1, 1)), Typical: typical}
	}
	for _, tc := range []struct{ policy, ties string }{
		{"best-fit", TiesFirst}, {"best-fit", TiesOrder}, {"worst-fit", TiesOrder}, {"dot-product", TiesFirst},
		{"gpu-packing", TiesOrder}, {"fgd", TiesFirst}, {"fgd", TiesOrder},
	} {
		policy := tc.policy
		t.Run(policy+"/"+tc.ties, func(t *testing.T) {
			cl := c.Clone()
			params := allocator.Params{"ties": tc.ties}
			cached, err := allocator.NewPlacer(policy, params, env())
			require.NoError(t, err)
			type held struct {
				p   allocator.Placement
				req allocator.Request
			}
			var live []held
			for step := range 3000 {
				if len(live) > 0 && rnd.IntN(3) == 0 {
					k := rnd.IntN(len(live))
					cl.Release(live[k].p, live[k].req)
					live[k] = live[len(live)-1]
					live = live[:len(live)-1]
					continue
				}
				// ~150 shapes: more than the cache's rows.
				req := allocator.Request{Res: allocator.Res(int64(250*(1+rnd.IntN(15))), int64(512*(1+rnd.IntN(10))), 0, 0)}
				if rnd.IntN(4) == 0 {
					req.Res[allocator.GPU] = 1000
				}
				fresh, err := allocator.NewPlacer(policy, params, env())
				require.NoError(t, err)
				want, wok := fresh.Place(cl, req, allocator.Candidates{})
				got, ok := cached.Place(cl, req, allocator.Candidates{})
				require.Equal(t, wok, ok, "step %d", step)
				require.Equal(t, want, got, "step %d", step)
				if ok {
					cl.Allocate(got, req)
					live = append(live, held{got, req})
				}
			}
		})
	}
}
