package html_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/allocsim/allocsim/reports"
	"github.com/allocsim/allocsim/reports/html"
	"github.com/allocsim/allocsim/reports/reportstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var wantFigures = []string{"utilisation", "pending", "wait_cdf", "shares_roles", "shares_frameworks", "fairness", "fragmentation", "cycle_time"}

func TestGenerateWritesSelfContainedReport(t *testing.T) {
	dir := t.TempDir()
	reportstest.TinyRun(t, dir)
	require.NoError(t, html.Generate(dir))
	b, err := os.ReadFile(filepath.Join(dir, reports.ReportFile))
	require.NoError(t, err)
	page := string(b)
	for _, f := range wantFigures {
		for _, ext := range []string{".svg", ".png"} {
			st, err := os.Stat(filepath.Join(dir, reports.FiguresDir, f+ext))
			require.NoError(t, err)
			assert.Positive(t, st.Size())
		}
		assert.Contains(t, page, `id="fig-`+f+`"`)
	}
	assert.Equal(t, len(wantFigures), strings.Count(page, `src="data:image/svg`))
	// Self-contained: nothing is fetched from a network or another file.
	assert.NotRegexp(t, regexp.MustCompile(`(src|href)="(https?:)?//`), page)
	assert.Contains(t, page, "wait p99 (s)")
	assert.Contains(t, page, `&#34;agents&#34;: 2`, "the config is shown")
	svg, err := os.ReadFile(filepath.Join(dir, reports.FiguresDir, "wait_cdf.svg"))
	require.NoError(t, err)
	assert.Contains(t, string(svg), "Task wait time")
	assert.Contains(t, string(svg), "wait (s)")
	assert.Contains(t, string(svg), "web", "legend names the framework")
}

func TestReportInHeadlessChromium(t *testing.T) {
	browser := reportstest.Chromium(t)
	dir := t.TempDir()
	reportstest.TinyRun(t, dir)
	require.NoError(t, html.Generate(dir))
	shot := filepath.Join(reportstest.Artifacts(t), "report.png")
	p := reportstest.Open(t, browser, filepath.Join(dir, reports.ReportFile), shot)
	assert.Empty(t, p.ConsoleErrors, "console errors:\n%s", p.Log)
	n := len(wantFigures)
	assert.Contains(t, p.DOM, `data-rendered="8"`, "every figure decoded in the browser")
	assert.Contains(t, p.DOM, "8 of 8 figures rendered")
	assert.Equal(t, n, strings.Count(p.DOM, `class="figure"`))
	t.Logf("screenshot: %s", shot)
}

// The console check must be able to fail: a page with a script error.
func TestChromiumCheckSeesConsoleErrors(t *testing.T) {
	browser := reportstest.Chromium(t)
	f := filepath.Join(t.TempDir(), "bad.html")
	require.NoError(t, os.WriteFile(f, []byte(`<!DOCTYPE html><html><body><img class="figure" src="data:image/svg+xml;base64,AAAA"><script>undefinedFunction();</script></body></html>`), 0o644))
	p := reportstest.Open(t, browser, f, "")
	assert.NotEmpty(t, p.ConsoleErrors)
}

func TestCompare(t *testing.T) {
	a, b := filepath.Join(t.TempDir(), "runA"), filepath.Join(t.TempDir(), "runB")
	reportstest.TinyRun(t, a)
	reportstest.TinyRun(t, b)
	out := t.TempDir()
	require.NoError(t, html.Compare([]string{a, b}, out))
	md, err := os.ReadFile(filepath.Join(out, html.CompareMD))
	require.NoError(t, err)
	m := string(md)
	assert.Contains(t, m, "| figure | runA | runB | runB − runA |")
	assert.Contains(t, m, "| wait mean (s) | 6 | 6 | 0 |")
	assert.Contains(t, m, "![Task wait time, CDF](figures/cmp_wait_cdf.svg)")
	h, err := os.ReadFile(filepath.Join(out, html.CompareHTML))
	require.NoError(t, err)
	assert.Equal(t, 7, strings.Count(string(h), `src="data:image/svg`))
	assert.Error(t, html.Compare([]string{a}, out), "one run is not a comparison")
	assert.ErrorContains(t, html.Compare([]string{a, t.TempDir()}, out), "not a complete run folder")
}
