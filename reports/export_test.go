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

// SetRetractLate makes every retraction of a row written ahead in an encoded
// chunk act as if the chunk had been copied into tasks.parquet already (as
// when the tasks writer takes it first), and returns a function that
// restores it.
func SetRetractLate(late bool) (restore func()) {
	old := retractLate
	retractLate = late
	return func() { retractLate = old }
}
