package html

import (
	"bytes"
	"cmp"
	"fmt"
	"html/template"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/allocsim/allocsim/reports"
	"github.com/allocsim/allocsim/reports/figures"
)

// Compare files written into the output folder.
const (
	CompareHTML = "compare.html"
	CompareMD   = "compare.md"
)

type compareView struct {
	Title   string
	Runs    []*run
	Header  []string
	Rows    []rowView
	Figures []figView
}

// runNames labels runs by folder name, made unique with the position when
// two folders share a name.
func runNames(dirs []string) []string {
	names := make([]string, len(dirs))
	seen := map[string]int{}
	for i, d := range dirs {
		n := strings.TrimRight(d, "/")
		if j := strings.LastIndex(n, "/"); j >= 0 {
			n = n[j+1:]
		}
		seen[n]++
		if seen[n] > 1 {
			n = fmt.Sprintf("%s#%d", n, i+1)
		}
		names[i] = n
	}
	return names
}

// Compare puts runs side by side: a table of every headline figure with the
// difference of each run from the first (the baseline), and overlaid
// figures. It writes out/compare.html (self-contained), out/compare.md and
// out/figures/cmp_*.svg/png.
func Compare(dirs []string, out string) error {
	if len(dirs) < 2 {
		return fmt.Errorf("compare needs at least two run folders, got %d", len(dirs))
	}
	names := runNames(dirs)
	var runs []*run
	var fruns []*figures.Run
	for i, d := range dirs {
		r, err := loadRun(d, names[i])
		if err != nil {
			return err
		}
		fr, err := figures.LoadRun(d, names[i])
		if err != nil {
			return err
		}
		runs = append(runs, r)
		fruns = append(fruns, fr)
	}
	figs, err := figures.Compare(fruns)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if err := writeFigures(out, figs); err != nil {
		return err
	}
	v := compareView{Title: "allocsim comparison: " + strings.Join(names, " vs "), Runs: runs, Figures: figViews(figs)}
	v.Header = append(v.Header, "figure")
	for i, r := range runs {
		v.Header = append(v.Header, r.Name)
		if i > 0 {
			v.Header = append(v.Header, r.Name+" − "+runs[0].Name)
		}
	}
	for _, m := range append(slices.Clip(metricRows), groupRows(runs)...) {
		row := rowView{Label: label(m)}
		base, baseOK := m.Get(runs[0])
		for i, r := range runs {
			x, ok := m.Get(r)
			cell := "–"
			if ok {
				cell = num(x)
			}
			row.Cells = append(row.Cells, cell)
			if i > 0 {
				d := "–"
				if ok && baseOK {
					d = diff(base, x)
				}
				row.Cells = append(row.Cells, d)
			}
		}
		v.Rows = append(v.Rows, row)
	}
	var h bytes.Buffer
	if err := compareTmpl.Execute(&h, v); err != nil {
		return fmt.Errorf("compare.html: %w", err)
	}
	if err := reports.WriteFileAtomic(out, CompareHTML, h.Bytes()); err != nil {
		return err
	}
	return reports.WriteFileAtomic(out, CompareMD, []byte(markdown(v)))
}

// markdown renders the comparison for a pull request or a paper draft; the
// figures are linked from figures/.
func markdown(v compareView) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", v.Title)
	for _, r := range v.Runs {
		s := r.Summary
		fmt.Fprintf(&b, "- **%s**: scenario `%s`, allocator `%s`, seed %d, allocsim %s (`%s`)\n", r.Name, s.Scenario, s.Allocator, s.Seed, s.Version, r.Dir)
	}
	b.WriteString("\n| " + strings.Join(mdEscape(v.Header), " | ") + " |\n|")
	for i := range v.Header {
		if i == 0 {
			b.WriteString(" --- |")
		} else {
			b.WriteString(" ---: |")
		}
	}
	b.WriteString("\n")
	for _, r := range v.Rows {
		b.WriteString("| " + mdCell(r.Label) + " | " + strings.Join(mdEscape(r.Cells), " | ") + " |\n")
	}
	fmt.Fprintf(&b, "\nDifferences are against %s. Quantiles: %s. † wall-clock figures: they differ between runs of the same input.\n\n", v.Runs[0].Name, reports.QuantileDefinition)
	for _, f := range v.Figures {
		fmt.Fprintf(&b, "![%s](figures/%s.svg)\n\n", f.Title, f.Name)
	}
	return b.String()
}

func mdCell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

func mdEscape(xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = mdCell(x)
	}
	return out
}

var compareTmpl = template.Must(template.New("compare").Funcs(funcs).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title><link rel="icon" href="data:,"><style>` + style + `</style></head>
<body>
<h1>{{.Title}}</h1>
<p class="note"><span id="figcheck" data-rendered="0">figures not checked</span></p>
<ul>{{range .Runs}}<li><b>{{.Name}}</b>: scenario {{.Summary.Scenario}}, allocator {{.Summary.Allocator}}, seed {{.Summary.Seed}}, allocsim {{.Summary.Version}} ({{.Dir}})</li>{{end}}</ul>
<h2>Summary</h2>
<table id="summary"><tr>{{range .Header}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr><td>{{.Label}}</td>{{range .Cells}}<td>{{.}}</td>{{end}}</tr>
{{end}}</table>
<p class="note">Differences are against the first run. † wall-clock figures: they differ between runs of the same input.</p>
<h2>Figures</h2>
{{range .Figures}}<figure id="fig-{{.Name}}"><img class="figure" alt="{{.Title}}" src="{{.URI}}"><figcaption>{{.Title}} (figures/{{.Name}}.svg, .png)</figcaption></figure>
{{end}}
` + figCheck + `
</body></html>
`))

// groupRows are the wait of each priority and each framework that any of
// the runs has (mean and p99), so that a comparison shows who gained and
// who paid — preemption's point — and, for the frameworks with attempts
// that never started in some run, how many there were: a framework a
// policy starves has no started waits to show. A run without the group
// shows "–". Priorities come highest first, frameworks in the first run's
// order.
func groupRows(runs []*run) []metric {
	var prios, fws, starved []string
	for _, r := range runs {
		for _, g := range r.Summary.WaitSByPriority {
			if !slices.Contains(prios, g.Name) {
				prios = append(prios, g.Name)
			}
		}
		for _, g := range r.Summary.WaitSByFw {
			if !slices.Contains(fws, g.Name) {
				fws = append(fws, g.Name)
			}
		}
		for _, g := range r.Summary.UnscheduledWaitSByFw {
			if !slices.Contains(starved, g.Name) {
				starved = append(starved, g.Name)
			}
		}
	}
	slices.SortStableFunc(prios, func(a, b string) int {
		x, errA := strconv.Atoi(a)
		y, errB := strconv.Atoi(b)
		if errA != nil || errB != nil {
			return strings.Compare(a, b)
		}
		return cmp.Compare(y, x)
	})
	var out []metric
	add := func(what, name string, groups func(s *reports.Summary) []reports.NamedDist) {
		for _, q := range []struct {
			label string
			get   func(g *reports.NamedDist) float64
		}{{"mean", func(g *reports.NamedDist) float64 { return g.Dist.Mean }}, {"p99", func(g *reports.NamedDist) float64 { return g.Dist.P99 }}} {
			out = append(out, metric{Label: fmt.Sprintf("wait %s, %s %s", q.label, what, name), Unit: "s",
				Get: func(r *run) (float64, bool) {
					gs := groups(r.Summary)
					i := slices.IndexFunc(gs, func(g reports.NamedDist) bool { return g.Name == name })
					if i < 0 {
						return 0, false
					}
					return q.get(&gs[i]), true
				}})
		}
	}
	for _, p := range prios {
		add("priority", p, func(s *reports.Summary) []reports.NamedDist { return s.WaitSByPriority })
	}
	for _, f := range fws {
		add("framework", f, func(s *reports.Summary) []reports.NamedDist { return s.WaitSByFw })
	}
	for _, f := range starved {
		out = append(out, metric{Label: "never scheduled, framework " + f, Get: func(r *run) (float64, bool) {
			gs := r.Summary.UnscheduledWaitSByFw
			if i := slices.IndexFunc(gs, func(g reports.NamedDist) bool { return g.Name == f }); i >= 0 {
				return float64(gs[i].Dist.N), true
			}
			return 0, true // none of its attempts went unscheduled
		}})
	}
	return out
}
