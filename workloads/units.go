package workloads

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/allocsim/allocsim/allocator"
)

// Scenario files use human units; these parsers turn them into the exact
// integer units of the allocator package (microseconds, MiB, milli).

// durationUnits are the suffixes a duration may use, in microseconds.
var durationUnits = []struct {
	suffix string
	us     float64
}{
	// Longer suffixes first so that "ms" is not read as "m" + "s".
	{"us", 1}, {"µs", 1}, {"ms", 1e3}, {"s", 1e6}, {"m", 60e6}, {"h", 3600e6}, {"d", 86400e6}, {"w", 7 * 86400e6},
}

// parseDuration reads "90s", "2h", "1.5d", "1h30m", "250ms" or "0".
// A unit is required on every non-zero number so that "60" is never
// ambiguous between seconds and minutes.
func parseDuration(s string) (allocator.Time, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return 0, fmt.Errorf("want a duration such as 90s, 2h or 1.5d, got an empty value")
	}
	if in == "0" {
		return 0, nil
	}
	if strings.HasPrefix(in, "-") {
		return 0, fmt.Errorf("must not be negative, got %s", in)
	}
	var total float64
	rest := in
	for rest != "" {
		i := 0
		for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9' || rest[i] == '.') {
			i++
		}
		if i == 0 {
			return 0, fmt.Errorf("want a duration such as 90s, 2h or 1.5d, got %q", in)
		}
		v, err := strconv.ParseFloat(rest[:i], 64)
		if err != nil {
			return 0, fmt.Errorf("want a duration such as 90s, 2h or 1.5d, got %q", in)
		}
		rest = rest[i:]
		j := 0
		for j < len(rest) && !(rest[j] >= '0' && rest[j] <= '9' || rest[j] == '.') {
			j++
		}
		unit := rest[:j]
		rest = rest[j:]
		mult := 0.0
		for _, u := range durationUnits {
			if u.suffix == unit {
				mult = u.us
			}
		}
		if mult == 0 {
			if unit == "" {
				return 0, fmt.Errorf("duration %q needs a unit (us, ms, s, m, h, d, w)", in)
			}
			return 0, fmt.Errorf("duration %q: unknown unit %q (want us, ms, s, m, h, d or w)", in, unit)
		}
		total += v * mult
	}
	if total > float64(allocator.Never)/2 {
		return 0, fmt.Errorf("duration %q is too long", in)
	}
	return allocator.Time(math.Round(total)), nil
}

// memUnits are the memory suffixes, in MiB. Binary (KiB, MiB, …) and decimal
// (KB, MB, …) prefixes are both accepted; results round to the nearest MiB.
var memUnits = []struct {
	suffix string
	mib    float64
}{
	{"KiB", 1.0 / 1024}, {"MiB", 1}, {"GiB", 1024}, {"TiB", 1024 * 1024}, {"PiB", 1024 * 1024 * 1024},
	{"KB", 1e3 / (1 << 20)}, {"MB", 1e6 / (1 << 20)}, {"GB", 1e9 / (1 << 20)}, {"TB", 1e12 / (1 << 20)},
	{"Ki", 1.0 / 1024}, {"Mi", 1}, {"Gi", 1024}, {"Ti", 1024 * 1024},
}

// parseMemory reads "128GiB", "512MiB", "1.5TiB", "4GB" or "0" into MiB.
func parseMemory(s string) (int64, error) {
	in := strings.TrimSpace(s)
	if in == "0" {
		return 0, nil
	}
	if strings.HasPrefix(in, "-") {
		return 0, fmt.Errorf("must not be negative, got %s", in)
	}
	i := 0
	for i < len(in) && (in[i] >= '0' && in[i] <= '9' || in[i] == '.') {
		i++
	}
	num, unit := in[:i], strings.TrimSpace(in[i:])
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || num == "" {
		return 0, fmt.Errorf("want a size such as 512MiB, 128GiB or 1TiB, got %q", in)
	}
	if unit == "" {
		return 0, fmt.Errorf("size %q needs a unit (MiB, GiB, TiB, …)", in)
	}
	for _, u := range memUnits {
		if u.suffix == unit {
			m := math.Round(v * u.mib)
			if m > 1<<53 {
				return 0, fmt.Errorf("size %q is too large", in)
			}
			return int64(m), nil
		}
	}
	return 0, fmt.Errorf("size %q: unknown unit %q (want KiB, MiB, GiB, TiB or KB, MB, GB, TB)", in, unit)
}

// parseMilli reads a CPU or GPU quantity: a number of units (1, 0.5, 2.25) or
// a milli quantity with the Kubernetes suffix ("500m").
func parseMilli(s string) (int64, error) {
	in := strings.TrimSpace(s)
	if strings.HasPrefix(in, "-") {
		return 0, fmt.Errorf("must not be negative, got %s", in)
	}
	if m, ok := strings.CutSuffix(in, "m"); ok {
		v, err := strconv.ParseInt(m, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("want a number such as 2, 0.5 or 500m, got %q", in)
		}
		return v, nil
	}
	v, err := strconv.ParseFloat(in, 64)
	if err != nil {
		return 0, fmt.Errorf("want a number such as 2, 0.5 or 500m, got %q", in)
	}
	m, ok := allocator.MilliFromFloat(v)
	if !ok {
		return 0, fmt.Errorf("number %q is out of range", in)
	}
	return m, nil
}

// formatDuration prints t in the largest unit that keeps it exact.
func formatDuration(t allocator.Time) string {
	if t == 0 {
		return "0"
	}
	for i := len(durationUnits) - 1; i >= 0; i-- {
		u := durationUnits[i]
		if u.suffix == "µs" {
			continue
		}
		if math.Mod(float64(t), u.us) == 0 {
			return fmt.Sprintf("%d%s", int64(float64(t)/u.us), u.suffix)
		}
	}
	return fmt.Sprintf("%dus", int64(t))
}
