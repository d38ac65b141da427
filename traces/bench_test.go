package traces

import (
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"testing"
)

// taskEventsOnly returns a directory holding only task_events/ (a symlink),
// so that the benchmark measures task_events alone.
func taskEventsOnly(b *testing.B) string {
	src := filepath.Join(tracesDir(b), "google-2011", "task_events")
	dir := b.TempDir()
	if err := os.Symlink(src, filepath.Join(dir, "task_events")); err != nil {
		b.Fatal(err)
	}
	return dir
}

func taskEventRows(s *Stats) int64 {
	var n int64
	for _, k := range []string{"submit", "schedule", "evict", "fail", "finish", "kill", "lost", "update_pending", "update_running"} {
		n += s.Get("task_event_" + k)
	}
	return n
}

// BenchmarkGoogle2011TaskEvents reads the ten shared task_events parts
// (gzip CSV) through the full reader: splitting, parsing, unit conversion
// and lifecycle reconstruction. rows/s counts task_events rows.
func BenchmarkGoogle2011TaskEvents(b *testing.B) {
	dir := taskEventsOnly(b)
	var rows int64
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for range b.N {
		r, err := OpenGoogle2011(dir, Google2011Options{})
		if err != nil {
			b.Fatal(err)
		}
		var rec Record
		for {
			if err := r.Next(&rec); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
		rows += taskEventRows(r.Stats())
		r.Close()
	}
	reportRates(b, rows, cpu0)
}

var canonicalOnce sync.Once
var canonicalDir string

// canonicalGoogle converts the ten Google 2011 parts once per test binary.
func canonicalGoogle(b *testing.B) string {
	base := tracesDir(b)
	canonicalOnce.Do(func() {
		dir, err := os.MkdirTemp("", "allocsim-canonical-bench-")
		if err != nil {
			b.Fatal(err)
		}
		r, err := OpenGoogle2011(filepath.Join(base, "google-2011"), Google2011Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := WriteCanonical(dir, r, nil); err != nil {
			b.Fatal(err)
		}
		r.Close()
		canonicalDir = dir
	})
	if canonicalDir == "" {
		b.Fatal("canonical conversion failed")
	}
	return canonicalDir
}

// BenchmarkCanonicalRead reads the converted ten parts back (machines and
// tasks merged in time order). rows/s counts records.
func BenchmarkCanonicalRead(b *testing.B) {
	dir := canonicalGoogle(b)
	var rows int64
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for range b.N {
		r, err := OpenCanonical(dir)
		if err != nil {
			b.Fatal(err)
		}
		var rec Record
		for {
			if err := r.Next(&rec); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
			rows++
		}
		r.Close()
	}
	reportRates(b, rows, cpu0)
}

// BenchmarkGoogle2011Memory shows that reading is streaming: the peak live
// heap while reading 1, 5 and 10 parts (sampled every 16k records) stays
// flat, and so do the reader's high-water marks of queued and open tasks.
func BenchmarkGoogle2011Memory(b *testing.B) {
	dir := filepath.Join(tracesDir(b), "google-2011")
	for _, parts := range []int{1, 5, 10} {
		b.Run("parts="+strconv.Itoa(parts), func(b *testing.B) {
			var peak uint64
			var st *Stats
			for range b.N {
				runtime.GC()
				sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
				r, err := OpenGoogle2011(dir, Google2011Options{MaxParts: parts})
				if err != nil {
					b.Fatal(err)
				}
				var rec Record
				for i := 0; ; i++ {
					if err := r.Next(&rec); err == io.EOF {
						break
					} else if err != nil {
						b.Fatal(err)
					}
					if i&(1<<14-1) == 0 {
						runtime.GC()
						metrics.Read(sample)
						peak = max(peak, sample[0].Value.Uint64())
					}
				}
				st = r.Stats()
				r.Close()
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-live-MiB")
			b.ReportMetric(float64(st.Get("peak_queued_tasks")), "peak-queued")
			b.ReportMetric(float64(st.Get("peak_open_tasks")), "peak-open")
			b.ReportMetric(float64(taskEventRows(st)), "task-event-rows")
		})
	}
}
