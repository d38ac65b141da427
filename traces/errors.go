package traces

import (
	"fmt"
)

// ParseError is a malformed input: where it is and what was expected.
type ParseError struct {
	File     string
	Line     int64 // 1-based; 0 when not line-oriented
	Column   string
	Value    string
	Expected string
}

func (e *ParseError) Error() string {
	v := e.Value
	if len(v) > 40 {
		v = v[:40] + "…"
	}
	if e.Column == "" {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Expected)
	}
	return fmt.Sprintf("%s:%d: column %s: got %q, expected %s", e.File, e.Line, e.Column, v, e.Expected)
}

// badRows decides what happens to a malformed row: an error, or (when the
// user asked to skip bad rows) a count under "bad_rows" plus the first error
// kept for the report.
type badRows struct {
	skip  bool
	stats *Stats
	First *ParseError
}

// handle returns err when rows are not skipped, nil after counting otherwise.
func (b *badRows) handle(err *ParseError) error {
	if !b.skip {
		return err
	}
	b.stats.Add("bad_rows", 1)
	if b.First == nil {
		b.First = err
	}
	return nil
}
