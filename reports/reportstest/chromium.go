package reportstest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Chromium returns the headless browser to open reports with: $ALLOCSIM_CHROMIUM,
// or chromium / chromium-browser / google-chrome on PATH. Without one the test
// is skipped — except in CI (CI set), which installs Debian's chromium, where
// a missing browser fails the test.
func Chromium(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("ALLOCSIM_CHROMIUM"); p != "" {
		return p
	}
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no chromium on PATH: CI must install it (.ci/run: apt-get install chromium)")
	}
	t.Skip("skipping: no chromium on PATH (install Debian's chromium package; .ci/run does)")
	return ""
}

// Artifacts is the folder for test artifacts: $ALLOCSIM_ARTIFACTS (created if
// needed) or the test's temporary folder.
func Artifacts(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("ALLOCSIM_ARTIFACTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatalf("artifacts folder: %v", err)
		}
		return d
	}
	return t.TempDir()
}

// Page is what headless Chromium made of an HTML file.
type Page struct {
	DOM           string   // the DOM after load (scripts run)
	ConsoleErrors []string // console messages and uncaught errors from the log
	Log           string
}

var consoleLine = regexp.MustCompile(`(?m)^.*:CONSOLE(\(\d+\))?\].*$|^.*Uncaught .*$`)

func headless(t testing.TB, browser string, args ...string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir=" + t.TempDir(), "--enable-logging=stderr", "--v=0",
		"--virtual-time-budget=5000"}
	cmd := exec.CommandContext(ctx, browser, append(base, args...)...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\n%s", browser, args, err, errb.String())
	}
	return out.String(), errb.String()
}

// Open loads the file in headless Chromium with networking off, returns the
// DOM and the console messages, and saves a full-page screenshot to shot
// (when not empty).
func Open(t testing.TB, browser, file, shot string) Page {
	t.Helper()
	abs, err := filepath.Abs(file)
	if err != nil {
		t.Fatal(err)
	}
	url := "file://" + abs
	dom, log := headless(t, browser, "--dump-dom", url)
	p := Page{DOM: dom, Log: log}
	for _, l := range consoleLine.FindAllString(log, -1) {
		p.ConsoleErrors = append(p.ConsoleErrors, strings.TrimSpace(l))
	}
	if shot != "" {
		_, slog := headless(t, browser, "--screenshot="+shot, "--window-size=1200,4000", "--hide-scrollbars", url)
		p.Log += slog
		for _, l := range consoleLine.FindAllString(slog, -1) {
			p.ConsoleErrors = append(p.ConsoleErrors, strings.TrimSpace(l))
		}
		if st, err := os.Stat(shot); err != nil || st.Size() == 0 {
			t.Fatalf("no screenshot at %s: %v\n%s", shot, err, slog)
		}
	}
	return p
}
