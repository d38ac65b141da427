package reports

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/allocsim/allocsim/internal/safeparquet"
	"github.com/allocsim/allocsim/reports/metrics"
	"github.com/parquet-go/parquet-go"
)

// ForEachTask streams the rows of dir/tasks.parquet to fn, in file order.
func ForEachTask(dir string, fn func(r *TaskRow) error) error {
	path := filepath.Join(dir, TasksFile)
	f, pf, err := openParquet(path)
	if err != nil {
		return err
	}
	defer f.Close()
	rd := parquet.NewGenericReader[TaskRow](pf)
	defer rd.Close()
	buf := make([]TaskRow, 1024)
	var row int64
	for {
		n, err := rd.Read(buf)
		for i := range n {
			row++
			if ferr := fn(&buf[i]); ferr != nil {
				return fmt.Errorf("%s: row %d: %w", path, row, ferr)
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: after row %d: %w", path, row, err)
		}
	}
}

// TaskStatsFromParquet recomputes the task statistics from tasks.parquet;
// they equal what the collector wrote to summary.json.
func TaskStatsFromParquet(dir string) (metrics.TaskSummary, error) {
	s := metrics.NewTaskStats()
	err := ForEachTask(dir, func(r *TaskRow) error {
		m, err := r.StatTask()
		if err != nil {
			return err
		}
		s.Add(&m)
		return nil
	})
	if err != nil {
		return metrics.TaskSummary{}, err
	}
	return s.Summary(), nil
}

// Table is a flat Parquet table read column by column as float64 (the
// time series and cycles files: small, and plotted as numbers).
type Table struct {
	Columns []string
	Data    [][]float64 // Data[col][row]
}

// Col returns the named column, or nil.
func (t *Table) Col(name string) []float64 {
	for i, c := range t.Columns {
		if c == name {
			return t.Data[i]
		}
	}
	return nil
}

// Rows is the number of rows.
func (t *Table) Rows() int {
	if len(t.Data) == 0 {
		return 0
	}
	return len(t.Data[0])
}

// ReadTable reads a flat file of the run folder (TimeseriesFile, CyclesFile).
func ReadTable(dir, file string) (*Table, error) {
	path := filepath.Join(dir, file)
	f, pf, err := openParquet(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t := &Table{}
	if t.Columns, err = flatColumns(pf, path); err != nil {
		return nil, err
	}
	t.Data = make([][]float64, len(t.Columns))
	rd := parquet.NewReader(pf)
	defer rd.Close()
	rows := make([]parquet.Row, 256)
	for {
		n, err := rd.ReadRows(rows)
		for _, r := range rows[:n] {
			if len(r) != len(t.Columns) {
				return nil, fmt.Errorf("%s: row with %d values for %d columns", path, len(r), len(t.Columns))
			}
			for _, v := range r {
				c := v.Column()
				switch v.Kind() {
				case parquet.Int64:
					t.Data[c] = append(t.Data[c], float64(v.Int64()))
				case parquet.Double:
					t.Data[c] = append(t.Data[c], v.Double())
				default:
					return nil, fmt.Errorf("%s: column %s: unexpected %s value", path, t.Columns[c], v.Kind())
				}
			}
		}
		if errors.Is(err, io.EOF) {
			return t, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
}

// openParquet opens one of a run's Parquet files through safeparquet's
// checks; the caller closes the file.
func openParquet(path string) (*os.File, *parquet.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	pf, err := safeparquet.OpenFile(f)
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, pf, nil
}

// flatColumns names a flat file's columns (every output of a run is flat).
func flatColumns(pf *parquet.File, path string) ([]string, error) {
	var cols []string
	for _, c := range pf.Schema().Columns() {
		if len(c) != 1 {
			return nil, fmt.Errorf("%s: column %v is not flat", path, c)
		}
		cols = append(cols, c[0])
	}
	return cols, nil
}
