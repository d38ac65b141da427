package safeparquet

import (
	"bytes"
	"encoding/binary"
	"io"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
	"github.com/stretchr/testify/require"
)

type row struct {
	ID    int64   `parquet:"id"`
	Name  string  `parquet:"name,dict,zstd"`
	Value float64 `parquet:"value,snappy"`
	Flag  bool    `parquet:"flag"`
}

// validFile is a small file with two row groups, dictionary pages,
// statistics and two codecs, as parquet-go writes them.
func validFile(t testing.TB) []byte {
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[row](&buf, parquet.PageBufferSize(256))
	for g := range 2 {
		rows := make([]row, 300)
		for i := range rows {
			rows[i] = row{ID: int64(g*1000 + i), Name: strings.Repeat("n", i%7), Value: float64(i) / 3, Flag: i%3 == 0}
		}
		_, err := w.Write(rows)
		require.NoError(t, err)
		require.NoError(t, w.Flush())
	}
	require.NoError(t, w.Close())
	return buf.Bytes()
}

func footerOf(t testing.TB, file []byte) []byte {
	n := binary.LittleEndian.Uint32(file[len(file)-8:])
	return file[len(file)-8-int(n) : len(file)-8]
}

// splice appends pages to the data of valid, then its footer, edited;
// edit gets the offset of the pages.
func splice(t testing.TB, valid, pages []byte, edit func(md *format.FileMetaData, at int64)) []byte {
	footer := footerOf(t, valid)
	var md format.FileMetaData
	require.NoError(t, thrift.Unmarshal(new(thrift.CompactProtocol), footer, &md))
	at := len(valid) - 8 - len(footer)
	edit(&md, int64(at))
	footer, err := thrift.Marshal(new(thrift.CompactProtocol), &md)
	require.NoError(t, err)
	out := append(bytes.Clone(valid[:at]), pages...)
	out = append(out, footer...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(footer)))
	return append(out, "PAR1"...)
}

// firstChunkAt points the first column chunk at n bytes of pages.
func firstChunkAt(n int) func(*format.FileMetaData, int64) {
	return func(md *format.FileMetaData, at int64) {
		c := &md.RowGroups[0].Columns[0].MetaData
		c.DataPageOffset, c.DictionaryPageOffset, c.TotalCompressedSize = at, 0, int64(n)
	}
}

// nested is a struct whose field 100 opens depth structs, one in another.
func nested(depth int) []byte {
	return append([]byte{0x0c, 0xc8, 0x01}, bytes.Repeat([]byte{0x1c}, depth)...)
}

func pageHeader(t testing.TB, h format.PageHeader) []byte {
	b, err := thrift.Marshal(new(thrift.CompactProtocol), &h)
	require.NoError(t, err)
	return b
}

func TestOpenAcceptsValidFiles(t *testing.T) {
	file := validFile(t)
	f, err := Open(bytes.NewReader(file), int64(len(file)))
	require.NoError(t, err)
	require.EqualValues(t, 600, f.NumRows())
	rows := make([]row, 600)
	n, err := parquet.NewGenericReader[row](f).Read(rows)
	if err != io.EOF {
		require.NoError(t, err)
	}
	require.Equal(t, 600, n)
	require.Equal(t, int64(1299), rows[599].ID)

	// The walker reads a footer exactly as long as the trailer says.
	footer := footerOf(t, file)
	got, err := walkStruct(footer, nil)
	require.NoError(t, err)
	require.Equal(t, len(footer), got)
}

func TestOpenRejectsDamagedFiles(t *testing.T) {
	valid := validFile(t)
	withTrailer := func(footerLen uint32) []byte {
		b := bytes.Clone(valid)
		binary.LittleEndian.PutUint32(b[len(b)-8:], footerLen)
		return b
	}
	deepHeader := nested(3_000_000)
	deepFooter := append(nested(3_000_000), 0)
	huge := pageHeader(t, format.PageHeader{Type: format.DataPage, UncompressedPageSize: 1 << 30, CompressedPageSize: 10})
	long := pageHeader(t, format.PageHeader{Type: format.DataPage, UncompressedPageSize: 10, CompressedPageSize: 1000})
	for _, tc := range []struct {
		name, file, want string
	}{
		{"empty", "", "not a Parquet file"},
		{"no magic", strings.Repeat("x", 40), "must begin and end with"},
		{"truncated", string(valid[:len(valid)-100]), "must begin and end with"},
		// A flipped high byte of the footer length used to make parquet-go
		// allocate a gigabyte before failing.
		{"footer length past the file", string(withTrailer(0x3c000678)), "footer length 1006634616 does not fit"},
		{"footer length zero", string(withTrailer(0)), "footer length 0 does not fit"},
		// Millions of nested structs used to overflow parquet-go's stack,
		// a fatal error no recover catches.
		{"footer nested too deep", "PAR1" + string(deepFooter) + string(binary.LittleEndian.AppendUint32(nil, uint32(len(deepFooter)))) + "PAR1",
			"footer: Thrift value nested deeper than 64 levels"},
		{"footer list longer than the footer", "PAR1" + "\x19\xfc\xff\xff\xff\x0f\x00" + "\x07\x00\x00\x00PAR1", "footer: truncated, or a size larger"},
		{"page header nested too deep", string(splice(t, valid, deepHeader, firstChunkAt(len(deepHeader)))), "row group 0, column 0: page at byte 11115: header: Thrift value nested deeper than 64 levels"},
		{"page too large", string(splice(t, valid, append(huge, make([]byte, 10)...), firstChunkAt(len(huge)+10))), "1073741824 bytes uncompressed, more than"},
		{"page past the data", string(splice(t, valid, append(long, make([]byte, 10)...), firstChunkAt(len(long)+10))), "1000 bytes, past the end of the file's data"},
		// A damaged LZ4_RAW page used to make parquet-go's decoder double
		// its buffer until the process ran out of memory.
		{"lz4 chunk", string(splice(t, valid, nil, func(md *format.FileMetaData, _ int64) {
			md.RowGroups[0].Columns[1].MetaData.Codec = format.Lz4Raw
		})), "row group 0, column 1: LZ4_RAW compression is not supported"},
		{"chunk past the data", string(splice(t, valid, nil, func(md *format.FileMetaData, _ int64) {
			md.RowGroups[1].Columns[2].MetaData.DataPageOffset = 1 << 40
		})), "row group 1, column 2: pages at byte 1099511627776"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Open(strings.NewReader(tc.file), int64(len(tc.file)))
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func FuzzOpen(f *testing.F) {
	f.Add(validFile(f))
	f.Add([]byte("PAR1\x15\x00PAR1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pf, err := Open(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		rows := parquet.NewReader(pf)
		buf := make([]parquet.Row, 64)
		for i := 0; i < 1<<10; i++ {
			if _, err := rows.ReadRows(buf); err != nil {
				break
			}
		}
		rows.Close()
	})
}
