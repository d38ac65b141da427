package safeparquet

import (
	"bytes"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
	"github.com/stretchr/testify/require"
)

// zstdFrame is a Zstandard frame of one raw block holding data, with an
// 8-byte declared content size fcs and a 1 KiB window.
func zstdFrame(fcs uint64, data []byte) []byte {
	b := []byte{0x28, 0xb5, 0x2f, 0xfd, 0xc0, 0x00}
	b = binary.LittleEndian.AppendUint64(b, fcs)
	bh := uint32(len(data))<<3 | 1 // raw, last
	b = append(b, byte(bh), byte(bh>>8), byte(bh>>16))
	return append(b, data...)
}

// rleBlocks is a Zstandard frame without a content size made of n RLE
// blocks of 128 KiB each: 4 bytes a block.
func rleBlocks(n int) []byte {
	b := []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58}
	for i := range n {
		bh := uint32(zstdBlockMax)<<3 | 1<<1
		if i == n-1 {
			bh |= 1
		}
		b = append(b, byte(bh), byte(bh>>8), byte(bh>>16), 'x')
	}
	return b
}

// inColumn puts one page with body into the chunk of column c (of codec
// codec in validFile: 1 Zstandard, 2 Snappy) of the first row group.
func inColumn(t *testing.T, c int, h format.PageHeader, body []byte) []byte {
	return inColumnAs(t, c, -1, h, body)
}

// inColumnAs is inColumn with the chunk's codec set to codec (-1: as is).
func inColumnAs(t *testing.T, c int, codec format.CompressionCodec, h format.PageHeader, body []byte) []byte {
	h.CompressedPageSize = int32(len(body))
	pages := append(pageHeader(t, h), body...)
	return splice(t, validFile(t), pages, func(md *format.FileMetaData, at int64) {
		m := &md.RowGroups[0].Columns[c].MetaData
		m.DataPageOffset, m.DictionaryPageOffset, m.TotalCompressedSize = at, 0, int64(len(pages))
		if codec >= 0 {
			m.Codec = codec
		}
	})
}

// gzipped and brotlied compress data as the writers do.
func gzipped(t *testing.T, data []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	_, err := w.Write(data)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return b.Bytes()
}

func brotlied(t *testing.T, data []byte) []byte {
	var b bytes.Buffer
	w := brotli.NewWriterLevel(&b, brotli.BestCompression)
	_, err := w.Write(data)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return b.Bytes()
}

func dataPage(uncompressed int32) format.PageHeader {
	return format.PageHeader{Type: format.DataPage, UncompressedPageSize: uncompressed,
		DataPageHeader: thrift.New(format.DataPageHeader{NumValues: 300, Encoding: format.Plain})}
}

func dataPageV2(uncompressed, levels int32, compressed bool) format.PageHeader {
	return format.PageHeader{Type: format.DataPageV2, UncompressedPageSize: uncompressed,
		DataPageHeaderV2: thrift.New(format.DataPageHeaderV2{NumValues: 300, NumRows: 300, Encoding: format.Plain,
			DefinitionLevelsByteLength: levels, IsCompressed: thrift.New(compressed)})}
}

// The sizes written inside compressed data are what parquet-go's decoders
// allocate: each must fit the page's uncompressed size.
func TestOpenRejectsDeclaredSizes(t *testing.T) {
	snappyLen := func(n uint64) []byte { return binary.AppendUvarint(nil, n) }
	for _, tc := range []struct {
		name, want string
		file       []byte
	}{
		// 23 bytes that made the process die out of memory, asking
		// for 50 GiB.
		{"zstd content size", "Zstandard frames declaring more than the page's 100 bytes uncompressed",
			inColumn(t, 1, dataPage(100), zstdFrame(50<<30, []byte("abcd")))},
		{"zstd frames adding up", "Zstandard frames declaring more than the page's 100 bytes",
			inColumn(t, 1, dataPage(100), append(zstdFrame(60, make([]byte, 60)), zstdFrame(60, make([]byte, 60))...))},
		{"zstd RLE bomb", "Zstandard blocks that may decompress to more than 268435456 bytes",
			inColumn(t, 1, dataPage(100), rleBlocks(MaxPageSize/zstdBlockMax+1))},
		{"zstd header cut", "Zstandard frame header past the end of its page",
			inColumn(t, 1, dataPage(100), zstdFrame(4, []byte("abcd"))[:9])},
		{"zstd after v2 levels", "Zstandard frames declaring more than",
			inColumn(t, 1, dataPageV2(100, 3, true), append([]byte{1, 2, 3}, zstdFrame(1<<40, nil)...))},
		{"snappy length", "Snappy block of 1099511627776 bytes in a page of 100 bytes uncompressed",
			inColumn(t, 2, dataPage(100), append(snappyLen(1<<40), 0))},
		{"snappy without length", "Snappy block without its length",
			inColumn(t, 2, dataPage(100), bytes.Repeat([]byte{0xff}, 4))},
		{"v2 levels past the page", "200 bytes of levels in a page of 10 bytes",
			inColumn(t, 2, dataPageV2(100, 200, true), make([]byte, 10))},
		// 64 MiB of zeros: ~64 KiB of Deflate, ~60 bytes of Brotli.
		{"gzip bomb", "Gzip data that decompresses to more than the page's 100 bytes uncompressed",
			inColumnAs(t, 1, format.Gzip, dataPage(100), gzipped(t, make([]byte, 64<<20)))},
		{"gzip members adding up", "Gzip data that decompresses to more than the page's 100 bytes",
			inColumnAs(t, 1, format.Gzip, dataPage(100), append(gzipped(t, make([]byte, 60)), gzipped(t, make([]byte, 60))...))},
		{"brotli bomb", "Brotli data that decompresses to more than the page's 100 bytes uncompressed",
			inColumnAs(t, 1, format.Brotli, dataPage(100), brotlied(t, make([]byte, 64<<20)))},
		{"brotli after v2 levels", "Brotli data that decompresses to more than the page's 100 bytes",
			inColumnAs(t, 1, format.Brotli, dataPageV2(100, 3, true), append([]byte{1, 2, 3}, brotlied(t, make([]byte, 101))...))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Open(bytes.NewReader(tc.file), int64(len(tc.file)))
			require.ErrorContains(t, err, tc.want)
			require.ErrorContains(t, err, "row group 0, column ")
		})
	}

	// Sizes that fit are left to the decoders; values stored uncompressed
	// in a v2 page are not read as a Snappy block.
	for name, file := range map[string][]byte{
		"zstd content size that fits": inColumn(t, 1, dataPage(100), zstdFrame(4, []byte("abcd"))),
		"snappy length that fits":     inColumn(t, 2, dataPage(100), append(snappyLen(100), 0)),
		"v2 values not compressed":    inColumn(t, 2, dataPageV2(100, 0, false), append(snappyLen(1<<40), 0)),
		"gzip that fits":              inColumnAs(t, 1, format.Gzip, dataPage(100), gzipped(t, make([]byte, 100))),
		"brotli that fits":            inColumnAs(t, 1, format.Brotli, dataPageV2(100, 3, true), append([]byte{1, 2, 3}, brotlied(t, make([]byte, 100))...)),
		"gzip damaged":                inColumnAs(t, 1, format.Gzip, dataPage(100), []byte("not gzip")),
	} {
		_, err := Open(bytes.NewReader(file), int64(len(file)))
		require.NoError(t, err, name)
	}
}

type wideRow struct {
	ID    int64   `parquet:"id,zstd"`
	Name  string  `parquet:"name,zstd"`
	Value float64 `parquet:"value,snappy"`
	Opt   *int64  `parquet:"opt,optional,zstd"`
}

type streamRow struct {
	ID   int64  `parquet:"id,gzip"`
	Name string `parquet:"name,brotli"`
	Opt  *int64 `parquet:"opt,optional,gzip"`
}

// Gzip and Brotli pages as parquet-go writes them pass the check and read
// back whole.
func TestOpenAcceptsStreamPages(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	rows := make([]streamRow, 50_000)
	for i := range rows {
		rows[i] = streamRow{ID: rng.Int64N(1000), Name: strings.Repeat("ab", rng.IntN(20))}
		if i%3 == 0 {
			x := int64(i)
			rows[i].Opt = &x
		}
	}
	roundTrip(t, rows, 64<<10)
}

// roundTrip writes rows as data pages v1, then v2, opens each file with
// Open and reads every row back.
func roundTrip[T any](t *testing.T, rows []T, pageBuffer int) {
	for _, v := range []int{1, 2} {
		var buf bytes.Buffer
		w := parquet.NewGenericWriter[T](&buf, parquet.DataPageVersion(v), parquet.PageBufferSize(pageBuffer))
		_, err := w.Write(rows)
		require.NoError(t, err)
		require.NoError(t, w.Close())
		f, err := Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		require.NoError(t, err, "data page v%d", v)
		got := make([]T, len(rows)+1)
		n, err := parquet.NewGenericReader[T](f).Read(got)
		if err != io.EOF {
			require.NoError(t, err)
		}
		require.Equal(t, rows, got[:n], "data page v%d", v)
	}
}

// Files as parquet-go writes them, with pages of several Zstandard blocks,
// data pages v1 and v2, and optional columns (levels before the values),
// pass the checks and read back whole.
func TestOpenAcceptsRealPages(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	rows := make([]wideRow, 100_000)
	for i := range rows {
		rows[i] = wideRow{ID: rng.Int64(), Name: strings.Repeat("ab", rng.IntN(20)), Value: rng.Float64()}
		if i%3 == 0 {
			x := int64(i)
			rows[i].Opt = &x
		}
	}
	roundTrip(t, rows, 1<<20)
}

// BenchmarkOpen checks a 1 M-row file of Snappy and Zstandard pages (~9 MB),
// footer, page headers and declared sizes, and opens it.
func BenchmarkOpen(b *testing.B) {
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[wideRow](&buf, parquet.PageBufferSize(64<<10))
	rng := rand.New(rand.NewPCG(1, 2))
	rows := make([]wideRow, 1<<16)
	for range 16 {
		for i := range rows {
			rows[i] = wideRow{ID: rng.Int64N(1 << 40), Name: strings.Repeat("ab", rng.IntN(4)), Value: rng.Float64()}
		}
		if _, err := w.Write(rows); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	file := bytes.NewReader(buf.Bytes())
	b.SetBytes(int64(buf.Len()))
	b.ResetTimer()
	for range b.N {
		if _, err := Open(file, int64(buf.Len())); err != nil {
			b.Fatal(err)
		}
	}
}
