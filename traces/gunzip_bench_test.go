package traces

import (
	"bufio"
	stdgzip "compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"

	kpgzip "github.com/klauspost/compress/gzip"
)

// BenchmarkGunzip decodes the ten task_events parts with compress/gzip and
// with klauspost/compress/gzip (what openText uses), nothing else, to back
// that choice with a measurement; MB/s and MB/cpu-s count decompressed
// bytes.
func BenchmarkGunzip(b *testing.B) {
	files, err := partFiles(filepath.Join(tracesDir(b), "google-2011", "task_events"), 0)
	if err != nil || len(files) == 0 {
		b.Skipf("no task_events parts: %v", err)
	}
	libs := []struct {
		name string
		open func(io.Reader) (io.Reader, error)
	}{
		{"stdlib", func(r io.Reader) (io.Reader, error) { return stdgzip.NewReader(r) }},
		{"klauspost", func(r io.Reader) (io.Reader, error) { return kpgzip.NewReader(r) }},
	}
	buf := make([]byte, 256<<10)
	for _, lib := range libs {
		b.Run(lib.name, func(b *testing.B) {
			var total, all int64
			cpu0 := cpuTime()
			for b.Loop() {
				total = 0
				for _, p := range files {
					f, err := os.Open(p)
					if err != nil {
						b.Fatal(err)
					}
					zr, err := lib.open(bufio.NewReaderSize(f, 64<<10))
					if err != nil {
						b.Fatal(err)
					}
					for {
						n, err := zr.Read(buf)
						total += int64(n)
						if err == io.EOF {
							break
						}
						if err != nil {
							b.Fatal(err)
						}
					}
					f.Close()
				}
				all += total
			}
			b.SetBytes(total)
			if c := cpuTime() - cpu0; c > 0 {
				b.ReportMetric(float64(all)/1e6/c.Seconds(), "MB/cpu-s")
			}
		})
	}
}
