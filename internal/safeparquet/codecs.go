package safeparquet

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/parquet-go/parquet-go/format"
)

// pageSizes holds the fields of a Thrift PageHeader that bound what
// decompressing the page allocates.
type pageSizes struct {
	typ, uncompressed, compressed int64
	levels                        int64 // DATA_PAGE_V2: level bytes, stored before the compressed values
	compressedV2                  bool  // DATA_PAGE_V2: are the values compressed (default true)
}

func (h *pageSizes) field(parent, id int16, v int64) {
	switch {
	case parent == 0 && id == 1:
		h.typ = v
	case parent == 0 && id == 2:
		h.uncompressed = v
	case parent == 0 && id == 3:
		h.compressed = v
	case parent == 8 && (id == 5 || id == 6): // definition and repetition level bytes
		if v < 0 || h.levels > 1<<40 {
			v = 1 << 40 // impossible: caught by checkBody
		}
		h.levels += v
	case parent == 8 && id == 7:
		h.compressedV2 = v != 0
	}
}

// checkBody checks, for the codecs whose decoders trust a size written in
// the data, that this size fits the page's uncompressed size, which
// checkPage has bounded by MaxPageSize: a Snappy block's length prefix, and
// a Zstandard frame's content size. parquet-go's Zstandard decoder allocates
// the declared content size at once (up to 64 GiB: a 23-byte page made the
// process die out of memory), and its RLE blocks expand 4 bytes into 128
// KiB; the frames' blocks are walked to bound what they can produce.
// Gzip and Brotli data declare no size, and their decoders grow the output
// until the data ends: such pages are decompressed once, the output
// discarded, to check that they produce no more than the page declares.
func (h *pageSizes) checkBody(r io.ReaderAt, codec format.CompressionCodec, at int64) error {
	switch codec {
	case format.Snappy, format.Zstd, format.Gzip, format.Brotli:
	default:
		return nil
	}
	size := h.compressed
	switch format.PageType(h.typ) {
	case format.DataPage, format.DictionaryPage:
	case format.DataPageV2:
		if h.levels > size {
			return fmt.Errorf("%d bytes of levels in a page of %d bytes", h.levels, size)
		}
		if !h.compressedV2 {
			return nil
		}
		at, size = at+h.levels, size-h.levels
	default:
		return nil // index pages are not read
	}
	if size == 0 {
		return nil
	}
	switch codec {
	case format.Snappy:
		return checkSnappy(r, at, size, h.uncompressed)
	case format.Zstd:
		return checkZstd(r, at, size, h.uncompressed)
	}
	return checkStream(r, codec, at, size, h.uncompressed)
}

// checkStream decompresses a Gzip or Brotli page without keeping its
// output and refuses one that yields more than its uncompressed size:
// Deflate expands up to ~1,000-fold and Brotli far more, so a damaged
// page of a few MB could make the decoder allocate GBs. Data the decoder
// would reject anyway is left to it.
func checkStream(r io.ReaderAt, codec format.CompressionCodec, at, size, uncompressed int64) error {
	src := io.NewSectionReader(r, at, size)
	var zr io.Reader
	name := "Brotli"
	if codec == format.Gzip {
		g, err := gzip.NewReader(src)
		if err != nil {
			return nil
		}
		zr, name = g, "Gzip"
	} else {
		zr = brotli.NewReader(src)
	}
	if n, _ := io.CopyN(io.Discard, zr, uncompressed+1); n > uncompressed {
		return fmt.Errorf("%s data that decompresses to more than the page's %d bytes uncompressed", name, uncompressed)
	}
	return nil
}

func checkSnappy(r io.ReaderAt, at, size, uncompressed int64) error {
	var b [binary.MaxVarintLen64]byte
	k, err := r.ReadAt(b[:min(size, int64(len(b)))], at)
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	v, n := binary.Uvarint(b[:k])
	if n <= 0 {
		return errors.New("Snappy block without its length")
	}
	if v > uint64(uncompressed) {
		return fmt.Errorf("Snappy block of %d bytes in a page of %d bytes uncompressed", v, uncompressed)
	}
	return nil
}

// zstdBlockMax is the most a Zstandard block decompresses to (RFC 8878,
// Block_Maximum_Size).
const zstdBlockMax = 128 << 10

// checkZstd walks the frames of a Zstandard page (RFC 8878 §3.1): the sum
// of their declared content sizes must not exceed the page's uncompressed
// size, and the most their blocks can produce (raw and RLE blocks exactly,
// compressed blocks up to 128 KiB) must not exceed MaxPageSize. A header
// the decoder would reject anyway is left to it.
func checkZstd(r io.ReaderAt, at, size, uncompressed int64) error {
	z := zstdWalker{r: r, at: at, end: at + size}
	var declared, most int64
	for z.at+4 <= z.end {
		magic, err := z.uint(4)
		if err != nil {
			return err
		}
		if magic&^0xf == 0x184d2a50 { // skippable frame: its length, then data
			n, err := z.uint(4)
			if err != nil {
				return err
			}
			z.at += int64(n)
			continue
		}
		if magic != 0xfd2fb528 {
			return nil
		}
		fhd, err := z.uint(1)
		if err != nil {
			return err
		}
		single := fhd>>5&1 == 1
		if !single {
			z.at++ // window descriptor
		}
		z.at += int64([4]int{0, 1, 2, 4}[fhd&3]) // dictionary id
		fcsBytes := [4]int{0, 2, 4, 8}[fhd>>6]
		if fcsBytes == 0 && single {
			fcsBytes = 1
		}
		if fcsBytes > 0 {
			fcs, err := z.uint(fcsBytes)
			if err != nil {
				return err
			}
			if fcsBytes == 2 {
				fcs += 256
			}
			if fcs > uint64(uncompressed-declared) {
				return fmt.Errorf("Zstandard frames declaring more than the page's %d bytes uncompressed", uncompressed)
			}
			declared += int64(fcs)
		}
		for last := false; !last; {
			bh, err := z.uint(3)
			if err != nil {
				return err
			}
			last = bh&1 == 1
			n := int64(bh >> 3)
			switch bh >> 1 & 3 {
			case 0: // raw
				most += n
				z.at += n
			case 1: // RLE: one byte, repeated n times
				most += n
				z.at++
			case 2:
				most += zstdBlockMax
				z.at += n
			default:
				return nil // reserved: the decoder rejects it
			}
			if most > MaxPageSize {
				return fmt.Errorf("Zstandard blocks that may decompress to more than %d bytes", MaxPageSize)
			}
		}
		if fhd>>2&1 == 1 {
			z.at += 4 // content checksum
		}
	}
	return nil
}

// zstdWalker reads little-endian integers of a Zstandard page in place.
type zstdWalker struct {
	r       io.ReaderAt
	at, end int64
	b       [8]byte
}

// uint reads n ≤ 8 bytes; a header cut by the page's end is an error.
func (z *zstdWalker) uint(n int) (uint64, error) {
	if z.at+int64(n) > z.end || z.at < 0 {
		return 0, errors.New("Zstandard frame header past the end of its page")
	}
	if _, err := z.r.ReadAt(z.b[:n], z.at); err != nil && !errors.Is(err, io.EOF) {
		return 0, err
	}
	z.at += int64(n)
	var v uint64
	for i := n - 1; i >= 0; i-- {
		v = v<<8 | uint64(z.b[i])
	}
	return v, nil
}
