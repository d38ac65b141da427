package traces

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseShape(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Shape
	}{
		{"", DefaultShape},
		{"  ", DefaultShape},
		{"cpu=64", Shape{CPUMilli: 64000, MemMiB: DefaultShape.MemMiB, DiskMiB: DefaultShape.DiskMiB}},
		{"cpu=0.5,mem=1.5GiB,disk=2TiB", Shape{CPUMilli: 500, MemMiB: 1536, DiskMiB: 2 << 20}},
		{" mem=300MiB , disk=7 ", Shape{CPUMilli: 32000, MemMiB: 300, DiskMiB: 7}},
		{"mem=0.6", Shape{CPUMilli: 32000, MemMiB: 1, DiskMiB: DefaultShape.DiskMiB}}, // rounds to the MiB
		{"mem=1048576TiB", Shape{CPUMilli: 32000, MemMiB: 1 << 40, DiskMiB: DefaultShape.DiskMiB}},
	} {
		got, err := ParseShape(c.in)
		require.NoError(t, err, c.in)
		assert.Equal(t, c.want, got, c.in)
	}
}

// TestParseShapeRejects: each bad shape names the shape and what was wanted.
// Out-of-range sizes matter most: converting them to int64 is up to the
// platform, so without the check "mem=1e30GiB" was accepted on arm64.
func TestParseShapeRejects(t *testing.T) {
	for _, c := range []struct{ in, msg string }{
		{"cpu", "is not key=value"},
		{"cpu=32,,mem=1GiB", "is not key=value"},
		{"gpu=8", `unknown key "gpu"`},
		{"cpu=0", "positive number of cores"},
		{"cpu=-4", "positive number of cores"},
		{"cpu=NaN", "positive number of cores"},
		{"cpu=1e300", "positive number of cores"},
		{"cpu=4503599627370.021", "at most 1125899906842"}, // String would not parse back to it
		{"mem=0", "from 1MiB to 1ZiB"},
		{"mem=0.4MiB", "from 1MiB to 1ZiB"},
		{"mem=-1GiB", "from 1MiB to 1ZiB"},
		{"mem=NaN", "from 1MiB to 1ZiB"},
		{"mem=Inf", "from 1MiB to 1ZiB"},
		{"disk=1e30GiB", "from 1MiB to 1ZiB"},
		{"disk=2048PiB", "from 1MiB to 1ZiB"}, // PiB is not a unit
		{"mem=12GB", "from 1MiB to 1ZiB"},
	} {
		_, err := ParseShape(c.in)
		if assert.Error(t, err, c.in) {
			assert.Contains(t, err.Error(), c.msg, c.in)
			assert.Contains(t, err.Error(), fmt.Sprintf("shape %q", c.in), c.in)
		}
	}
}

// FuzzParseShape: ParseShape never panics, an accepted shape is positive and
// within bounds, and its String form parses back to the same shape.
func FuzzParseShape(f *testing.F) {
	for _, s := range []string{"", "cpu=32,mem=128GiB,disk=1TiB", "cpu=0.001", "mem=1e15TiB", "disk=0.5", "cpu=1,cpu=2", "mem=Inf"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sh, err := ParseShape(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "shape ") {
				t.Fatalf("%q: error %q does not name the shape", s, err)
			}
			return
		}
		for _, v := range []int64{sh.CPUMilli, sh.MemMiB, sh.DiskMiB} {
			if v <= 0 || v > maxShapeMiB<<10 {
				t.Fatalf("%q: accepted %+v", s, sh)
			}
		}
		back, err := ParseShape(sh.String())
		if err != nil || back != sh {
			t.Fatalf("%q → %+v → %q → %+v, %v", s, sh, sh.String(), back, err)
		}
	})
}
