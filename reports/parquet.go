package reports

import (
	"errors"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/snappy"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// rowGroupRows bounds the rows a Parquet writer buffers before it flushes a
// row group: memory stays flat however many tasks a run has. 16 Ki rather
// than 64 Ki: the tasks writer's buffers then stay small, and the engine
// running beside it ~0.03–0.05 s faster on the default scenario (paired runs;
// tasks.parquet 0.6% larger).
var rowGroupRows int64 = 16 * 1024

// writerOptions are shared by every Parquet output. created-by is fixed (the
// library's default embeds its build) so that the bytes depend only on the run.
func writerOptions() []parquet.WriterOption {
	return []parquet.WriterOption{
		parquet.CreatedBy("allocsim", "1", "reports"),
		parquet.MaxRowsPerRowGroup(rowGroupRows),
		parquet.Compression(&fastSnappy{}),
	}
}

// fastSnappy is the SNAPPY codec with the fast block encoder. parquet-go's
// codec uses the "better" encoder, which was the largest single cost of
// writing tasks.parquet (profiled on the default scenario) for a few percent
// of file size. The output is plain Snappy: every reader decodes it.
type fastSnappy struct{}

func (fastSnappy) String() string                            { return "SNAPPY" }
func (fastSnappy) CompressionCodec() format.CompressionCodec { return format.Snappy }

func (fastSnappy) Encode(dst, src []byte) ([]byte, error) {
	if s2.MaxEncodedLen(len(src)) < 0 {
		return dst[:0], errors.New("snappy: page too large to compress")
	}
	return s2.EncodeSnappy(dst[:0], src), nil
}

func (fastSnappy) Decode(dst, src []byte) ([]byte, error) { return snappy.Decode(dst, src) }
