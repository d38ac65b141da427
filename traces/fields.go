package traces

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"math/bits"
)

// lineReader hands out lines of a text stream without allocating: each line
// is a slice into the bufio buffer, valid until the next call.
type lineReader struct {
	br   *bufio.Reader
	line int64
}

// maxLine is the longest line a reader takes: its buffer's size (trace
// rows are ~100 bytes; a longer line is a damaged file).
const maxLine = 256 << 10

var errLineTooLong = errors.New("line longer than 256 KiB")

// expectedShortLine is what a ParseError for an over-long line expected.
const expectedShortLine = "a line of at most 256 KiB (a damaged file?)"

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, maxLine)}
}

// next returns the next line without its "\n" (and "\r"), or io.EOF. A line
// longer than maxLine is read past and counted, and errLineTooLong returned,
// so that a reader skipping bad rows can go on at the line after it.
func (l *lineReader) next() ([]byte, error) {
	b, err := l.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		for err == bufio.ErrBufferFull {
			_, err = l.br.ReadSlice('\n')
		}
		if err != nil && err != io.EOF {
			return nil, err
		}
		l.line++
		return nil, errLineTooLong
	}
	if err == io.EOF {
		if len(b) == 0 {
			return nil, io.EOF
		}
		err = nil
	}
	if err != nil {
		return nil, err
	}
	l.line++
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return b, nil
}

// splitFields splits line at sep into dst (no quoting: the traces have none)
// and returns the number of fields found (fields past len(dst) are counted,
// not stored). It tests eight bytes at a time for sep: it is the innermost
// loop of every CSV reader (a task_events row is ~100 bytes, 13 fields).
func splitFields(line []byte, sep byte, dst [][]byte) int {
	n, start := 0, 0
	const lo7 = 0x7f7f7f7f7f7f7f7f
	pat := uint64(sep) * 0x0101010101010101
	i := 0
	for ; i+8 <= len(line); i += 8 {
		x := binary.LittleEndian.Uint64(line[i:]) ^ pat
		// 0x80 in each byte of x that is zero (exact: no carries between bytes).
		m := ^((x&lo7 + lo7) | x | lo7)
		for m != 0 {
			j := i + bits.TrailingZeros64(m)>>3
			if n < len(dst) {
				dst[n] = line[start:j]
			}
			n++
			start = j + 1
			m &= m - 1
		}
	}
	for ; i < len(line); i++ {
		if line[i] == sep {
			if n < len(dst) {
				dst[n] = line[start:i]
			}
			n++
			start = i + 1
		}
	}
	if n < len(dst) {
		dst[n] = line[start:]
	}
	return n + 1
}

// splitSpace splits at runs of spaces and tabs (SWF).
func splitSpace(line []byte, dst [][]byte) int {
	n, i := 0, 0
	for i < len(line) {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		if i == len(line) {
			break
		}
		j := i
		for j < len(line) && line[j] != ' ' && line[j] != '\t' {
			j++
		}
		if n < len(dst) {
			dst[n] = line[i:j]
		}
		n++
		i = j
	}
	return n
}

// parseInt parses an optionally signed decimal integer.
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	neg := false
	if b[0] == '-' || b[0] == '+' {
		neg = b[0] == '-'
		b = b[1:]
		if len(b) == 0 {
			return 0, false
		}
	}
	var v uint64
	if len(b) <= 18 { // cannot overflow: no per-digit bound check (most fields)
		for _, c := range b {
			d := c - '0'
			if d > 9 {
				return 0, false
			}
			v = v*10 + uint64(d)
		}
		if neg {
			return -int64(v), true
		}
		return int64(v), true
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (1<<63-1-d)/10 {
			if neg && v == (1<<63)/10 && d == 8 {
				v = 1 << 63
				continue
			}
			return 0, false
		}
		v = v*10 + d
	}
	if neg {
		return -int64(v), true
	}
	return int64(v), true
}

// scaleDecimal returns round(x × scale) for a non-negative decimal x written
// as digits, an optional fraction and an optional exponent ("0.5", "6.1e-05",
// "1"), in exact integer arithmetic: the same text always gives the same
// units, with no float rounding in between.
func scaleDecimal(b []byte, scale int64) (int64, bool) {
	if len(b) == 0 || scale < 0 {
		return 0, false
	}
	var mant uint64
	exp, digits, i := 0, 0, 0
	seenDigit, seenDot := false, false
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= '0' && c <= '9':
			seenDigit = true
			if digits < 18 {
				if mant != 0 || c != '0' {
					digits++
				}
				mant = mant*10 + uint64(c-'0')
				if seenDot {
					exp--
				}
			} else if !seenDot {
				exp++ // digits beyond precision only shift the magnitude
			}
			continue
		case c == '.' && !seenDot:
			seenDot = true
			continue
		}
		break
	}
	if !seenDigit {
		return 0, false
	}
	if i < len(b) {
		if b[i] != 'e' && b[i] != 'E' {
			return 0, false
		}
		e, ok := parseInt(b[i+1:])
		if !ok || e < -40 || e > 40 {
			return 0, false
		}
		exp += int(e)
	}
	hi, lo := bits.Mul64(mant, uint64(scale))
	for ; exp > 0; exp-- {
		var c uint64
		h1, l1 := bits.Mul64(lo, 10)
		h2, _ := bits.Mul64(hi, 10)
		if h2 != 0 {
			return 0, false
		}
		hi, c = bits.Add64(hi*10, h1, 0)
		if c != 0 {
			return 0, false
		}
		lo = l1
	}
	if exp < -38 {
		return 0, true
	}
	for exp < 0 {
		// Divide by up to 10^19 at a time, rounding once at the end is not
		// possible across steps, so divide by the whole power when it fits.
		step := min(-exp, 19)
		d := pow10[step]
		if hi >= d {
			if step < -exp {
				// Too big to finish in one step: drop a factor first.
				q1, r1 := hi/d, hi%d
				qlo, rem := bits.Div64(r1, lo, d)
				hi, lo = q1, qlo
				_ = rem
				exp += step
				continue
			}
			return 0, false
		}
		q, r := bits.Div64(hi, lo, d)
		exp += step
		if exp < 0 {
			// Remaining divisions: the quotient is tiny; finish in 64 bits.
			hi, lo = 0, q
			continue
		}
		if r >= d-r { // round half up
			q++
		}
		hi, lo = 0, q
	}
	if hi != 0 || lo > 1<<62 {
		return 0, false
	}
	return int64(lo), true
}

var pow10 = [20]uint64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}
