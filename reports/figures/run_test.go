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
