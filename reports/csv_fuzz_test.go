package reports_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/allocsim/allocsim/reports"
	"github.com/allocsim/allocsim/reports/reportstest"
)

// FuzzExportCSV: any bytes as timeseries.parquet are converted or refused
// with an error, never a panic.
func FuzzExportCSV(f *testing.F) {
	dir := f.TempDir()
	reportstest.MixedRun(f, dir, 1)
	for _, name := range []string{reports.TimeseriesFile, reports.CyclesFile} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("PAR1\x15\x00PAR1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		run := t.TempDir()
		if err := os.WriteFile(filepath.Join(run, reports.TimeseriesFile), data, 0o644); err != nil {
			t.Fatal(err)
		}
		reports.ExportCSV(run, "")
	})
}
