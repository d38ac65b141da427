package workloads

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/allocator"
)

func TestParseDuration(t *testing.T) {
	good := []struct {
		in   string
		want allocator.Time
	}{
		{"0", 0}, {"90s", 90 * allocator.Second}, {"2h", 2 * allocator.Hour}, {"1.5d", 36 * allocator.Hour},
		{"1h30m", 90 * allocator.Minute}, {"250ms", 250 * allocator.Millisecond}, {"10us", 10},
		{"1w", 7 * 24 * allocator.Hour}, {"0.5s", 500 * allocator.Millisecond},
	}
	for _, tc := range good {
		got, err := parseDuration(tc.in)
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
	bad := []struct{ in, want string }{
		{"", "empty"}, {"-1h", "must not be negative"}, {"60", "needs a unit"}, {"5y", `unknown unit "y"`},
		{"h", "want a duration"}, {"1..5s", "want a duration"}, {"999999999999w", "too long"},
	}
	for _, tc := range bad {
		_, err := parseDuration(tc.in)
		require.Error(t, err, tc.in)
		assert.Contains(t, err.Error(), tc.want, tc.in)
	}
}

func TestParseMemory(t *testing.T) {
	good := []struct {
		in   string
		want int64
	}{
		{"0", 0}, {"512MiB", 512}, {"128GiB", 128 << 10}, {"1TiB", 1 << 20}, {"1.5GiB", 1536},
		{"1GB", 954}, {"2048KiB", 2}, {"4Gi", 4096},
	}
	for _, tc := range good {
		got, err := parseMemory(tc.in)
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
	bad := []struct{ in, want string }{
		{"-1GiB", "must not be negative"}, {"12", "needs a unit"}, {"12XB", `unknown unit "XB"`}, {"GiB", "want a size"},
		{"99999999999999999PiB", "too large"},
	}
	for _, tc := range bad {
		_, err := parseMemory(tc.in)
		require.Error(t, err, tc.in)
		assert.Contains(t, err.Error(), tc.want, tc.in)
	}
}

func TestParseMilli(t *testing.T) {
	for in, want := range map[string]int64{"2": 2000, "0.5": 500, "500m": 500, "0.001": 1, "1.0005": 1001} {
		got, err := parseMilli(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"-1", "two", "1.5m", "1e300"} {
		_, err := parseMilli(in)
		assert.Error(t, err, in)
	}
}

func TestFormatDuration(t *testing.T) {
	assert.Equal(t, "10m", formatDuration(10*allocator.Minute))
	assert.Equal(t, "90s", formatDuration(90*allocator.Second))
	assert.Equal(t, "1d", formatDuration(24*allocator.Hour))
	assert.Equal(t, "1500ms", formatDuration(1500*allocator.Millisecond))
	assert.Equal(t, "0", formatDuration(0))
}
