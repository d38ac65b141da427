package runner

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/workloads"
)

// A framework parameter read by one mode is ignored by the others, so one
// file sweeps over modes; a key no mode reads is refused by every mode,
// naming the framework, the key and what the mode reads.
func TestFrameworkParamsAcrossModes(t *testing.T) {
	data, err := os.ReadFile("../examples/small.yaml")
	require.NoError(t, err)
	for _, mode := range []string{"monolithic", "drf", "static", "omega"} {
		for _, tc := range []struct {
			params map[string]any
			want   string
		}{
			{map[string]any{"gang": true, "think_job": 0.5, "decision_latency": 0.1}, ""},
			{map[string]any{"think_jbo": 0.5}, `unknown parameter "think_jbo": no mode reads it (` + mode + ` reads`},
		} {
			sc, err := workloads.Parse("small.yaml", data)
			require.NoError(t, err)
			sc.Allocator.Name, sc.Allocator.Params = mode, nil
			sc.Frameworks[0].Params = tc.params
			err = sc.Precheck()
			if tc.want == "" {
				require.NoError(t, err, mode)
				continue
			}
			require.ErrorContains(t, err, tc.want, mode)
			require.ErrorContains(t, err, `framework "`+sc.Frameworks[0].Name+`"`, mode)
		}
	}
}

// Every mode takes "sample" for its scoring policies and refuses a bad
// value before anything runs; a sampled run repeats exactly.
func TestSampleParamAcrossModes(t *testing.T) {
	data, err := os.ReadFile("../examples/small.yaml")
	require.NoError(t, err)
	for _, mode := range []string{"monolithic", "drf", "static", "omega"} {
		for _, tc := range []struct {
			sample any
			want   string
		}{{5, ""}, {-1, `parameter "sample": want a whole number of agents`}, {"x", `"sample"`}} {
			sc, err := workloads.Parse("small.yaml", data)
			require.NoError(t, err)
			sc.Allocator.Name = mode
			sc.Allocator.Params = map[string]any{"placement": "best-fit", "sample": tc.sample}
			err = sc.Precheck()
			if tc.want != "" {
				require.ErrorContains(t, err, tc.want, mode)
				continue
			}
			require.NoError(t, err, mode)
			if mode != "monolithic" {
				continue
			}
			a, err := Run(sc, Options{Out: t.TempDir(), NoReport: true})
			require.NoError(t, err)
			b, err := Run(sc, Options{Out: t.TempDir(), NoReport: true})
			require.NoError(t, err)
			require.Equal(t, a.Summary.Tasks, b.Summary.Tasks)
		}
	}
}

// Every mode passes the kubernetes profile on to its placements, refuses a
// bad one, and refuses it for a placement that does not read it, before
// anything runs; a profile changes where tasks go.
func TestKubeProfileAcrossModes(t *testing.T) {
	data, err := os.ReadFile("../examples/small.yaml")
	require.NoError(t, err)
	packGPUs := map[string]any{"placement": "kubernetes", "scoring": "most-allocated",
		"weights": map[string]any{"cpu": 1, "memory": 1, "gpu": 3}}
	for _, mode := range []string{"monolithic", "drf", "static", "omega"} {
		for _, tc := range []struct {
			params      map[string]any
			fwPlacement string // the first framework's own policy
			want        string
		}{
			{packGPUs, "", ""},
			// One framework places with kubernetes: the profile is its.
			{map[string]any{"placement": "best-fit", "scoring": "most-allocated"}, "kubernetes", ""},
			{map[string]any{"placement": "first-fit", "scoring": "most-allocated"}, "fgd", `parameter "scoring": only the kubernetes placements read it, and this scenario places with fgd, first-fit`},
			{map[string]any{"placement": "kubernetes-all", "scoring": "requested-to-capacity-ratio",
				"shape": []any{map[string]any{"utilization": 0, "score": 10}, map[string]any{"utilization": 100, "score": 0}}}, "", ""},
			{map[string]any{"placement": "kubernetes", "scoring": "tightest"}, "", `parameter "scoring": "tightest"`},
			{map[string]any{"placement": "kubernetes", "weights": map[string]any{"gpus": 1}}, "", `unknown resource "gpus"`},
			{map[string]any{"placement": "best-fit", "balanced": false}, "", `parameter "balanced": only the kubernetes placements read it`},
		} {
			sc, err := workloads.Parse("small.yaml", data)
			require.NoError(t, err)
			sc.Allocator.Name = mode
			sc.Allocator.Params = tc.params
			sc.Frameworks[0].Placement = tc.fwPlacement
			err = sc.Precheck()
			if tc.want != "" {
				require.ErrorContains(t, err, tc.want, mode)
				continue
			}
			require.NoError(t, err, mode)
		}
	}
	// On the monolithic mode the profile reaches the placer: packing puts
	// tasks elsewhere, and a run repeats exactly.
	run := func(params map[string]any) []byte {
		sc, err := workloads.Parse("small.yaml", data)
		require.NoError(t, err)
		sc.Allocator.Params = params
		res, err := Run(sc, Options{Out: t.TempDir(), NoReport: true})
		require.NoError(t, err)
		b, err := os.ReadFile(filepath.Join(res.Dir, "tasks.parquet"))
		require.NoError(t, err)
		return b
	}
	spread, packed := run(map[string]any{"placement": "kubernetes"}), run(packGPUs)
	require.NotEqual(t, spread, packed)
	require.Equal(t, packed, run(packGPUs))
}
