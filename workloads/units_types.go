package workloads

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/allocsim/allocsim/allocator"
)

var sprintf = fmt.Sprintf

// Duration is a span of simulated time written "90s", "2h", "1.5d".
type Duration allocator.Time

// MiB is a memory or disk size written "512MiB", "128GiB", "1TiB".
type MiB int64

// Milli is a CPU or GPU quantity written as a number of units (2, 0.5) or
// in milli units ("500m"); it holds milli units.
type Milli int64

// Rate is an arrival rate written as a number per second (12.5) or with a
// unit ("30/m", "1000/h", "2/d"); it holds events per second.
type Rate float64

func (x *Duration) decodeNode(d *decoder, n *yaml.Node, path string) error {
	if err := d.scalar(n, path, "a duration such as 90s, 2h or 1.5d"); err != nil {
		return err
	}
	v, err := parseDuration(n.Value)
	if err != nil {
		return d.errf(n, path, "%v", err)
	}
	*x = Duration(v)
	return nil
}

func (x *MiB) decodeNode(d *decoder, n *yaml.Node, path string) error {
	if err := d.scalar(n, path, "a size such as 512MiB or 128GiB"); err != nil {
		return err
	}
	v, err := parseMemory(n.Value)
	if err != nil {
		return d.errf(n, path, "%v", err)
	}
	*x = MiB(v)
	return nil
}

func (x *Milli) decodeNode(d *decoder, n *yaml.Node, path string) error {
	if err := d.scalar(n, path, "a number such as 2, 0.5 or 500m"); err != nil {
		return err
	}
	if t := n.ShortTag(); t != "!!int" && t != "!!float" && t != "!!str" {
		return d.errf(n, path, "want a number such as 2, 0.5 or 500m, got %s", kindName(n))
	}
	v, err := parseMilli(n.Value)
	if err != nil {
		return d.errf(n, path, "%v", err)
	}
	*x = Milli(v)
	return nil
}

var rateUnits = map[string]float64{"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}

func (x *Rate) decodeNode(d *decoder, n *yaml.Node, path string) error {
	const want = "a rate such as 12.5 (per second), 30/m or 1000/h"
	if err := d.scalar(n, path, want); err != nil {
		return err
	}
	num, unit, hasUnit := strings.Cut(n.Value, "/")
	per := 1.0
	if hasUnit {
		p, ok := rateUnits[strings.TrimSpace(unit)]
		if !ok {
			return d.errf(n, path, "unknown rate unit %q (want /s, /m, /h or /d)", unit)
		}
		per = p
	} else if t := n.ShortTag(); t != "!!int" && t != "!!float" {
		return d.errf(n, path, "want %s, got %s", want, kindName(n))
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || v != v || v > 1e12 {
		return d.errf(n, path, "want %s, got %q", want, n.Value)
	}
	if v < 0 {
		return d.errf(n, path, "must not be negative, got %s", n.Value)
	}
	*x = Rate(v / per)
	return nil
}
