package size

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// WriteTable writes the probes in value order as a Markdown table, each
// target's figure from the seed furthest from meeting it, and the answer.
func WriteTable(w io.Writer, s Search, r *Result) error {
	var b strings.Builder
	fmt.Fprintf(&b, "| %s | meets targets |", s.Path)
	for _, t := range s.Targets {
		fmt.Fprintf(&b, " %s (worst seed) |", t)
	}
	b.WriteString("\n|---|---|")
	b.WriteString(strings.Repeat("---|", len(s.Targets)))
	b.WriteByte('\n')
	probes := slices.Clone(r.Probes)
	slices.SortFunc(probes, func(a, b Probe) int { return cmp.Compare(a.Value, b.Value) })
	for _, p := range probes {
		fmt.Fprintf(&b, "| %d%s | %s |", p.Value, s.Suffix, map[bool]string{true: "yes", false: "no"}[p.Pass])
		for _, v := range p.Worst {
			fmt.Fprintf(&b, " %s |", num(float64(v)))
		}
		b.WriteByte('\n')
	}
	which := "Smallest"
	if s.Largest {
		which = "Largest"
	}
	targets := make([]string, len(s.Targets))
	for i, t := range s.Targets {
		targets[i] = t.String()
	}
	cond := fmt.Sprintf("%s in every one of %d seeds", strings.Join(targets, " and "), len(s.Seeds))
	if r.Found {
		fmt.Fprintf(&b, "\n%s %s from %d to %d (step %d) with %s: **%s** (%d probes; bisection assumes the targets are monotone in the setting)\n",
			which, s.Path, s.Lo, s.Hi, s.Step, cond, strconv.FormatInt(r.Answer, 10)+s.Suffix, len(r.Probes))
	} else {
		end := s.Hi
		if s.Largest {
			end = s.Lo
		}
		fmt.Fprintf(&b, "\nNo %s from %d to %d (step %d) gives %s: not even %d\n", s.Path, s.Lo, s.Hi, s.Step, cond, end)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the question and its result.
func WriteJSON(w io.Writer, s Search, r *Result) error {
	targets := make([]string, len(s.Targets))
	for i, t := range s.Targets {
		targets[i] = t.String()
	}
	doc := struct {
		Scenario string   `json:"scenario"`
		Path     string   `json:"path"`
		Suffix   string   `json:"suffix,omitempty"`
		Lo       int64    `json:"lo"`
		Hi       int64    `json:"hi"`
		Step     int64    `json:"step"`
		Largest  bool     `json:"largest"`
		Targets  []string `json:"targets"`
		Seeds    []uint64 `json:"seeds"`
		*Result
	}{s.File, s.Path, s.Suffix, s.Lo, s.Hi, s.Step, s.Largest, targets, s.Seeds, r}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

func num(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}

// Figure is a run's figure; NaN (a figure a run lacked) is null in JSON,
// which has no NaN or infinities.
type Figure float64

// MarshalJSON writes the number, or null for NaN.
func (f Figure) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
		return []byte("null"), nil
	}
	return json.Marshal(float64(f))
}
