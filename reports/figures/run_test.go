package figures

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/reports"
)

// A shared-state run's conflict figure: of the transactions committed in
// each sample interval, the fraction with a refused claim (by hand: 2 of 4,
// then 1 of 6, then none committed, then 0 of 10).
func TestConflictSpec(t *testing.T) {
	ts := &reports.Table{Columns: []string{"transactions", "transactions_conflicted"},
		Data: [][]float64{{4, 10, 10, 20}, {2, 3, 3, 3}}}
	s := conflictSpec(ts, []float64{1, 2, 3, 4}, "time (min)")
	require.Len(t, s.Series, 1)
	y := s.Series[0].Y
	assert.Equal(t, 0.5, y[0])
	assert.InDelta(t, 1.0/6, y[1], 1e-12)
	assert.True(t, math.IsNaN(y[2]), "no transaction in the interval: a gap")
	assert.Equal(t, 0.0, y[3])
	_, err := Render(s)
	require.NoError(t, err)
}

// Attempts preempted and lost per interval come from the cumulative
// columns; a series that stays at zero is left out, and a run with neither
// (or without the columns) gets no figure.
func TestEvictionSpec(t *testing.T) {
	ts := &reports.Table{Columns: []string{"preempted", "lost"}, Data: [][]float64{{3, 3, 10, 12}, {0, 0, 0, 0}}}
	s, ok := evictionSpec(ts, []float64{1, 2, 3, 4}, "time (min)")
	require.True(t, ok)
	require.Len(t, s.Series, 1)
	assert.Equal(t, "preempted", s.Series[0].Name)
	assert.Equal(t, []float64{3, 0, 7, 2}, s.Series[0].Y)
	_, err := Render(s)
	require.NoError(t, err)

	ts.Data[1] = []float64{1, 1, 1, 4}
	s, ok = evictionSpec(ts, []float64{1, 2, 3, 4}, "time (min)")
	require.True(t, ok)
	require.Len(t, s.Series, 2)
	assert.Equal(t, []float64{1, 0, 0, 3}, s.Series[1].Y)

	_, ok = evictionSpec(&reports.Table{Columns: []string{"preempted", "lost"}, Data: [][]float64{{0, 0}, {0, 0}}}, []float64{1, 2}, "")
	assert.False(t, ok)
	_, ok = evictionSpec(&reports.Table{}, nil, "")
	assert.False(t, ok, "a run written before the columns existed")
}

// The comparison overlays a column for the runs that have it, and only
// when some run has a value above zero (sharing that goes back to 0
// counts), so runs without services get no replicas figure.
func TestOverlaySpec(t *testing.T) {
	run := func(name string, sharing ...float64) *Run {
		tab := &reports.Table{Columns: []string{"time_s"}, Data: [][]float64{{60, 120, 180}}}
		if sharing != nil {
			tab.Columns = append(tab.Columns, "replicas_sharing_node")
			tab.Data = append(tab.Data, sharing)
		}
		return &Run{Name: name, Timeseries: tab}
	}
	s, ok := overlaySpec([]*Run{run("spread", 0, 0, 0), run("packed", 0, 3, 0), run("old")}, "replicas_sharing_node", "t", "tasks", 60, "time (min)")
	require.True(t, ok)
	require.Len(t, s.Series, 2, "the run written before the column has no line")
	assert.Equal(t, "cmp_replicas_sharing_node", s.Name)
	assert.Equal(t, []float64{1, 2, 3}, s.Series[1].X)
	assert.Equal(t, []float64{0, 3, 0}, s.Series[1].Y)
	_, err := Render(s)
	require.NoError(t, err)

	_, ok = overlaySpec([]*Run{run("spread", 0, 0, 0), run("old")}, "replicas_sharing_node", "t", "tasks", 1, "")
	assert.False(t, ok)
}
