package safeparquet

import (
	"errors"
	"fmt"
)

// maxDepth bounds the nesting of structs, lists, sets and maps, as Apache
// Thrift's own readers do (DEFAULT_RECURSION_DEPTH). A Parquet footer needs
// fewer than ten levels.
const maxDepth = 64

// errShort: the buffer ends inside the value. A caller reading a window of
// the file may retry with a larger one.
var errShort = errors.New("truncated Thrift value")

// Thrift compact protocol type codes.
const (
	tTrue, tFalse, tByte, tI16, tI32, tI64, tDouble, tBinary = 1, 2, 3, 4, 5, 6, 7, 8
	tList, tSet, tMap, tStruct                               = 9, 10, 11, 12
)

// container is one open level of a value being walked.
type container struct {
	kind      byte  // tStruct, tList (also sets) or tMap
	left      int64 // elements (lists) or keys and values (maps) still to read
	elem, val byte  // element type (lists), key and value types (maps)
	lastField int16 // last field id read (structs), for the delta encoding
}

// walkStruct reads one compact-protocol struct from b without recursion and
// returns its length in bytes. It rejects nesting deeper than maxDepth and
// sizes larger than the bytes left, so that parquet-go never recurses or
// allocates on the word of a damaged file. fields, if not nil, sees every
// integer and boolean (1 or 0) field of the outermost struct (parent 0) and
// of the structs directly in it (parent: the outer field's id).
func walkStruct(b []byte, fields func(parent, id int16, v int64)) (int, error) {
	w := walker{b: b}
	stack := []container{{kind: tStruct}}
	for len(stack) > 0 {
		c := &stack[len(stack)-1]
		var typ byte
		var id int16
		switch c.kind {
		case tStruct:
			h, err := w.byte()
			if err != nil {
				return 0, err
			}
			if h == 0 { // stop
				stack = stack[:len(stack)-1]
				continue
			}
			typ = h & 0x0f
			if d := int16(h >> 4); d != 0 {
				id = c.lastField + d
			} else {
				v, err := w.varint()
				if err != nil {
					return 0, err
				}
				id = int16(unzigzag(v))
			}
			c.lastField = id
		case tList:
			if c.left == 0 {
				stack = stack[:len(stack)-1]
				continue
			}
			c.left--
			typ = c.elem
		case tMap:
			if c.left == 0 {
				stack = stack[:len(stack)-1]
				continue
			}
			typ = c.val
			if c.left%2 == 0 {
				typ = c.elem
			}
			c.left--
		}
		inList := c.kind != tStruct
		switch typ {
		case tTrue, tFalse:
			if inList { // list elements of type bool take one byte each
				if _, err := w.byte(); err != nil {
					return 0, err
				}
			} else if fields != nil && len(stack) <= 2 {
				fields(parentOf(stack), id, int64(tFalse-typ))
			}
		case tByte:
			if _, err := w.byte(); err != nil {
				return 0, err
			}
		case tI16, tI32, tI64:
			v, err := w.varint()
			if err != nil {
				return 0, err
			}
			if fields != nil && len(stack) <= 2 && c.kind == tStruct {
				fields(parentOf(stack), id, unzigzag(v))
			}
		case tDouble:
			if err := w.skip(8); err != nil {
				return 0, err
			}
		case tBinary:
			n, err := w.varint()
			if err != nil {
				return 0, err
			}
			if err := w.skip(n); err != nil {
				return 0, err
			}
		case tList, tSet, tMap, tStruct:
			if len(stack) >= maxDepth {
				return 0, fmt.Errorf("Thrift value nested deeper than %d levels", maxDepth)
			}
			next, err := w.open(typ)
			if err != nil {
				return 0, err
			}
			stack = append(stack, next)
		default:
			return 0, fmt.Errorf("Thrift value of unknown type %d at byte %d", typ, w.i)
		}
	}
	return w.i, nil
}

// parentOf is the field id of the struct open at depth 2 (0 at depth 1).
func parentOf(stack []container) int16 {
	if len(stack) < 2 || stack[0].kind != tStruct {
		return 0
	}
	return stack[0].lastField
}

type walker struct {
	b []byte
	i int
}

func (w *walker) byte() (byte, error) {
	if w.i >= len(w.b) {
		return 0, errShort
	}
	w.i++
	return w.b[w.i-1], nil
}

func (w *walker) varint() (uint64, error) {
	var v uint64
	for shift := 0; shift < 64; shift += 7 {
		c, err := w.byte()
		if err != nil {
			return 0, err
		}
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v, nil
		}
	}
	return 0, fmt.Errorf("Thrift varint longer than 10 bytes at byte %d", w.i)
}

func (w *walker) skip(n uint64) error {
	if n > uint64(len(w.b)-w.i) {
		return errShort
	}
	w.i += int(n)
	return nil
}

// open reads a container's header. Every element takes at least one byte,
// so a count larger than the bytes left cannot be true.
func (w *walker) open(typ byte) (container, error) {
	switch typ {
	case tStruct:
		return container{kind: tStruct}, nil
	case tList, tSet:
		h, err := w.byte()
		if err != nil {
			return container{}, err
		}
		n := uint64(h >> 4)
		if n == 15 {
			if n, err = w.varint(); err != nil {
				return container{}, err
			}
		}
		if n > uint64(len(w.b)-w.i) {
			return container{}, errShort
		}
		return container{kind: tList, left: int64(n), elem: h & 0x0f}, nil
	default: // map
		n, err := w.varint()
		if err != nil {
			return container{}, err
		}
		if n == 0 {
			return container{kind: tMap}, nil
		}
		kv, err := w.byte()
		if err != nil {
			return container{}, err
		}
		if n > uint64(len(w.b)-w.i)/2 {
			return container{}, errShort
		}
		return container{kind: tMap, left: 2 * int64(n), elem: kv >> 4, val: kv & 0x0f}, nil
	}
}

func unzigzag(v uint64) int64 { return int64(v>>1) ^ -int64(v&1) }
