package sweep

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseShard(t *testing.T) {
	for in, want := range map[string]Shard{"1/1": {1, 1}, "2/4": {2, 4}, " 3 / 3 ": {3, 3}} {
		got, err := ParseShard(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "1", "0/2", "3/2", "1/0", "-1/2", "a/b", "1/2/3"} {
		_, err := ParseShard(in)
		assert.Error(t, err, in)
	}
}

// Every run belongs to exactly one shard.
func TestShardsPartitionRuns(t *testing.T) {
	for n := 1; n <= 5; n++ {
		for k := range 23 {
			in := 0
			for i := 1; i <= n; i++ {
				if (Shard{i, n}).Has(k) {
					in++
				}
			}
			assert.Equal(t, 1, in, "run %d of %d shards", k, n)
		}
	}
	assert.True(t, Shard{}.Has(7))
}

// A sweep split into three shards and merged gives the unsharded sweep's
// table byte for byte, and its runs.tsv but for the folders.
func TestShardAndMerge(t *testing.T) {
	base := t.TempDir()
	m := Matrix{File: "../../examples/small.yaml", Doc: small(t), Seeds: []uint64{1, 2}, Jobs: 2, SummariesOnly: true,
		Axes: []Axis{{"allocator.name", []string{"monolithic", "omega"}}, {"allocator.params", []string{"{}"}}}}
	write := func(m Matrix, res *Results) (table, runs string) {
		var tb, rb bytes.Buffer
		require.NoError(t, WriteTable(&tb, m.Axes, res))
		require.NoError(t, WriteRuns(&rb, m.Axes, res))
		return tb.String(), rb.String()
	}
	m.Out = filepath.Join(base, "all")
	all, err := m.Run()
	require.NoError(t, err)
	wantTable, wantRuns := write(m, all)

	var dirs []string
	for i := 1; i <= 3; i++ {
		sm := m
		sm.Shard, sm.Out = Shard{i, 3}, filepath.Join(base, "shard", string(rune('0'+i)))
		res, err := sm.Run()
		require.NoError(t, err)
		table, _ := write(sm, res)
		assert.Contains(t, table, "shard "+string(rune('0'+i))+"/3: ")
		require.NoError(t, WriteManifest(sm.Out, sm.Manifest(res, sm.Out)))
		dirs = append(dirs, sm.Out)
	}
	out := filepath.Join(base, "merged")
	merged, man, err := Merge([]string{dirs[2], dirs[0], dirs[1]}, out)
	require.NoError(t, err)
	gotTable, gotRuns := write(m, merged)
	assert.Equal(t, wantTable, gotTable)
	assert.Equal(t, withoutDirs(wantRuns), withoutDirs(gotRuns))
	assert.Len(t, man.Runs, 4)
	assert.Zero(t, man.Shards)
	for _, r := range man.Runs {
		assert.True(t, strings.HasPrefix(r.Path, "../shard/"), r.Path)
	}

	// What merging refuses.
	_, _, err = Merge(dirs[:2], out)
	assert.ErrorContains(t, err, "in none of the folders (shards given: 1/3, 2/3)")
	_, _, err = Merge([]string{dirs[0], dirs[0]}, out)
	assert.ErrorContains(t, err, "are both shard 1/3")
	other := m
	other.Seeds, other.Shard, other.Out = []uint64{1, 3}, Shard{1, 3}, filepath.Join(base, "other")
	res, err := other.Run()
	require.NoError(t, err)
	require.NoError(t, WriteManifest(other.Out, other.Manifest(res, other.Out)))
	_, _, err = Merge([]string{dirs[1], other.Out}, out)
	assert.ErrorContains(t, err, "different seeds")
	_, _, err = Merge([]string{base}, out)
	assert.ErrorContains(t, err, "not a sweep folder")
	require.NoError(t, os.Remove(merged.Dirs[1][0]))
	_, _, err = Merge(dirs, out)
	assert.ErrorContains(t, err, "seed1.json")
}

// withoutDirs drops runs.tsv's dir column (the runs' folders differ).
func withoutDirs(tsv string) string {
	var out []string
	for _, line := range strings.Split(tsv, "\n") {
		f := strings.Split(line, "\t")
		if len(f) > 3 {
			f = append(f[:3], f[4:]...)
		}
		out = append(out, strings.Join(f, "\t"))
	}
	return strings.Join(out, "\n")
}
