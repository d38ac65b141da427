package reports

// SetOpenChunkRows sets the rows per row group of the open rows (see
// openWriter) and returns a function that restores it.
func SetOpenChunkRows(n int) (restore func()) {
	old := openChunkRows
	openChunkRows = n
	return func() { openChunkRows = old }
}
