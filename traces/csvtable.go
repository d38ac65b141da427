package traces

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// csvTable reads a small headed or headless comma-separated file row by row
// with columns found by name, for the Alibaba tables (no quoting in them).
type csvTable struct {
	name   string
	rc     io.ReadCloser
	lr     *lineReader
	cols   []string
	fields [][]byte
}

// openCSVTable opens path; when header is nil the first line is the header,
// otherwise header names the columns of a headerless file.
func openCSVTable(path string, header []string) (*csvTable, error) {
	rc, err := openText(path)
	if err != nil {
		return nil, err
	}
	t := &csvTable{name: path, rc: rc, lr: newLineReader(rc)}
	if header == nil {
		line, err := t.lr.next()
		if err != nil {
			rc.Close()
			if err == io.EOF {
				return nil, &ParseError{File: path, Line: 1, Expected: "a header line"}
			}
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		for _, c := range bytes.Split(line, []byte{','}) {
			header = append(header, string(bytes.TrimSpace(c)))
		}
	}
	t.cols = header
	t.fields = make([][]byte, len(header))
	return t, nil
}

// col returns the index of a column, or an error naming the missing one.
func (t *csvTable) col(name string) (int, error) {
	for i, c := range t.cols {
		if c == name {
			return i, nil
		}
	}
	return 0, &ParseError{File: t.name, Line: 1, Expected: fmt.Sprintf("a column named %q in the header %v", name, t.cols)}
}

// next splits the next non-empty line into t.fields; io.EOF at the end.
func (t *csvTable) next() error {
	for {
		line, err := t.lr.next()
		if errors.Is(err, errLineTooLong) {
			return &ParseError{File: t.name, Line: t.lr.line, Expected: expectedShortLine}
		}
		if err != nil {
			if err != io.EOF {
				return fmt.Errorf("%s:%d: %w", t.name, t.lr.line+1, err)
			}
			return err
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if n := splitFields(line, ',', t.fields); n != len(t.cols) {
			return &ParseError{File: t.name, Line: t.lr.line, Value: string(line),
				Expected: fmt.Sprintf("%d comma-separated fields, got %d", len(t.cols), n)}
		}
		return nil
	}
}

func (t *csvTable) errAt(col int, expected string) *ParseError {
	return &ParseError{File: t.name, Line: t.lr.line, Column: t.cols[col], Value: string(t.fields[col]), Expected: expected}
}

func (t *csvTable) Close() error { return t.rc.Close() }
