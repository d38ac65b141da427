package workloads

import (
	"io"
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/sim"
)

// oneStream is a scenario with one stream whose body the test gives.
func oneStream(t testing.TB, horizon, stream string) (*Scenario, *allocator.Cluster) {
	t.Helper()
	doc := `name: gen
seed: 42
horizon: ` + horizon + `
cluster:
  node_classes:
    - {name: cpu, count: 4, cpu: 64, mem: 512GiB, disk: 4TiB}
    - {name: gpu, count: 4, cpu: 64, mem: 512GiB, disk: 4TiB, gpus: 8, gpu_model: V100}
    - {name: old, count: 2, cpu: 32, mem: 256GiB, gpus: 4, gpu_model: P100}
roles: [{name: r}]
frameworks: [{name: f, role: r, gpu: true}]
workload:
  synthetic:
    streams:
      - name: st
        framework: f
` + stream
	s, err := Parse("gen.yaml", []byte(doc))
	require.NoError(t, err)
	c, err := s.BuildCluster()
	require.NoError(t, err)
	return s, c
}

func drain(t testing.TB, src sim.Source) []sim.Input {
	t.Helper()
	var out []sim.Input
	for {
		in, err := src.Next()
		if err == io.EOF {
			return out
		}
		require.NoError(t, err)
		out = append(out, in)
	}
}

func TestSyntheticDeterministic(t *testing.T) {
	s := Default()
	c, err := s.BuildCluster()
	require.NoError(t, err)
	const n = 200_000
	take := func(seed uint64) []sim.Input {
		g, err := NewSynthetic(s, c, seed)
		require.NoError(t, err)
		out := make([]sim.Input, n)
		for i := range out {
			out[i], err = g.Next()
			require.NoError(t, err)
		}
		return out
	}
	a, b, other := take(1), take(1), take(2)
	assert.True(t, slices.Equal(a, b), "same seed, same tasks")
	assert.False(t, slices.Equal(a, other), "another seed, other tasks")
}

// TestSyntheticStreamsIndependent: a stream's draws depend on its name and
// the seed, not on which other streams exist.
func TestSyntheticStreamsIndependent(t *testing.T) {
	s := Default()
	c, err := s.BuildCluster()
	require.NoError(t, err)
	full, err := NewSynthetic(s, c, 9)
	require.NoError(t, err)
	var batchFull []allocator.TaskSpec
	for len(batchFull) < 5000 {
		in, err := full.Next()
		require.NoError(t, err)
		if s.Frameworks[in.Task.Framework].Name == "batch" {
			batchFull = append(batchFull, in.Task)
		}
	}
	s2 := Default()
	var keep []StreamSpec
	for _, st := range s2.Workload.Synthetic.Streams {
		if st.Name == "batch" {
			keep = append(keep, st)
		}
	}
	s2.Workload.Synthetic.Streams = keep
	only, err := NewSynthetic(s2, c, 9)
	require.NoError(t, err)
	for i := range batchFull {
		in, err := only.Next()
		require.NoError(t, err)
		got, want := in.Task, batchFull[i]
		got.Job, want.Job = 0, 0 // job ids are global across streams
		require.Equal(t, want, got, "task %d", i)
	}
}

func TestSyntheticOrderAndJobs(t *testing.T) {
	s := Default()
	c, err := s.BuildCluster()
	require.NoError(t, err)
	g, err := NewSynthetic(s, c, 3)
	require.NoError(t, err)
	var prev sim.Input
	jobs := 0
	for i := range 100_000 {
		in, err := g.Next()
		require.NoError(t, err)
		require.Equal(t, sim.InputTask, in.Kind)
		require.Equal(t, in.Time, in.Task.Submit)
		require.NoError(t, in.Task.Req.Validate())
		if i > 0 {
			require.GreaterOrEqual(t, in.Time, prev.Time, "time order")
			if in.Task.Job == prev.Task.Job {
				require.Equal(t, prev.Task.Index+1, in.Task.Index)
				require.Equal(t, prev.Task.Req, in.Task.Req, "tasks of a job share a shape")
			} else {
				require.Equal(t, prev.Task.Job+1, in.Task.Job)
				require.Equal(t, int32(0), in.Task.Index)
			}
		}
		if in.Task.Index == 0 {
			jobs++
		}
		prev = in
	}
	assert.Positive(t, jobs)
}

func TestSyntheticArrivalRate(t *testing.T) {
	// 5 jobs/s for 10,000 s: 50,000 expected, σ ≈ 224. Bound ±1.5% ≈ 3.4σ.
	s, c := oneStream(t, "10000s", `        arrival: {rate: 5}
        duration: 1m
        cpu: 1
        mem: 1GiB
`)
	g, err := NewSynthetic(s, c, s.Seed)
	require.NoError(t, err)
	ins := drain(t, g)
	assert.InEpsilon(t, 50_000, len(ins), 0.015)
	assert.Less(t, ins[len(ins)-1].Time, 10_000*allocator.Second)
	// Exponential gaps: the coefficient of variation is 1.
	var sum, sum2 float64
	for i := 1; i < len(ins); i++ {
		d := (ins[i].Time - ins[i-1].Time).Seconds()
		sum += d
		sum2 += d * d
	}
	n := float64(len(ins) - 1)
	mean := sum / n
	sd := math.Sqrt(sum2/n - mean*mean)
	assert.InDelta(t, 0.2, mean, 0.004)
	assert.InDelta(t, 1.0, sd/mean, 0.03)
}

func TestSyntheticDiurnal(t *testing.T) {
	// Amplitude 0.5, period 2 h, peak at 30 min: the half period centred on
	// the peak gets (1 + 2A/π) / (1 − 2A/π) ≈ 1.93 times the arrivals of the
	// other half; the mean over whole periods stays at the rate.
	s, c := oneStream(t, "20h", `        arrival: {rate: 2, diurnal: {amplitude: 0.5, period: 2h, peak: 30m}}
        duration: 1m
        cpu: 1
        mem: 1GiB
`)
	g, err := NewSynthetic(s, c, s.Seed)
	require.NoError(t, err)
	ins := drain(t, g)
	assert.InEpsilon(t, 2*20*3600, len(ins), 0.02, "mean rate over whole periods")
	var near, far float64
	for _, in := range ins {
		phase := math.Mod(float64(in.Time-30*allocator.Minute)+10*float64(2*allocator.Hour), float64(2*allocator.Hour)) / float64(2*allocator.Hour)
		if phase < 0.25 || phase >= 0.75 {
			near++
		} else {
			far++
		}
	}
	want := (1 + 2*0.5/math.Pi) / (1 - 2*0.5/math.Pi)
	assert.InEpsilon(t, want, near/far, 0.05)
}

func TestSyntheticServiceMix(t *testing.T) {
	s, c := oneStream(t, "10000s", `        arrival: {rate: 3}
        service_fraction: 0.3
        tasks: {choices: [{value: 1}, {value: 3}]}
        duration: {dist: lognormal, median: 2m, sigma: 1, min: 5s, max: 1h}
        cpu: 1
        mem: 1GiB
`)
	g, err := NewSynthetic(s, c, s.Seed)
	require.NoError(t, err)
	var jobs, services, tasks int
	var durs []float64
	for _, in := range drain(t, g) {
		tasks++
		if in.Task.Index == 0 {
			jobs++
			if in.Task.Duration == allocator.Never {
				services++
			}
		}
		if in.Task.Duration != allocator.Never {
			durs = append(durs, in.Task.Duration.Seconds())
			require.GreaterOrEqual(t, in.Task.Duration, 5*allocator.Second)
			require.LessOrEqual(t, in.Task.Duration, allocator.Hour)
		}
	}
	assert.InDelta(t, 0.3, float64(services)/float64(jobs), 0.015, "service share of jobs (σ≈0.0047)")
	assert.InDelta(t, 2.0, float64(tasks)/float64(jobs), 0.03, "mean tasks per job")
	slices.Sort(durs)
	assert.InEpsilon(t, 120, durs[len(durs)/2], 0.05, "median batch duration")
}

func TestSyntheticGPUs(t *testing.T) {
	s, c := oneStream(t, "20000s", `        arrival: {rate: 1}
        duration: {dist: pareto, xm: 10m, alpha: 1.5, max: 1d}
        cpu: 8
        mem: 64GiB
        gpus: {choices: [{value: 0.25}, {value: 1}, {value: 2}, {value: 4}, {value: 8}]}
        gpu_models: [V100]
`)
	g, err := NewSynthetic(s, c, s.Seed)
	require.NoError(t, err)
	v100, ok := c.LookupModel("V100")
	require.True(t, ok)
	seen := map[int64]int{}
	for _, in := range drain(t, g) {
		gpu := in.Task.Req.Res[allocator.GPU]
		seen[gpu]++
		require.Equal(t, allocator.ModelSet(1<<v100), in.Task.Req.GPUModels)
		if gpu >= 1000 {
			require.Zero(t, gpu%1000)
			require.LessOrEqual(t, gpu, int64(8000))
		}
		require.GreaterOrEqual(t, in.Task.Duration, 10*allocator.Minute)
	}
	assert.Len(t, seen, 5)
	// Pareto tail: P(D > 2·xm) = 2^-alpha ≈ 0.354 (cap at 1 d is far out).
	long, all := 0, 0
	for _, in := range drain(t, mustSynthetic(t, s, c)) {
		all++
		if in.Task.Duration > 20*allocator.Minute {
			long++
		}
	}
	assert.InDelta(t, math.Pow(2, -1.5), float64(long)/float64(all), 0.02)
	for _, g := range []int64{250, 1000, 2000, 4000, 8000} {
		assert.InEpsilon(t, 4000, seen[g], 0.1, "gpu %d", g)
	}
}

// TestSyntheticNoAllocs: the generator streams; producing a task allocates
// nothing.
func TestSyntheticNoAllocs(t *testing.T) {
	s := Default()
	c, err := s.BuildCluster()
	require.NoError(t, err)
	g, err := NewSynthetic(s, c, 1)
	require.NoError(t, err)
	allocs := testing.AllocsPerRun(10_000, func() {
		if _, err := g.Next(); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs)
}

func TestSyntheticMaxJobsAndStop(t *testing.T) {
	s, c := oneStream(t, "0", `        arrival: {rate: 100}
        max_jobs: 250
        duration: 1s
        cpu: 1
        mem: 1GiB
`)
	g, err := NewSynthetic(s, c, 1)
	require.NoError(t, err)
	assert.Len(t, drain(t, g), 250)

	s, c = oneStream(t, "1h", `        arrival: {rate: 10}
        start: 10m
        stop: 20m
        duration: 1s
        cpu: 1
        mem: 1GiB
`)
	g, err = NewSynthetic(s, c, 1)
	require.NoError(t, err)
	ins := drain(t, g)
	assert.InEpsilon(t, 6000, len(ins), 0.05)
	assert.GreaterOrEqual(t, ins[0].Time, 10*allocator.Minute)
	assert.Less(t, ins[len(ins)-1].Time, 20*allocator.Minute)
}

// BenchmarkSynthetic measures the generator on the default scenario
// (tasks per second of wall time).
func BenchmarkSynthetic(b *testing.B) {
	s := Default()
	c, err := s.BuildCluster()
	require.NoError(b, err)
	g, err := NewSynthetic(s, c, 1)
	require.NoError(b, err)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := g.Next(); err == io.EOF {
			b.StopTimer()
			g, _ = NewSynthetic(s, c, 1)
			b.StartTimer()
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tasks/s")
}

func mustSynthetic(t testing.TB, s *Scenario, c *allocator.Cluster) *Synthetic {
	t.Helper()
	g, err := NewSynthetic(s, c, s.Seed)
	require.NoError(t, err)
	return g
}
