package traces

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/allocator"
)

// TestSWFMemoryRoundsUp: requested memory (KB per processor) becomes MiB
// rounded up; near 2^63 the old (KB+1023)/1024 overflowed to a negative
// request.
func TestSWFMemoryRoundsUp(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.swf")
	require.NoError(t, os.WriteFile(p, []byte(
		"1 0 0 10 1 -1 -1 -1 -1 1025 1 1 1 -1 -1 -1 -1 -1\n"+
			"2 0 0 10 1 -1 -1 -1 -1 1024 1 1 1 -1 -1 -1 -1 -1\n"+
			"3 0 0 10 1 -1 -1 -1 -1 9223372036854775807 1 1 1 -1 -1 -1 -1 -1\n"), 0o644))
	r, err := Open("swf", p, OpenOptions{})
	require.NoError(t, err)
	defer r.Close()
	var got []int64
	var rec Record
	for r.Next(&rec) == nil {
		if rec.Kind == RecordTask {
			got = append(got, rec.Task.Req[allocator.Mem])
		}
	}
	require.Equal(t, []int64{2, 1, 1 << 53}, got)
}
