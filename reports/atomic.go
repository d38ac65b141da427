package reports

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// atomicFile is an output written under a temporary name and renamed into
// place by Commit, so that a crash never leaves a complete-looking file.
type atomicFile struct {
	f     *os.File
	w     *bufio.Writer
	final string
}

func createAtomic(dir, name string) (*atomicFile, error) {
	f, err := os.CreateTemp(dir, "."+name+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("creating %s: %w", filepath.Join(dir, name), err)
	}
	return &atomicFile{f: f, w: bufio.NewWriterSize(f, 1<<20), final: filepath.Join(dir, name)}, nil
}

func (a *atomicFile) Write(p []byte) (int, error) { return a.w.Write(p) }

// Commit flushes, closes and renames the file into place. There is no fsync:
// the rename protects against an interrupted run, and syncing tens of MB per
// run would cost more than collecting the metrics (power loss is not covered).
func (a *atomicFile) Commit() error {
	err := a.w.Flush()
	if err == nil {
		err = a.f.Chmod(0o644) // CreateTemp makes 0600; outputs are for sharing
	}
	if cerr := a.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(a.f.Name(), a.final)
	}
	if err != nil {
		os.Remove(a.f.Name())
		return fmt.Errorf("writing %s: %w", a.final, err)
	}
	return nil
}

// Abort closes and removes the temporary file.
func (a *atomicFile) Abort() {
	a.f.Close()
	os.Remove(a.f.Name())
}

// WriteFileAtomic writes data to dir/name through a temporary file.
func WriteFileAtomic(dir, name string, data []byte) error {
	a, err := createAtomic(dir, name)
	if err != nil {
		return err
	}
	if _, err := a.Write(data); err != nil {
		a.Abort()
		return fmt.Errorf("writing %s: %w", a.final, err)
	}
	return a.Commit()
}

// Output file names in a run folder.
const (
	SummaryFile    = "summary.json"
	TasksFile      = "tasks.parquet"
	TimeseriesFile = "timeseries.parquet"
	CyclesFile     = "cycles.parquet"
	TimingFile     = "timing.json"
	AgentsFile     = "agents.parquet"
	ReportFile     = "report.html"
	FiguresDir     = "figures"
)

// removeStale deletes the outputs of an earlier run in dir so that an
// interrupted run cannot leave a mix of old complete files and nothing new.
func removeStale(dir string) error {
	for _, n := range []string{SummaryFile, TasksFile, TimeseriesFile, CyclesFile, AgentsFile, TimingFile, ReportFile} {
		if err := os.Remove(filepath.Join(dir, n)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}
