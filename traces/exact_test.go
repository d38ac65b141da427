package traces

import (
	"io"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/allocator"
)

// Two passes with a 2 h lookahead give the runs an unbounded lookahead
// (holding every run in memory) gives, with or without spilling to disk.
func TestExactRunsEqualUnboundedLookahead(t *testing.T) {
	dir := filepath.Join(tracesDir(t), "google-2011")
	parts := 3
	if testing.Short() {
		parts = 1
	}
	tasksOf := func(r Reader) []Task {
		var out []Task
		var rec Record
		for {
			err := r.Next(&rec)
			if err == io.EOF {
				break
			}
			require.NoError(t, err)
			if rec.Kind == RecordTask {
				out = append(out, rec.Task)
			}
		}
		require.NoError(t, r.Close())
		return out
	}
	ru, err := OpenGoogle2011(dir, Google2011Options{Options: Options{Lookahead: 1000 * allocator.Hour}, MaxParts: parts})
	require.NoError(t, err)
	want := tasksOf(ru)

	open := func() (Reader, error) {
		return OpenGoogle2011(dir, Google2011Options{Options: Options{Lookahead: allocator.Hour}, MaxParts: parts})
	}
	for _, chunk := range []int{spillChunk, 5000} {
		old := spillChunk
		spillChunk = chunk
		tmp := t.TempDir()
		x, err := ExactRuns(open, tmp)
		require.NoError(t, err)
		got := tasksOf(x)
		spillChunk = old
		require.Equal(t, len(want), len(got), "chunk %d", chunk)
		fixed := x.Stats().Get("exact_run_from_second_pass")
		require.Positive(t, fixed)
		for i := range want {
			if want[i] != got[i] {
				t.Fatalf("chunk %d, run %d: want %+v, got %+v", chunk, i, want[i], got[i])
			}
		}
		ents, _ := filepath.Glob(filepath.Join(tmp, "*"))
		require.Empty(t, ents, "spill files removed on Close")
		t.Logf("chunk %d: %d runs, %d run times from the second pass, %d dropped", chunk, len(got), fixed, x.Stats().Get("exact_dropped_never_ran"))
	}
}
