package frag

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestGolden pins the exact output of a small matrix (every policy, two
// seeds, the workload inflated to 60% of capacity): any change to a policy,
// the sampling or the recording shows up as a diff to review.
func TestGolden(t *testing.T) {
	in := loadDefault(t)
	res, err := Matrix{Input: in, Policies: []string{"Random", "DotProduct", "GpuClustering", "GpuPacking", "BestFit", "FGD", "first-fit", "worst-fit"},
		Seeds: []uint64{1, 2}, Target: 0.6, Params: paperTies}.Run()
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, WriteTable(&b, res, []int{10, 30, 50, 60}))
	path := filepath.Join("testdata", "golden_table.txt")
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run with -update to create it")
	assert.Equal(t, string(want), b.String())
}
