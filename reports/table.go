package reports

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/parquet-go/parquet-go"
)

// colKind is the physical type of a flat column.
type colKind uint8

const (
	colInt64 colKind = iota
	colFloat64
)

// Column names one flat, required column of a table whose columns are only
// known at run time (per-role share columns, say).
type Column struct {
	Name string
	Kind colKind
}

// flatSchema builds a Parquet schema that keeps the columns in the given
// order (a parquet.Group would sort them by name).
func flatSchema(name string, cols []Column) (*parquet.Schema, error) {
	fields := make([]reflect.StructField, len(cols))
	seen := map[string]bool{}
	for i, c := range cols {
		if seen[c.Name] {
			return nil, fmt.Errorf("duplicate column %q", c.Name)
		}
		seen[c.Name] = true
		t := reflect.TypeFor[int64]()
		if c.Kind == colFloat64 {
			t = reflect.TypeFor[float64]()
		}
		fields[i] = reflect.StructField{
			Name: fmt.Sprintf("F%d", i), Type: t,
			Tag: reflect.StructTag(fmt.Sprintf(`parquet:%q`, c.Name)),
		}
	}
	v := reflect.New(reflect.StructOf(fields)).Elem().Interface()
	return parquet.NewSchema(name, parquet.SchemaOf(v)), nil
}

// flatWriter streams rows of a flat table; each row is filled in column order
// with Int/Float and ended with End.
type flatWriter struct {
	out  *atomicFile
	w    *parquet.Writer
	cols []Column
	row  parquet.Row
	buf  []parquet.Row
}

func newFlatWriter(dir, file, schemaName string, cols []Column) (*flatWriter, error) {
	s, err := flatSchema(schemaName, cols)
	if err != nil {
		return nil, err
	}
	out, err := createAtomic(dir, file)
	if err != nil {
		return nil, err
	}
	opts := append(writerOptions(), s)
	return &flatWriter{out: out, w: parquet.NewWriter(out, opts...), cols: cols}, nil
}

// Int appends the next column's value (an int64 column).
func (f *flatWriter) Int(v int64) {
	f.row = append(f.row, parquet.Int64Value(v).Level(0, 0, len(f.row)))
}

// Float appends the next column's value (a float64 column).
func (f *flatWriter) Float(v float64) {
	f.row = append(f.row, parquet.DoubleValue(v).Level(0, 0, len(f.row)))
}

// End finishes the row; it checks that every column got a value of its kind.
func (f *flatWriter) End() error {
	if len(f.row) != len(f.cols) {
		return fmt.Errorf("row has %d values for %d columns", len(f.row), len(f.cols))
	}
	for i, c := range f.cols {
		want := parquet.Int64
		if c.Kind == colFloat64 {
			want = parquet.Double
		}
		if f.row[i].Kind() != want {
			return fmt.Errorf("column %s: got a %s value", c.Name, f.row[i].Kind())
		}
	}
	f.buf = append(f.buf, f.row)
	f.row = make(parquet.Row, 0, len(f.cols))
	if len(f.buf) >= 1024 {
		return f.flush()
	}
	return nil
}

func (f *flatWriter) flush() error {
	if len(f.buf) == 0 {
		return nil
	}
	_, err := f.w.WriteRows(f.buf)
	f.buf = f.buf[:0]
	return err
}

func (f *flatWriter) close() error {
	err := f.flush()
	if err == nil {
		err = f.w.Close()
	}
	if err != nil {
		f.out.Abort()
		return err
	}
	return f.out.Commit()
}

func (f *flatWriter) abort() { f.out.Abort() }

// columnName turns a role or framework name into a column-name fragment:
// lower case letters, digits and underscores.
func columnName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "_"
	}
	return b.String()
}

// uniqueNames maps names to distinct column fragments (a clash gets the
// index appended).
func uniqueNames(names []string) []string {
	out := make([]string, len(names))
	seen := map[string]bool{}
	for i, n := range names {
		c := columnName(n)
		if seen[c] {
			c = fmt.Sprintf("%s_%d", c, i)
		}
		seen[c] = true
		out[i] = c
	}
	return out
}
