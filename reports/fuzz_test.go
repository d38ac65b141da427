package reports

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzReadSummary: any bytes as summary.json give a value or an error, never
// a panic.
func FuzzReadSummary(f *testing.F) {
	f.Add([]byte(`{"version":"v","seed":1,"tasks":{"wait_s":{"n":1,"p50":2}},"config":{"a":[1,2]}}`))
	f.Add([]byte(`{"tasks":{"outcomes":{"finished":3}}}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, SummaryFile), data, 0o644); err != nil {
			t.Fatal(err)
		}
		ReadSummary(dir)
	})
}

// FuzzStatTask: any outcome string converts or gives an error naming the row.
func FuzzStatTask(f *testing.F) {
	for _, s := range []string{"finished", "running", "unscheduled", "", "x"} {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, outcome string, started bool) {
		start := 1.0
		r := TaskRow{TaskID: 7, Outcome: outcome}
		if started {
			r.StartS = &start
		}
		if _, err := r.StatTask(); err != nil && outcome == "finished" {
			t.Fatalf("finished rejected: %v", err)
		}
	})
}
