package reports

import "github.com/parquet-go/parquet-go"

// rowGroupRows bounds the rows a Parquet writer buffers before it flushes a
// row group: memory stays flat however many tasks a run has.
const rowGroupRows = 64 * 1024

// writerOptions are shared by every Parquet output. created-by is fixed (the
// library's default embeds its build) so that the bytes depend only on the run.
func writerOptions() []parquet.WriterOption {
	return []parquet.WriterOption{
		parquet.CreatedBy("allocsim", "1", "reports"),
		parquet.MaxRowsPerRowGroup(rowGroupRows),
		parquet.Compression(&parquet.Snappy),
	}
}
