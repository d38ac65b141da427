package allocator

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestResourcesArithmetic(t *testing.T) {
	a := Res(1500, 2048, 10, 500)
	b := Res(500, 1024, 0, 1000)
	assert.Equal(t, Res(2000, 3072, 10, 1500), a.Add(b))
	assert.Equal(t, Res(1000, 1024, 10, -500), a.Sub(b))
	assert.Equal(t, Res(500, 1024, 0, 500), a.Min(b))
	assert.Equal(t, Res(1500, 2048, 10, 1000), a.Max(b))
	assert.Equal(t, Res(3000, 4096, 20, 1000), a.Scale(2))
	assert.True(t, a.Sub(b).AnyNegative())
	assert.False(t, a.AnyNegative())
	assert.True(t, Resources{}.IsZero())
	assert.False(t, a.IsZero())
	// Value semantics: the operands are unchanged.
	assert.Equal(t, Res(1500, 2048, 10, 500), a)
}

func TestResourcesContains(t *testing.T) {
	tests := []struct {
		name string
		r, o Resources
		want bool
	}{
		{"equal", Res(1, 2, 3, 4), Res(1, 2, 3, 4), true},
		{"smaller", Res(10, 10, 10, 10), Res(1, 2, 3, 4), true},
		{"zero request", Res(0, 0, 0, 0), Resources{}, true},
		{"cpu short", Res(0, 10, 10, 10), Res(1, 0, 0, 0), false},
		{"mem short", Res(10, 1, 10, 10), Res(0, 2, 0, 0), false},
		{"disk short", Res(10, 10, 1, 10), Res(0, 0, 2, 0), false},
		{"gpu short", Res(10, 10, 10, 999), Res(0, 0, 0, 1000), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.r.Contains(tt.o))
		})
	}
}

func TestDominantShare(t *testing.T) {
	total := Res(9000, 18*1024, 0, 0) // the DRF paper's cluster: 9 CPUs, 18 GB
	tests := []struct {
		name     string
		r, total Resources
		excluded ResourceMask
		want     float64
	}{
		{"drf user A", Res(3000, 12*1024, 0, 0), total, 0, 2.0 / 3},
		{"drf user B", Res(6000, 2*1024, 0, 0), total, 0, 2.0 / 3},
		{"zero totals skipped", Res(1000, 0, 500, 500), Res(2000, 0, 0, 0), 0, 0.5},
		{"excluded dimension", Res(1000, 9*1024, 0, 0), total, ResourceMask(0).With(Mem), 1.0 / 9},
		{"all excluded", Res(1000, 1024, 0, 0), total, ResourceMask(0).With(CPU).With(Mem), 0},
		{"gpu dominant", Res(1000, 1024, 0, 4000), Res(10000, 10240, 0, 8000), 0, 0.5},
		{"empty total", Res(1, 1, 1, 1), Resources{}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.InDelta(t, tt.want, tt.r.DominantShare(tt.total, tt.excluded), 1e-12)
		})
	}
}

func TestShareAndMask(t *testing.T) {
	s := Res(500, 0, 0, 3000).Share(Res(1000, 0, 100, 8000))
	assert.Equal(t, [NumResources]float64{0.5, 0, 0, 0.375}, s)
	m := ResourceMask(0).With(GPU)
	assert.True(t, m.Has(GPU))
	assert.False(t, m.Has(CPU))
}

func TestParseResourceNameAndString(t *testing.T) {
	for in, want := range map[string]int{"cpu": CPU, "cpus": CPU, "mem": Mem, "memory": Mem, "disk": Disk, "gpu": GPU, "gpus": GPU} {
		got, err := ParseResourceName(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	_, err := ParseResourceName("bogus")
	assert.ErrorContains(t, err, "bogus")
	assert.Equal(t, "cpu=1.5 mem=2048MiB disk=0MiB gpu=0.5", Res(1500, 2048, 0, 500).String())
	assert.Equal(t, "cpu=2 mem=1MiB disk=3MiB gpu=8", Res(2000, 1, 3, 8000).String())
}

func TestMilliFromFloat(t *testing.T) {
	v, ok := MilliFromFloat(1.2345)
	assert.True(t, ok)
	assert.Equal(t, int64(1235), v)
	v, ok = MilliFromFloat(-0.5)
	assert.True(t, ok)
	assert.Equal(t, int64(-500), v)
	for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), 1e300} {
		_, ok := MilliFromFloat(bad)
		assert.False(t, ok, bad)
	}
}
