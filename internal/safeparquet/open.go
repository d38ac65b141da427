// Package safeparquet opens Parquet files that may be damaged before
// parquet-go reads them. parquet-go trusts a file's own word: it allocates
// the footer length the trailer claims before checking that it fits in the
// file (a flipped byte can cost gigabytes), it decodes Thrift footers and
// page headers with unbounded recursion (a few megabytes of nesting overflow
// the stack, a fatal error that recover cannot catch), and some of its
// constructors panic on a bad file, its Snappy and Zstandard decoders
// allocate whatever size the compressed data declares, and its Gzip and
// Brotli decoders grow their output until the data ends. Open checks the
// trailer, the footer, every page header and those declared sizes first,
// decompresses Gzip and Brotli pages once to check what they produce,
// refuses LZ4_RAW, and turns parquet-go's panics into errors.
package safeparquet

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// MaxPageSize bounds a page's uncompressed size, which parquet-go allocates
// before decompressing. Writers make pages of at most a few MiB.
const MaxPageSize = 256 << 20

var magic = []byte("PAR1")

// Open checks the Parquet file r of size bytes and opens it with
// parquet-go, without its page index and bloom filters (not needed to read
// rows in order, and more Thrift to trust). Errors say what is wrong, not
// which file: callers add the name.
func Open(r io.ReaderAt, size int64) (f *parquet.File, err error) {
	footer, err := readFooter(r, size)
	if err != nil {
		return nil, err
	}
	if _, err := walkStruct(footer, nil); err != nil {
		return nil, fmt.Errorf("footer: %w", unshort(err))
	}
	defer func() {
		if p := recover(); p != nil {
			f, err = nil, fmt.Errorf("corrupt Parquet file: %v", p)
		}
	}()
	f, err = parquet.OpenFile(r, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, err
	}
	if err := checkPages(r, f, size-int64(len(footer))-8); err != nil {
		return nil, err
	}
	return f, nil
}

// OpenFile is Open for a file on disk.
func OpenFile(f *os.File) (*parquet.File, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	return Open(f, st.Size())
}

func readFooter(r io.ReaderAt, size int64) ([]byte, error) {
	if size < 12 {
		return nil, fmt.Errorf("not a Parquet file: %d bytes, fewer than its two magic numbers and footer length", size)
	}
	var head, tail [8]byte
	if _, err := r.ReadAt(head[:4], 0); err != nil {
		return nil, err
	}
	if _, err := r.ReadAt(tail[:], size-8); err != nil {
		return nil, err
	}
	if !bytes.Equal(head[:4], magic) || !bytes.Equal(tail[4:], magic) {
		return nil, fmt.Errorf("not a Parquet file: it must begin and end with %q (encrypted footers are not supported)", magic)
	}
	n := int64(binary.LittleEndian.Uint32(tail[:4]))
	if n == 0 || n > size-12 {
		return nil, fmt.Errorf("footer length %d does not fit in the file's %d bytes (truncated or damaged)", n, size)
	}
	footer := make([]byte, n)
	if _, err := r.ReadAt(footer, size-8-n); err != nil {
		return nil, err
	}
	return footer, nil
}

// checkPages walks the page headers of every column chunk, which lie
// between the leading magic number and the footer (dataEnd).
func checkPages(r io.ReaderAt, f *parquet.File, dataEnd int64) error {
	var buf []byte
	for g, rg := range f.Metadata().RowGroups {
		for c, cc := range rg.Columns {
			md := &cc.MetaData
			// parquet-go's LZ4_RAW decoder doubles its buffer until a page
			// decodes, so a damaged page makes it allocate until the
			// process dies (a fatal error recover cannot catch). Nothing
			// here writes LZ4; refuse it rather than trust it.
			if md.Codec == format.Lz4Raw {
				return fmt.Errorf("row group %d, column %d: LZ4_RAW compression is not supported (use Snappy, Gzip or Zstd)", g, c)
			}
			start := md.DataPageOffset
			if d := md.DictionaryPageOffset; d > 0 && d < start {
				start = d
			}
			if start < 4 || start > dataEnd || md.TotalCompressedSize < 0 {
				return fmt.Errorf("row group %d, column %d: pages at byte %d (%d bytes), outside the file's data (bytes 4–%d)",
					g, c, start, md.TotalCompressedSize, dataEnd)
			}
			// Pages must lie in the file's data; past the chunk's stated end
			// is tolerated, as some writers misstate dictionary offsets.
			end := dataEnd
			if md.TotalCompressedSize < dataEnd-start {
				end = start + md.TotalCompressedSize
			}
			for pos := start; pos < end; {
				n, err := checkPage(r, md.Codec, pos, dataEnd, &buf)
				if err != nil {
					return fmt.Errorf("row group %d, column %d: page at byte %d: %w", g, c, pos, err)
				}
				pos += n
			}
		}
	}
	return nil
}

// checkPage checks the page header at pos and returns the length of the
// header and its page, which must end by end. Headers are small but hold
// statistics of any size, so the window read grows until the header fits.
func checkPage(r io.ReaderAt, codec format.CompressionCodec, pos, end int64, buf *[]byte) (int64, error) {
	for window := int64(256); ; window *= 4 {
		window = min(window, end-pos)
		if int64(cap(*buf)) < window {
			*buf = make([]byte, window)
		}
		b := (*buf)[:window]
		if _, err := r.ReadAt(b, pos); err != nil && !errors.Is(err, io.EOF) {
			return 0, err
		}
		h := pageSizes{typ: -1, uncompressed: -1, compressed: -1, compressedV2: true}
		n, err := walkStruct(b, h.field)
		if errors.Is(err, errShort) && window < end-pos {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("header: %w", unshort(err))
		}
		switch {
		case h.compressed < 0 || h.uncompressed < 0:
			return 0, errors.New("header without its sizes")
		case h.uncompressed > MaxPageSize:
			return 0, fmt.Errorf("%d bytes uncompressed, more than the %d this reader accepts", h.uncompressed, MaxPageSize)
		case h.compressed > end-pos-int64(n):
			return 0, fmt.Errorf("%d bytes, past the end of the file's data", h.compressed)
		}
		if err := h.checkBody(r, codec, pos+int64(n)); err != nil {
			return 0, err
		}
		return int64(n) + h.compressed, nil
	}
}

func unshort(err error) error {
	if errors.Is(err, errShort) {
		return errors.New("truncated, or a size larger than the bytes left")
	}
	return err
}
