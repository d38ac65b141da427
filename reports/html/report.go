package html

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/allocsim/allocsim/reports"
	"github.com/allocsim/allocsim/reports/figures"
)

func loadRun(dir, name string) (*run, error) {
	s, err := reports.ReadSummary(dir)
	if err != nil {
		return nil, fmt.Errorf("%s is not a complete run folder: %w", dir, err)
	}
	r := &run{Name: name, Dir: dir, Summary: s}
	if t, err := reports.ReadTiming(dir); err == nil {
		r.Timing = t
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	return r, nil
}

// writeFigures writes figures/<name>.svg and .png under dir.
func writeFigures(dir string, figs []figures.Figure) error {
	fd := filepath.Join(dir, reports.FiguresDir)
	if err := os.MkdirAll(fd, 0o755); err != nil {
		return err
	}
	for _, f := range figs {
		if err := reports.WriteFileAtomic(fd, f.Name+".svg", f.SVG); err != nil {
			return err
		}
		if err := reports.WriteFileAtomic(fd, f.Name+".png", f.PNG); err != nil {
			return err
		}
	}
	return nil
}

type figView struct {
	Name, Title string
	URI         template.URL
}

func figViews(figs []figures.Figure) []figView {
	out := make([]figView, len(figs))
	for i, f := range figs {
		out[i] = figView{Name: f.Name, Title: f.Title,
			URI: template.URL("data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString(f.SVG))}
	}
	return out
}

type rowView struct {
	Label string
	Cells []string
}

type groupView struct {
	Title string
	Rows  []reports.NamedDist
}

type reportView struct {
	Title     string
	Summary   *reports.Summary
	Rows      []rowView
	Groups    []groupView
	Figures   []figView
	Config    string
	Quantiles string
	Counters  []counterView // a trace replay's workload counters, by name
}

type counterView struct {
	Name  string
	Value int64
}

// Generate writes dir/figures/* and dir/report.html from the run folder's
// files. It is what `allocsim run` calls after a run and what
// `allocsim report RUN` calls on a finished one.
func Generate(dir string) error {
	r, err := loadRun(dir, filepath.Base(dir))
	if err != nil {
		return err
	}
	fr, err := figures.LoadRun(dir, r.Name)
	if err != nil {
		return err
	}
	figs, err := figures.ForRun(fr)
	if err != nil {
		return err
	}
	if err := writeFigures(dir, figs); err != nil {
		return err
	}
	s := r.Summary
	v := reportView{
		Title:     fmt.Sprintf("allocsim run: %s (%s, seed %d)", s.Scenario, s.Allocator, s.Seed),
		Summary:   s,
		Figures:   figViews(figs),
		Quantiles: s.Quantiles,
	}
	for _, m := range metricRows {
		if x, ok := m.Get(r); ok {
			v.Rows = append(v.Rows, rowView{Label: label(m), Cells: []string{num(x)}})
		}
	}
	v.Groups = []groupView{
		{"Wait (s) by framework", s.WaitSByFw}, {"Wait (s) by priority", s.WaitSByPriority},
		{"Wait (s) by class", s.WaitSByClass}, {"Job completion time (s) by framework", s.JCTSByFw},
		{"Never started: time waited (s) by framework, when the run stopped or gave them up", s.UnscheduledWaitSByFw},
	}
	for _, k := range slices.Sorted(maps.Keys(s.WorkloadCounters)) {
		v.Counters = append(v.Counters, counterView{k, s.WorkloadCounters[k]})
	}
	var cfg bytes.Buffer
	if err := json.Indent(&cfg, s.Config, "", "  "); err != nil {
		cfg.Reset()
		cfg.Write(s.Config)
	}
	v.Config = cfg.String()
	var out bytes.Buffer
	if err := reportTmpl.Execute(&out, v); err != nil {
		return fmt.Errorf("report.html: %w", err)
	}
	return reports.WriteFileAtomic(dir, reports.ReportFile, out.Bytes())
}

var funcs = template.FuncMap{"num": num}

const style = `
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}
td:first-child,th:first-child{text-align:left}tr:nth-child(even){background:#f6f6f6}
figure{margin:1.5em 0}figure img{width:100%;max-width:900px;border:1px solid #eee}figcaption{color:#555;font-size:.9em}
pre{background:#f6f6f6;padding:1em;overflow:auto;font-size:.85em}.note{color:#555;font-size:.9em}`

// figCheck counts the figures that decoded (naturalWidth > 0) once the page
// has loaded and shows it, so a headless browser's DOM dump proves it.
const figCheck = `<script>
window.addEventListener("load", function () {
  var imgs = document.querySelectorAll("img.figure"), ok = 0;
  for (var i = 0; i < imgs.length; i++) { if (imgs[i].complete && imgs[i].naturalWidth > 0) ok++; }
  var el = document.getElementById("figcheck");
  el.textContent = ok + " of " + imgs.length + " figures rendered";
  el.setAttribute("data-rendered", String(ok));
});
</script>`

var reportTmpl = template.Must(template.New("report").Funcs(funcs).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title><link rel="icon" href="data:,"><style>` + style + `</style></head>
<body>
<h1>{{.Title}}</h1>
<p class="note">allocsim {{.Summary.Version}} · simulated {{num .Summary.EndS}} s{{if .Summary.Drained}} (workload drained){{end}} · samples every {{num .Summary.SampleIntervalS}} s · <span id="figcheck" data-rendered="0">figures not checked</span></p>
<h2>Summary</h2>
<table id="summary"><tr><th>figure</th><th>value</th></tr>
{{range .Rows}}<tr><td>{{.Label}}</td>{{range .Cells}}<td>{{.}}</td>{{end}}</tr>
{{end}}</table>
<p class="note">Quantiles: {{.Quantiles}}. Bounded slowdown = max(1, (wait + run) / max(run, 10 s)). † wall-clock figures (timing.json): they differ between runs of the same input.</p>
{{range .Groups}}{{if .Rows}}<h2>{{.Title}}</h2>
<table><tr><th>group</th><th>n</th><th>mean</th><th>p50</th><th>p90</th><th>p99</th><th>max</th></tr>
{{range .Rows}}<tr><td>{{.Name}}</td><td>{{.Dist.N}}</td><td>{{num .Dist.Mean}}</td><td>{{num .Dist.P50}}</td><td>{{num .Dist.P90}}</td><td>{{num .Dist.P99}}</td><td>{{num .Dist.Max}}</td></tr>
{{end}}</table>{{end}}{{end}}
{{if .Counters}}<h2>Workload</h2>
<table id="workload"><tr><th>counter</th><th>value</th></tr>
{{range .Counters}}<tr><td>{{.Name}}</td><td>{{.Value}}</td></tr>
{{end}}</table>
<p class="note">The trace replay's counters: tasks replayed, dropped and why, placement constraints kept or ignored.</p>{{end}}
<h2>Figures</h2>
{{range .Figures}}<figure id="fig-{{.Name}}"><img class="figure" alt="{{.Title}}" src="{{.URI}}"><figcaption>{{.Title}} (figures/{{.Name}}.svg, .png)</figcaption></figure>
{{end}}
<h2>Config</h2>
<p class="note">The exact resolved configuration of the run.</p>
<pre id="config">{{.Config}}</pre>
` + figCheck + `
</body></html>
`))
