package replay

import (
	"encoding/binary"
	"fmt"
	"hash"
	"hash/fnv"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/sim"
	"github.com/allocsim/allocsim/traces"
)

func tracesDir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("ALLOCSIM_TRACES"); d != "" {
		return d
	}
	for _, d := range []string{"../../../shared/traces", "../../../../shared/traces"} {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			abs, _ := filepath.Abs(d)
			return abs
		}
	}
	t.Skip("real traces not found: set ALLOCSIM_TRACES or place them at ../shared/traces from the repo root")
	return ""
}

// digest is an Observer that hashes every task end (what, where, when), so
// two runs can be compared exactly.
type digest struct {
	h     hash.Hash64
	ended int64
}

func (d *digest) TaskSubmitted(allocator.Time, *sim.Task) {}
func (d *digest) TaskStarted(allocator.Time, *sim.Task)   {}
func (d *digest) TaskEnded(now allocator.Time, t *sim.Task) {
	var b [8 * 8]byte
	for i, v := range []int64{t.Spec.Job, int64(t.Spec.Index), t.Seq, int64(t.Start), int64(t.End), int64(t.Outcome), int64(t.Placement.Agent), int64(t.State)} {
		binary.LittleEndian.PutUint64(b[8*i:], uint64(v))
	}
	d.h.Write(b[:])
	d.ended++
}
func (d *digest) Sample(allocator.Time, *sim.Engine)                      {}
func (d *digest) CycleDone(allocator.Time, time.Duration, sim.CycleStats) {}

// byPriority maps Borg priorities ≥ 9 (production) to framework 0, the rest
// to framework 1.
func byPriority(t *traces.Task, _ string) (allocator.FrameworkID, bool) {
	if t.Priority >= 9 {
		return 0, true
	}
	return 1, true
}

type runResult struct {
	stats  string
	digest uint64
	ended  int64
	src    *Source
}

func run(t testing.TB, r traces.Reader, cfg Config, horizon allocator.Time) runResult {
	t.Helper()
	c := allocator.NewCluster()
	cfg.Cluster = c
	if cfg.Map == nil {
		cfg.Map = byPriority
	}
	src, err := New(r, cfg)
	require.NoError(t, err)
	fws := []allocator.FrameworkInfo{{Name: "prod", Role: 0}, {Name: "batch", Role: 1}}
	roles := []allocator.RoleInfo{{Name: "prod", Weight: 1}, {Name: "batch", Weight: 1}}
	mode, err := sim.NewMode("monolithic", sim.ModeEnv{Frameworks: fws, Roles: roles, Rand: sim.Stream(1, "mode")})
	require.NoError(t, err)
	d := &digest{h: fnv.New64a()}
	e, err := sim.New(sim.Config{Cluster: c, Frameworks: fws, Roles: roles, Source: src, Mode: mode,
		Horizon: horizon, Seed: 1, Observer: d})
	require.NoError(t, err)
	st, err := e.Run()
	require.NoError(t, err)
	st.Wall = 0
	return runResult{stats: fmt.Sprintf("%+v", st), digest: d.h.Sum64(), ended: d.ended, src: src}
}

// The acceptance round trip: Google 2011 → canonical Parquet → replay gives
// the same simulation as replaying Google 2011 directly (same seed).
func TestRoundTripGoogle2011(t *testing.T) {
	dir := filepath.Join(tracesDir(t), "google-2011")
	opt := traces.Google2011Options{MaxParts: 1}
	cfg := Config{Start: 600 * allocator.Second, End: 2 * allocator.Hour, Machines: true, SampleEvery: 4, Seed: 7}
	const horizon = 3 * allocator.Hour

	r1, err := traces.OpenGoogle2011(dir, opt)
	require.NoError(t, err)
	direct := run(t, r1, cfg, horizon)

	out := t.TempDir()
	r2, err := traces.OpenGoogle2011(dir, opt)
	require.NoError(t, err)
	_, err = traces.WriteCanonical(out, r2, map[string]string{traces.MetaFormat: "google2011"})
	require.NoError(t, err)
	require.NoError(t, r2.Close())
	r3, err := traces.OpenCanonical(out)
	require.NoError(t, err)
	viaParquet := run(t, r3, cfg, horizon)

	require.Greater(t, direct.ended, int64(10000), "the window must replay a real workload")
	require.Equal(t, direct.stats, viaParquet.stats)
	require.Equal(t, direct.digest, viaParquet.digest)
	require.Equal(t, direct.src.Stats().Map(), viaParquet.src.Stats().Map())
	t.Logf("%d task ends, %s", direct.ended, direct.stats)
	t.Logf("replay counters %v", direct.src.Stats().Map())
}
