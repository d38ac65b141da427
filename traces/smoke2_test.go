package traces

import (
	"io"
	"path/filepath"
	"testing"
	"time"
)

func TestSmokeParquet(t *testing.T) {
	dir := filepath.Join(tracesDir(t), "google-2011")
	r, err := OpenGoogle2011(dir, Google2011Options{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	sum, err := WriteCanonical("/tmp/g11c", r, map[string]string{"allocsim.format": "google2011"})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %+v in %v", sum, time.Since(start))
	for i := 0; i < 3; i++ {
		start = time.Now()
		c, err := OpenCanonical("/tmp/g11c")
		if err != nil {
			t.Fatal(err)
		}
		var rec Record
		n := 0
		for {
			if err := c.Next(&rec); err == io.EOF {
				break
			} else if err != nil {
				t.Fatal(err)
			}
			n++
		}
		c.Close()
		d := time.Since(start)
		t.Logf("read %d in %v = %.2f M/s", n, d, float64(n)/d.Seconds()/1e6)
	}
}
