package traces

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestOpenMapSparseIndices: an index far past its job's slice goes to the
// map instead of growing the slice to it (rows of task index 262143 for a
// few hundred jobs used to take 6 MB each), and runs are still found and
// closed wherever they live.
func TestOpenMapSparseIndices(t *testing.T) {
	m := openMap{jobs: map[int64]*jobTasks{}}
	for job := int64(0); job < 300; job++ {
		m.set(taskKey{job, maxDense - 1}, openTask{seq: job})
	}
	dense := 0
	for _, j := range m.jobs {
		dense += cap(j.tasks)
	}
	require.Zero(t, dense)
	require.Len(t, m.slow, 300)

	// A job filling in from 0 stays dense; its far index still resolves.
	for i := int32(0); i < 10; i++ {
		m.set(taskKey{7, i}, openTask{seq: 1000 + int64(i)})
	}
	require.Equal(t, int64(1003), m.get(taskKey{7, 3}).seq)
	require.Equal(t, int64(7), m.get(taskKey{7, maxDense - 1}).seq)
	require.Nil(t, m.get(taskKey{7, 11}))
	m.del(taskKey{7, maxDense - 1})
	require.Nil(t, m.get(taskKey{7, maxDense - 1}))
	require.Equal(t, int64(1003), m.get(taskKey{7, 3}).seq)
	m.del(taskKey{7, 3})
	require.Nil(t, m.get(taskKey{7, 3}))
	require.Equal(t, 300+10-2, m.n)
	n := 0
	m.each(func(*openTask) { n++ })
	require.Equal(t, m.n, n)
}
