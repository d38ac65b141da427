package runner

import (
	"os"
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
