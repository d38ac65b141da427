package mesosapi

import (
	"math"
	"testing"

	"github.com/allocsim/allocsim/allocator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestToVector(t *testing.T) {
	star, other := "*", "prod"
	tests := []struct {
		name  string
		in    []Resource
		want  allocator.Resources
		ports []Range
		err   string
	}{
		{"scalars", []Resource{ScalarResource("cpus", 1.25), ScalarResource("mem", 100.5), ScalarResource("disk", 10), ScalarResource("gpus", 2)},
			allocator.Res(1250, 101, 10, 2000), nil, ""},
		{"summed", []Resource{ScalarResource("cpus", 1), ScalarResource("cpus", 0.5)}, allocator.Res(1500, 0, 0, 0), nil, ""},
		{"ports merged", []Resource{RangesResource("ports", []Range{{10, 20}, {21, 30}, {40, 40}})}, allocator.Resources{}, []Range{{10, 30}, {40, 40}}, ""},
		{"ports overlap", []Resource{RangesResource("ports", []Range{{10, 20}, {15, 30}})}, allocator.Resources{}, nil, "overlap"},
		{"bad range", []Resource{RangesResource("ports", []Range{{20, 10}})}, allocator.Resources{}, nil, "bad range"},
		{"unknown", []Resource{ScalarResource("bananas", 1)}, allocator.Resources{}, nil, "unknown resource name"},
		{"negative", []Resource{ScalarResource("cpus", -1)}, allocator.Resources{}, nil, "out of range"},
		{"nan", []Resource{ScalarResource("mem", math.NaN())}, allocator.Resources{}, nil, "out of range"},
		{"wrong type", []Resource{{Name: "cpus", Type: TypeRanges}}, allocator.Resources{}, nil, "want type SCALAR"},
		{"unreserved star", []Resource{{Name: "cpus", Type: TypeScalar, Scalar: &Scalar{1}, Role: &star}}, allocator.Res(1000, 0, 0, 0), nil, ""},
		{"reserved", []Resource{{Name: "cpus", Type: TypeScalar, Scalar: &Scalar{1}, Role: &other}}, allocator.Resources{}, nil, "reserved"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, p, err := ToVector(tc.in)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, v)
			assert.Equal(t, tc.ports, p)
		})
	}
}

func TestRangeArithmetic(t *testing.T) {
	all := []Range{{31000, 31010}}
	used := []Range{{31002, 31003}}
	assert.True(t, RangesContain(all, used))
	left := SubtractRanges(all, used)
	assert.Equal(t, []Range{{31000, 31001}, {31004, 31010}}, left)
	assert.False(t, RangesContain(left, used))
	assert.Equal(t, uint64(9), CountRanges(left))
	assert.Equal(t, all, AddRanges(left, used))
}

func TestFromVectorRoundTrip(t *testing.T) {
	r := allocator.Res(2500, 4096, 0, 500)
	v, p, err := ToVector(FromVector(r, []Range{{1, 2}}, "x"))
	require.NoError(t, err)
	assert.Equal(t, r, v)
	assert.Equal(t, []Range{{1, 2}}, p)
}
