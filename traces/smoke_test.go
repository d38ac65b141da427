package traces

import (
	"io"
	"path/filepath"
	"testing"
	"time"
)

func TestSmokeG11(t *testing.T) {
	dir := filepath.Join(tracesDir(t), "google-2011")
	start := time.Now()
	r, err := OpenGoogle2011(dir, Google2011Options{})
	if err != nil {
		t.Fatal(err)
	}
	var rec Record
	var nm, nt int
	var last int64
	for {
		err := r.Next(&rec)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if int64(rec.Time()) < last {
			t.Fatalf("order %d < %d", rec.Time(), last)
		}
		last = int64(rec.Time())
		if rec.Kind == RecordMachine {
			nm++
		} else {
			nt++
		}
	}
	r.Close()
	t.Logf("machines %d tasks %d in %v", nm, nt, time.Since(start))
	for _, n := range r.Stats().Names() {
		t.Logf("%s %d", n, r.Stats().Get(n))
	}
}
