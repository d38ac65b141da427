package reports

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/parquet-go/parquet-go"
)

// CSVFiles are the run's Parquet outputs ExportCSV converts, in order.
var CSVFiles = []string{TimeseriesFile, CyclesFile, AgentsFile, TasksFile}

// ExportCSV writes a CSV file (RFC 4180, a header of the Parquet column
// names, nulls as empty fields) next to each of the run's Parquet outputs
// in dir, or in out when it is not empty: for spreadsheets and tools without
// a Parquet reader. Integers are written in full and doubles in the shortest
// form that reads back to the same value, so the files are as deterministic
// as the Parquet ones. Rows are streamed: memory does not grow with the run.
// It returns the paths written.
func ExportCSV(dir, out string) ([]string, error) {
	if out == "" {
		out = dir
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	var written []string
	for _, name := range CSVFiles {
		csvName := strings.TrimSuffix(name, ".parquet") + ".csv"
		if err := exportOne(filepath.Join(dir, name), out, csvName); err != nil {
			return written, err
		}
		written = append(written, filepath.Join(out, csvName))
	}
	return written, nil
}

func exportOne(path, out, name string) error {
	f, pf, err := openParquet(path)
	if err != nil {
		return err
	}
	defer f.Close()
	head, err := flatColumns(pf, path)
	if err != nil {
		return err
	}
	a, err := createAtomic(out, name)
	if err != nil {
		return err
	}
	if err := writeCSV(pf, path, head, a); err != nil {
		a.Abort()
		return err
	}
	return a.Commit()
}

func writeCSV(pf *parquet.File, path string, head []string, w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(head); err != nil {
		return err
	}
	rd := parquet.NewReader(pf)
	defer rd.Close()
	rows := make([]parquet.Row, 256)
	rec := make([]string, len(head))
	for {
		n, err := rd.ReadRows(rows)
		for _, r := range rows[:n] {
			if len(r) != len(head) {
				return fmt.Errorf("%s: row with %d values for %d columns", path, len(r), len(head))
			}
			for _, v := range r {
				s, ferr := field(v)
				if ferr != nil {
					return fmt.Errorf("%s: column %s: %w", path, head[v.Column()], ferr)
				}
				rec[v.Column()] = s
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	cw.Flush()
	return cw.Error()
}

func field(v parquet.Value) (string, error) {
	if v.IsNull() {
		return "", nil
	}
	switch v.Kind() {
	case parquet.Boolean:
		return strconv.FormatBool(v.Boolean()), nil
	case parquet.Int32:
		return strconv.FormatInt(int64(v.Int32()), 10), nil
	case parquet.Int64:
		return strconv.FormatInt(v.Int64(), 10), nil
	case parquet.Float:
		return strconv.FormatFloat(float64(v.Float()), 'g', -1, 32), nil
	case parquet.Double:
		return strconv.FormatFloat(v.Double(), 'g', -1, 64), nil
	case parquet.ByteArray:
		return string(v.ByteArray()), nil
	}
	return "", fmt.Errorf("unexpected %s value", v.Kind())
}
