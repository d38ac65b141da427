package workloads

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
	"gonum.org/v1/gonum/stat/distuv"
)

// Dist is a distribution of one quantity, in its base unit (µs for
// durations, MiB for sizes, milli for CPUs and GPUs, a plain count for tasks).
// In YAML it is either a constant (`cpu: 2`, `duration: 1h`) or a mapping:
//
//	{dist: lognormal, median: 2GiB, sigma: 0.8, min: 128MiB, max: 64GiB}
//	{dist: pareto, xm: 60s, alpha: 1.5, max: 1d}
//	{dist: exponential, mean: 10m}
//	{dist: uniform, min: 1, max: 8}
//	{choices: [{value: 1, weight: 5}, {value: 8, weight: 1}]}
//
// min and max clip the draw (lognormal, pareto, exponential) or bound it
// (uniform).
type Dist struct {
	Kind    string   `json:"kind,omitempty"` // constant, uniform, lognormal, pareto, exponential, choice
	Unit    string   `json:"unit,omitempty"` // us, mib, milli or count: the unit of every value below
	Value   float64  `json:"value,omitempty"`
	Min     float64  `json:"min,omitempty"`
	Max     float64  `json:"max,omitempty"` // 0: unbounded
	Median  float64  `json:"median,omitempty"`
	Sigma   float64  `json:"sigma,omitempty"`
	Mean    float64  `json:"mean,omitempty"`
	Xm      float64  `json:"xm,omitempty"`
	Alpha   float64  `json:"alpha,omitempty"`
	Choices []Choice `json:"choices,omitempty"`
	set     bool     // the key was present in the file
}

// Choice is one value of a discrete distribution and its relative weight.
type Choice struct {
	Value  float64 `json:"value"`
	Weight float64 `json:"weight"`
}

// Set reports whether the scenario gave this distribution.
func (x *Dist) Set() bool { return x.set }

// Upper is the largest value a draw can take (+Inf when unbounded).
func (x *Dist) Upper() float64 {
	switch x.Kind {
	case "constant":
		return x.Value
	case "choice":
		m := 0.0
		for _, c := range x.Choices {
			if c.Weight > 0 {
				m = max(m, c.Value)
			}
		}
		return m
	}
	if x.Max > 0 {
		return x.Max
	}
	return math.Inf(1)
}

// unit says how a distribution's values are written.
type unit int

const (
	unitCount unit = iota
	unitDuration
	unitMem
	unitMilli
)

func (u unit) name() string {
	return [...]string{unitCount: "count", unitDuration: "us", unitMem: "mib", unitMilli: "milli"}[u]
}

func (u unit) want() string {
	switch u {
	case unitDuration:
		return "a duration such as 90s, 2h or 1.5d"
	case unitMem:
		return "a size such as 512MiB or 128GiB"
	case unitMilli:
		return "a number such as 2, 0.5 or 500m"
	}
	return "a number"
}

func (d *decoder) unitValue(n *yaml.Node, path string, u unit) (float64, error) {
	n, err := d.resolve(n, path)
	if err != nil {
		return 0, err
	}
	d.pos[path] = n.Line
	if err := d.scalar(n, path, u.want()); err != nil {
		return 0, err
	}
	switch u {
	case unitDuration:
		v, err := parseDuration(n.Value)
		if err != nil {
			return 0, d.errf(n, path, "%v", err)
		}
		return float64(v), nil
	case unitMem:
		v, err := parseMemory(n.Value)
		if err != nil {
			return 0, d.errf(n, path, "%v", err)
		}
		return float64(v), nil
	case unitMilli:
		if t := n.ShortTag(); t != "!!int" && t != "!!float" && t != "!!str" {
			return 0, d.errf(n, path, "want %s, got %s", u.want(), kindName(n))
		}
		v, err := parseMilli(n.Value)
		if err != nil {
			return 0, d.errf(n, path, "%v", err)
		}
		return float64(v), nil
	}
	return d.float(n, path)
}

var distKeys = map[string][]string{
	"constant":    {"value"},
	"uniform":     {"min", "max"},
	"lognormal":   {"median", "sigma", "min", "max"},
	"pareto":      {"xm", "alpha", "min", "max"},
	"exponential": {"mean", "min", "max"},
	"choice":      {"choices"},
}

var distKinds = []string{"constant", "uniform", "lognormal", "pareto", "exponential", "choice"}

func (d *decoder) decodeDist(n *yaml.Node, path string, u unit, x *Dist) error {
	n, err := d.resolve(n, path)
	if err != nil {
		return err
	}
	x.set, x.Unit = true, u.name()
	if n.Kind == yaml.ScalarNode {
		v, err := d.unitValue(n, path, u)
		if err != nil {
			return err
		}
		x.Kind, x.Value = "constant", v
		return nil
	}
	pairs, err := d.mappingPairs(n, path)
	if err != nil {
		return d.errf(n, path, "want %s or a distribution mapping ({dist: lognormal, median: …, sigma: …}), got %s", u.want(), kindName(n))
	}
	vals := map[string]*yaml.Node{}
	var order []string
	for _, kv := range pairs {
		vals[kv[0].Value] = kv[1]
		order = append(order, kv[0].Value)
		d.pos[join(path, kv[0].Value)] = kv[0].Line
	}
	kind := ""
	if k, ok := vals["dist"]; ok {
		if err := d.scalar(k, join(path, "dist"), "a distribution name"); err != nil {
			return err
		}
		kind = k.Value
		if _, ok := distKeys[kind]; !ok {
			return d.errf(k, join(path, "dist"), "unknown distribution %q (want %s)", kind, strings.Join(distKinds, ", "))
		}
	} else if _, ok := vals["choices"]; ok {
		kind = "choice"
	} else if _, ok := vals["value"]; ok {
		kind = "constant"
	} else {
		return d.errf(n, path, "missing key dist (one of %s)", strings.Join(distKinds, ", "))
	}
	x.Kind = kind
	allowed := distKeys[kind]
	for _, k := range order {
		if k == "dist" {
			continue
		}
		ok := false
		for _, a := range allowed {
			ok = ok || a == k
		}
		if !ok {
			return d.errf(vals[k], join(path, k), "unknown key for a %s distribution (known: dist, %s)", kind, strings.Join(allowed, ", "))
		}
	}
	for _, k := range allowed {
		if k == "min" || k == "max" {
			continue
		}
		if _, ok := vals[k]; !ok {
			return d.errf(n, join(path, k), "missing required key of a %s distribution", kind)
		}
	}
	get := func(key string, u unit, dst *float64) error {
		v, ok := vals[key]
		if !ok {
			return nil
		}
		f, err := d.unitValue(v, join(path, key), u)
		*dst = f
		return err
	}
	for _, g := range []struct {
		key string
		u   unit
		dst *float64
	}{
		{"value", u, &x.Value}, {"min", u, &x.Min}, {"max", u, &x.Max}, {"median", u, &x.Median},
		{"sigma", unitCount, &x.Sigma}, {"mean", u, &x.Mean}, {"xm", u, &x.Xm}, {"alpha", unitCount, &x.Alpha},
	} {
		if err := get(g.key, g.u, g.dst); err != nil {
			return err
		}
	}
	if c, ok := vals["choices"]; ok {
		if err := d.decodeChoices(c, join(path, "choices"), u, x); err != nil {
			return err
		}
	}
	return d.checkDist(n, path, x)
}

func (d *decoder) decodeChoices(n *yaml.Node, path string, u unit, x *Dist) error {
	n, err := d.resolve(n, path)
	if err != nil {
		return err
	}
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		return d.errf(n, path, "want a non-empty list of {value, weight}, got %s", kindName(n))
	}
	total := 0.0
	for i, c := range n.Content {
		p := path + "[" + strconv.Itoa(i) + "]"
		c, err := d.resolve(c, p)
		if err != nil {
			return err
		}
		d.pos[p] = c.Line
		pairs, err := d.mappingPairs(c, p)
		if err != nil {
			return err
		}
		ch := Choice{Weight: 1}
		gotValue := false
		for _, kv := range pairs {
			kp := join(p, kv[0].Value)
			d.pos[kp] = kv[0].Line
			switch kv[0].Value {
			case "value":
				if ch.Value, err = d.unitValue(kv[1], kp, u); err != nil {
					return err
				}
				gotValue = true
			case "weight":
				if ch.Weight, err = d.unitValue(kv[1], kp, unitCount); err != nil {
					return err
				}
			default:
				return d.errf(kv[0], kp, "unknown key (known keys here: value, weight)")
			}
		}
		if !gotValue {
			return d.errf(c, join(p, "value"), "missing required key")
		}
		total += ch.Weight
		if ch.Weight > 0 { // a zero weight is never drawn: keep it out of bounds and checks
			x.Choices = append(x.Choices, ch)
		}
	}
	if total <= 0 {
		return d.errf(n, path, "weights must not all be zero")
	}
	return nil
}

// checkDist checks the parameters of a decoded distribution.
func (d *decoder) checkDist(n *yaml.Node, path string, x *Dist) error {
	at := func(key string) (*yaml.Node, string) {
		p := join(path, key)
		if l, ok := d.pos[p]; ok {
			return &yaml.Node{Line: l}, p
		}
		return n, p // an absent key: point at the distribution
	}
	if x.Max > 0 && x.Min > x.Max {
		nn, p := at("min")
		return d.errf(nn, p, "min %g is above max %g", x.Min, x.Max)
	}
	switch x.Kind {
	case "uniform":
		if x.Max <= 0 {
			nn, p := at("max")
			return d.errf(nn, p, "a uniform distribution needs max > 0")
		}
	case "lognormal":
		if x.Median <= 0 {
			nn, p := at("median")
			return d.errf(nn, p, "must be > 0")
		}
		if x.Sigma > 20 {
			nn, p := at("sigma")
			return d.errf(nn, p, "sigma %g is implausibly large (want ≤ 20)", x.Sigma)
		}
	case "pareto":
		if x.Xm <= 0 {
			nn, p := at("xm")
			return d.errf(nn, p, "must be > 0")
		}
		if x.Alpha <= 0 {
			nn, p := at("alpha")
			return d.errf(nn, p, "must be > 0")
		}
	case "exponential":
		if x.Mean <= 0 {
			nn, p := at("mean")
			return d.errf(nn, p, "must be > 0")
		}
	}
	return nil
}

// Distribution types by unit: each decodes with its own value syntax.
type (
	// CountDist is a distribution of a plain number (tasks per job).
	CountDist struct{ Dist }
	// DurationDist is a distribution of durations.
	DurationDist struct{ Dist }
	// MemDist is a distribution of sizes (MiB).
	MemDist struct{ Dist }
	// MilliDist is a distribution of CPU or GPU quantities (milli).
	MilliDist struct{ Dist }
)

func (x *CountDist) decodeNode(d *decoder, n *yaml.Node, p string) error {
	return d.decodeDist(n, p, unitCount, &x.Dist)
}
func (x *DurationDist) decodeNode(d *decoder, n *yaml.Node, p string) error {
	return d.decodeDist(n, p, unitDuration, &x.Dist)
}
func (x *MemDist) decodeNode(d *decoder, n *yaml.Node, p string) error {
	return d.decodeDist(n, p, unitMem, &x.Dist)
}
func (x *MilliDist) decodeNode(d *decoder, n *yaml.Node, p string) error {
	return d.decodeDist(n, p, unitMilli, &x.Dist)
}

// sampler draws from a Dist with gonum distributions on an explicit source.
type sampler struct {
	kind     uint8
	value    float64
	min, max float64 // clip bounds; max ≤ 0 means none
	ln       distuv.LogNormal
	par      distuv.Pareto
	exp      distuv.Exponential
	uni      distuv.Uniform
	cat      distuv.Categorical
	values   []float64
}

const (
	sConst uint8 = iota
	sUniform
	sLogNormal
	sPareto
	sExp
	sChoice
)

func newSampler(x *Dist, src rand.Source) sampler {
	s := sampler{min: x.Min, max: x.Max, value: x.Value}
	switch x.Kind {
	case "uniform":
		s.kind, s.uni = sUniform, distuv.Uniform{Min: x.Min, Max: x.Max, Src: src}
	case "lognormal":
		s.kind, s.ln = sLogNormal, distuv.LogNormal{Mu: math.Log(x.Median), Sigma: x.Sigma, Src: src}
	case "pareto":
		s.kind, s.par = sPareto, distuv.Pareto{Xm: x.Xm, Alpha: x.Alpha, Src: src}
	case "exponential":
		s.kind, s.exp = sExp, distuv.Exponential{Rate: 1 / x.Mean, Src: src}
	case "choice":
		w := make([]float64, len(x.Choices))
		s.values = make([]float64, len(x.Choices))
		for i, c := range x.Choices {
			w[i], s.values[i] = c.Weight, c.Value
		}
		s.kind, s.cat = sChoice, distuv.NewCategorical(w, src)
	default:
		s.kind = sConst
	}
	return s
}

func (s *sampler) draw() float64 {
	var v float64
	switch s.kind {
	case sConst:
		return s.value
	case sChoice:
		return s.values[int(s.cat.Rand())]
	case sUniform:
		return s.uni.Rand()
	case sLogNormal:
		v = s.ln.Rand()
	case sPareto:
		v = s.par.Rand()
	case sExp:
		v = s.exp.Rand()
	}
	if v < s.min {
		v = s.min
	}
	if s.max > 0 && v > s.max {
		v = s.max
	}
	return v
}
