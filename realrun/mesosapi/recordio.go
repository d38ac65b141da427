package mesosapi

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
)

// AppendRecord appends one RecordIO record ("<decimal length>\n<data>") to dst.
func AppendRecord(dst, data []byte) []byte {
	dst = strconv.AppendInt(dst, int64(len(data)), 10)
	dst = append(dst, '\n')
	return append(dst, data...)
}

// RecordWriter writes RecordIO records.
type RecordWriter struct {
	w   io.Writer
	buf []byte
}

// NewRecordWriter returns a writer framing each Write as one record.
func NewRecordWriter(w io.Writer) *RecordWriter { return &RecordWriter{w: w} }

// WriteRecord writes data as one record in a single Write call.
func (rw *RecordWriter) WriteRecord(data []byte) error {
	rw.buf = AppendRecord(rw.buf[:0], data)
	_, err := rw.w.Write(rw.buf)
	return err
}

// RecordReader reads RecordIO records, refusing records above a size limit.
type RecordReader struct {
	r   *bufio.Reader
	max int
	buf []byte
}

// NewRecordReader returns a reader of records of at most max bytes.
func NewRecordReader(r io.Reader, max int) *RecordReader {
	return &RecordReader{r: bufio.NewReader(r), max: max}
}

// ReadRecord returns the next record's data, valid until the next call.
// It returns io.EOF at a clean end of stream and an error naming the
// problem for a malformed header, an oversized record or a truncated one.
func (rr *RecordReader) ReadRecord() ([]byte, error) {
	var n int
	digits := 0
	for {
		b, err := rr.r.ReadByte()
		if err != nil {
			if err == io.EOF && digits == 0 {
				return nil, io.EOF
			}
			return nil, fmt.Errorf("recordio: truncated length header: %w", io.ErrUnexpectedEOF)
		}
		if b == '\n' {
			if digits == 0 {
				return nil, fmt.Errorf("recordio: empty length header")
			}
			break
		}
		if b < '0' || b > '9' {
			return nil, fmt.Errorf("recordio: length header: unexpected byte %q, want a decimal digit or newline", b)
		}
		digits++
		n = n*10 + int(b-'0')
		if digits > 19 || n > rr.max {
			return nil, fmt.Errorf("recordio: record longer than the limit of %d bytes", rr.max)
		}
	}
	if cap(rr.buf) < n {
		rr.buf = make([]byte, n)
	}
	rr.buf = rr.buf[:n]
	if _, err := io.ReadFull(rr.r, rr.buf); err != nil {
		return nil, fmt.Errorf("recordio: record of %d bytes truncated: %w", n, io.ErrUnexpectedEOF)
	}
	return rr.buf, nil
}
