package reports

// SetOpenChunkRows sets the rows per row group of the open rows (see
// openWriter) and returns a function that restores it.
func SetOpenChunkRows(n int) (restore func()) {
	old := openChunkRows
	openChunkRows = n
	return func() { openChunkRows = old }
}

// SetRowGroupRows sets the rows per row group of the Parquet outputs and
// returns a function that restores it.
func SetRowGroupRows(n int64) (restore func()) {
	old := rowGroupRows
	rowGroupRows = n
	return func() { rowGroupRows = old }
}
