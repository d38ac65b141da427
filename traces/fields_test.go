package traces

import (
	"bytes"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// splitRef is the obvious split that splitFields must agree with.
func splitRef(line []byte, sep byte, max int) ([][]byte, int) {
	parts := bytes.Split(line, []byte{sep})
	if len(parts) > max {
		return parts[:max], len(parts)
	}
	return parts, len(parts)
}

func checkSplit(t *testing.T, line []byte, sep byte, max int) {
	dst := make([][]byte, max)
	n := splitFields(line, sep, dst)
	want, wn := splitRef(line, sep, max)
	require.Equal(t, wn, n, "%q", line)
	for i := range want {
		require.Equal(t, string(want[i]), string(dst[i]), "field %d of %q", i, line)
	}
}

func TestSplitFields(t *testing.T) {
	for _, c := range []struct {
		line string
		sep  byte
		max  int
	}{
		{"", ',', 3}, {",", ',', 3}, {"a,b,c", ',', 3}, {"a,b,c,d,e", ',', 3},
		{"0,,6251812952,1761,4665712499,0,h6rJXJdTvaEkmNBavPpj3ZbSAqWYKH7NYtDMsMlQe+E=,0,2,0.0125,0.0159,0.0004,0", ',', 13},
		{",,,,,,,,,,,,,,,,,,,", ',', 13}, {"12345678,12345678", ',', 4}, {"1234567,123456789", ',', 4},
		{"a\tb\t\tc", '\t', 5}, {"\x80\xff,\x7f\x01,\x2c\x2d", ',', 5},
	} {
		checkSplit(t, []byte(c.line), c.sep, c.max)
	}
}

func FuzzSplitFields(f *testing.F) {
	f.Add([]byte("0,,6251812952,1761,4665712499,0,h6rJ,0,2,0.0125,0.0159,0.0004,0"), byte(','), 13)
	f.Add([]byte(",,,,,,,,,,"), byte(','), 3)
	f.Add([]byte("a b  c"), byte(' '), 2)
	f.Fuzz(func(t *testing.T, line []byte, sep byte, max int) {
		if max < 1 || max > 64 {
			return
		}
		checkSplit(t, line, sep, max)
	})
}

// checkParseInt: parseInt agrees with strconv.ParseInt on fields of up to
// 20 bytes (longer ones it rejects).
func checkParseInt(t *testing.T, s string) {
	v, ok := parseInt([]byte(s))
	want, err := strconv.ParseInt(s, 10, 64)
	if len(s) > 20 {
		require.False(t, ok, "%q", s)
		return
	}
	require.Equal(t, err == nil, ok, "%q", s)
	if ok {
		require.Equal(t, want, v, "%q", s)
	}
}

func TestParseInt(t *testing.T) {
	for _, s := range []string{"", "0", "-0", "+7", "-", "+", "12a", "999999999999999999", "-999999999999999999",
		"9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
		"00000000000000000001", "6251812952", " 1", "1 ", "/", ":"} {
		checkParseInt(t, s)
	}
}

func FuzzParseInt(f *testing.F) {
	for _, s := range []string{"0", "-12", "9223372036854775807", "-9223372036854775808", "18446744073709551616"} {
		f.Add(s)
	}
	f.Fuzz(checkParseInt)
}
