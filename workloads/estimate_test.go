package workloads

import (
	"io"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/allocator"
)

// TestEstimateMatchesGenerator: the pre-run estimate of the default
// scenario agrees with what the generator then submits, per framework.
func TestEstimateMatchesGenerator(t *testing.T) {
	s := Default()
	est, err := s.Estimate(20_000)
	require.NoError(t, err)
	require.Len(t, est, len(s.Workload.Synthetic.Streams))
	wantTasks := map[string]float64{}
	wantSvcCPU := map[string]float64{}
	jobs := map[string]float64{}
	for i, e := range est {
		fw := s.Workload.Synthetic.Streams[i].Framework
		wantTasks[fw] += e.Tasks
		jobs[fw] += e.Jobs
		wantSvcCPU[fw] += e.Services[allocator.CPU]
	}
	c, err := s.BuildCluster()
	require.NoError(t, err)
	g, err := NewSynthetic(s, c, s.Seed)
	require.NoError(t, err)
	gotTasks := map[string]float64{}
	gotSvcCPU := map[string]float64{}
	for {
		in, err := g.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		fw := s.Frameworks[in.Task.Framework].Name
		gotTasks[fw]++
		if in.Task.Duration == allocator.Never {
			gotSvcCPU[fw] += float64(in.Task.Req.Res[allocator.CPU])
		}
	}
	for _, fw := range sortedKeys(wantTasks) {
		// Poisson noise: a relative error of 1/√jobs per σ; allow 4σ plus 3%
		// for the estimate's own sampling.
		tol := 0.03 + 4/math.Sqrt(jobs[fw])
		assert.InEpsilon(t, wantTasks[fw], gotTasks[fw], tol, "tasks of %s", fw)
		if wantSvcCPU[fw] > 0 {
			assert.InEpsilon(t, wantSvcCPU[fw], gotSvcCPU[fw], tol, "service CPU of %s", fw)
		}
	}
	var b strings.Builder
	require.NoError(t, s.WriteEstimate(&b, est))
	assert.Contains(t, b.String(), "services")
	t.Log("\n" + b.String())
}

func TestExpectedArrivalsDiurnal(t *testing.T) {
	st := &StreamSpec{Arrival: ArrivalSpec{Rate: 2, Diurnal: &DiurnalSpec{Amplitude: 0.5, Period: Duration(2 * allocator.Hour), Peak: Duration(30 * allocator.Minute)}}}
	// Whole periods: the modulation integrates to zero.
	assert.InDelta(t, 2*4*3600, expectedArrivals(st, 4*allocator.Hour), 1e-6)
	// The half period centred on the peak: rate × (P/2 + A·P/π).
	st.Start = Duration(0)
	half := expectedArrivals(st, allocator.Hour)
	assert.InDelta(t, 2*(3600+0.5*7200/3.141592653589793), half, 1e-6)
}
