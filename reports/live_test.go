package reports_test

import (
	"slices"
	"testing"
	"time"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/reports"
	"github.com/allocsim/allocsim/reports/reportstest"
	"github.com/allocsim/allocsim/sim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// perEvent counts each framework's pending and running attempts and
// running requests at every task event, as the engine sees them, and
// notes them at each sample: the account the time series must match.
type perEvent struct {
	pending, running []int64
	used             []allocator.Resources
	rows             []perEventRow
	atSample         int // events at a multiple of the sample interval
}

type perEventRow struct {
	pending, running []int64
	used             []allocator.Resources
}

const mixedSampleInterval = 10 * allocator.Second

func (p *perEvent) note(now allocator.Time) {
	if now%mixedSampleInterval == 0 {
		p.atSample++
	}
}

func newPerEvent(n int) *perEvent {
	return &perEvent{pending: make([]int64, n), running: make([]int64, n), used: make([]allocator.Resources, n)}
}

func (p *perEvent) TaskSubmitted(now allocator.Time, t *sim.Task) {
	p.note(now)
	p.pending[t.Spec.Framework]++
}

func (p *perEvent) TaskStarted(now allocator.Time, t *sim.Task) {
	p.note(now)
	fw := t.Spec.Framework
	p.pending[fw]--
	p.running[fw]++
	p.used[fw] = p.used[fw].Add(t.Spec.Req.Res)
}

func (p *perEvent) TaskEnded(now allocator.Time, t *sim.Task) {
	p.note(now)
	fw := t.Spec.Framework
	switch {
	case t.State == sim.StateRunning: // still running when the run stopped
	case t.Started:
		p.running[fw]--
		p.used[fw] = p.used[fw].Sub(t.Spec.Req.Res)
	default:
		p.pending[fw]--
	}
}

func (p *perEvent) Sample(allocator.Time, *sim.Engine) {
	p.rows = append(p.rows, perEventRow{slices.Clone(p.pending), slices.Clone(p.running), slices.Clone(p.used)})
}

func (p *perEvent) CycleDone(allocator.Time, time.Duration, sim.CycleStats) {}

// The frameworks' state in timeseries.parquet, summed from the task records
// at close, equals counting at every event — with attempts at the very
// instant of a sample (starts and ends on whole seconds), rows written ahead
// and retracted (agent failures), dropped (an early stop), or no horizon;
// and so does counting at every event (samples declared off the grid).
func TestTimeSeriesMatchesPerEventCounts(t *testing.T) {
	for name, o := range map[string]reportstest.MixedOptions{
		"plain":      {Horizon: true},
		"failures":   {Horizon: true, Failures: 300 * allocator.Second},
		"early stop": {Horizon: true, Failures: 300 * allocator.Second, Stop: 200 * allocator.Second},
		"no horizon": {Failures: 300 * allocator.Second},
		"off grid":   {Horizon: true, Failures: 300 * allocator.Second, OffGrid: true},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			p := newPerEvent(3)
			o.Also = p
			reportstest.MixedRunWith(t, dir, 3, o)
			ts, err := reports.ReadTable(dir, reports.TimeseriesFile)
			require.NoError(t, err)
			require.Equal(t, len(p.rows), ts.Rows())
			share := []string{"share_fw_aurora", "share_fw_spark", "share_fw_tf"}
			for k, row := range p.rows {
				var total allocator.Resources
				for r := range allocator.NumResources {
					total[r] = int64(ts.Col("total_" + allocator.ResourceNames[r] + "_" + allocator.ResourceUnits[r])[k])
				}
				var pending, running int64
				var used allocator.Resources
				for fw := range 3 {
					pending += row.pending[fw]
					running += row.running[fw]
					used = used.Add(row.used[fw])
					assert.Equal(t, row.used[fw].DominantShare(total, 0), ts.Col(share[fw])[k], "sample %d %s", k, share[fw])
				}
				assert.Equal(t, float64(pending), ts.Col("pending_tasks")[k], "sample %d", k)
				assert.Equal(t, float64(running), ts.Col("running_tasks")[k], "sample %d", k)
				for r := range allocator.NumResources {
					col := "used_" + allocator.ResourceNames[r] + "_" + allocator.ResourceUnits[r]
					assert.Equal(t, float64(used[r]), ts.Col(col)[k], "sample %d %s", k, col)
				}
				assert.Equal(t, ts.Col("alloc_cpu_milli")[k], ts.Col("used_cpu_milli")[k], "sample %d", k)
			}
			assert.Positive(t, p.atSample, "events at the instant of a sample")
		})
	}
}
