package traces

import (
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding"
)

// colCursor reads one required leaf column of a Parquet file page by page
// into typed slices. Reading columns directly (instead of reconstructing Go
// structs row by row through reflection) is what makes canonical traces read
// at several million rows per second; string columns are dictionary-encoded
// and decoded once per dictionary, not once per row.
type colCursor struct {
	name   string
	file   string
	leaf   int
	groups []parquet.RowGroup
	g      int // next row group
	pages  parquet.Pages
	page   parquet.Page
	vals   parquet.ValueReader
	// Dictionary-encoded string pages.
	idx    []int32
	ipos   int
	dict   parquet.Dictionary
	strs   []string
	intern map[string]string
	vbuf   []parquet.Value
}

func newColCursor(pf *parquet.File, file, name string) (*colCursor, error) {
	leaf, ok := pf.Schema().Lookup(name)
	if !ok {
		return nil, fmt.Errorf("%s: no column %q", file, name)
	}
	if leaf.MaxRepetitionLevel != 0 || leaf.MaxDefinitionLevel != 0 {
		return nil, fmt.Errorf("%s: column %q must be required (not optional or repeated)", file, name)
	}
	return &colCursor{name: name, file: file, leaf: leaf.ColumnIndex, groups: pf.RowGroups(), intern: map[string]string{}}, nil
}

// nextPage moves to the next page, crossing row groups; io.EOF at the end.
func (c *colCursor) nextPage() error {
	if c.page != nil {
		parquet.Release(c.page)
		c.page, c.vals = nil, nil
	}
	for {
		if c.pages == nil {
			if c.g >= len(c.groups) {
				return io.EOF
			}
			c.pages = c.groups[c.g].ColumnChunks()[c.leaf].Pages()
			c.g++
		}
		p, err := c.pages.ReadPage()
		if err == io.EOF {
			c.pages.Close()
			c.pages = nil
			continue
		}
		if err != nil {
			return fmt.Errorf("%s: column %s: %w", c.file, c.name, err)
		}
		c.page = p
		if d := p.Dictionary(); d != nil {
			if d != c.dict {
				c.dict = d
				c.strs = c.strs[:0]
				for i := 0; i < d.Len(); i++ {
					b := d.Index(int32(i)).ByteArray()
					s, ok := c.intern[string(b)]
					if !ok {
						s = string(b)
						c.intern[s] = s
					}
					c.strs = append(c.strs, s)
				}
			}
			c.idx, c.ipos = nil, 0
			if dv, ok := p.(interface{ Data() encoding.Values }); ok {
				d := dv.Data()
				c.idx = d.Int32()
			}
			if c.idx == nil {
				c.vals = p.Values()
			}
			return nil
		}
		c.idx = nil
		c.vals = p.Values()
		return nil
	}
}

func (c *colCursor) close() {
	if c.page != nil {
		parquet.Release(c.page)
		c.page = nil
	}
	if c.pages != nil {
		c.pages.Close()
		c.pages = nil
	}
}

func (c *colCursor) int64s(dst []int64) error {
	return readValues(c, dst, "an int64", parquet.Int64Reader.ReadInt64s)
}

func (c *colCursor) int32s(dst []int32) error {
	return readValues(c, dst, "an int32", parquet.Int32Reader.ReadInt32s)
}

func (c *colCursor) bools(dst []bool) error {
	return readValues(c, dst, "a boolean", parquet.BooleanReader.ReadBooleans)
}

// readValues fills dst from the column's pages through the page reader's
// typed interface R (one call per page run, not per value).
func readValues[T any, R any](c *colCursor, dst []T, kind string, read func(R, []T) (int, error)) error {
	for n := 0; n < len(dst); {
		if c.vals == nil {
			if err := c.nextPage(); err != nil {
				return c.short(err)
			}
		}
		r, ok := c.vals.(R)
		if !ok {
			return fmt.Errorf("%s: column %s: not %s column", c.file, c.name, kind)
		}
		k, err := read(r, dst[n:])
		n += k
		if err == io.EOF {
			c.vals = nil
		} else if err != nil {
			return err
		}
	}
	return nil
}

// strings reads a byte-array column, dictionary-encoded or plain.
func (c *colCursor) strings(dst []string) error {
	for n := 0; n < len(dst); {
		if c.page == nil || (c.idx != nil && c.ipos >= len(c.idx)) {
			if err := c.nextPage(); err != nil {
				return c.short(err)
			}
		}
		if c.idx != nil {
			for ; n < len(dst) && c.ipos < len(c.idx); n, c.ipos = n+1, c.ipos+1 {
				i := c.idx[c.ipos]
				if i < 0 || int(i) >= len(c.strs) {
					return fmt.Errorf("%s: column %s: dictionary index %d out of range", c.file, c.name, i)
				}
				dst[n] = c.strs[i]
			}
			continue
		}
		if c.vals == nil {
			if err := c.nextPage(); err != nil {
				return c.short(err)
			}
			continue
		}
		if cap(c.vbuf) < 256 {
			c.vbuf = make([]parquet.Value, 256)
		}
		k, err := c.vals.ReadValues(c.vbuf[:min(256, len(dst)-n)])
		for _, v := range c.vbuf[:k] {
			b := v.ByteArray()
			s, ok := c.intern[string(b)]
			if !ok {
				s = string(b)
				if len(c.intern) < 1<<16 {
					c.intern[s] = s
				}
			}
			dst[n] = s
			n++
		}
		if err == io.EOF {
			c.vals = nil
		} else if err != nil {
			return err
		}
	}
	return nil
}

func (c *colCursor) short(err error) error {
	if err == io.EOF {
		return fmt.Errorf("%s: column %s has fewer values than rows", c.file, c.name)
	}
	return err
}
