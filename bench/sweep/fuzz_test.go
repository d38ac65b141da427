package sweep

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParseAxis: no input panics; an accepted axis has a path of non-empty
// components and non-empty values.
func FuzzParseAxis(f *testing.F) {
	for _, s := range []string{"allocator.name=monolithic,omega", "a={x: 1, y: [2, 3]},{}", "a.b=", "=x", "a=[", "a=]]]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAxis(s)
		if err != nil {
			return
		}
		if a.Path == "" || strings.Contains("."+a.Path+".", "..") || len(a.Values) == 0 {
			t.Fatalf("%q: accepted %+v", s, a)
		}
		for _, v := range a.Values {
			if strings.TrimSpace(v) == "" {
				t.Fatalf("%q: an empty value in %+v", s, a)
			}
		}
	})
}

// FuzzParseShard: an accepted shard is i/n with 1 ≤ i ≤ n.
func FuzzParseShard(f *testing.F) {
	for _, s := range []string{"1/1", "2/4", "0/1", "5/4", "x", "1/-1", "9999999999999999999/1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sh, err := ParseShard(s)
		if err == nil && (sh.Index < 1 || sh.Index > sh.Count) {
			t.Fatalf("%q: accepted %+v", s, sh)
		}
	})
}

// FuzzMerge: any sweep.json is merged or refused with an error, never a
// panic.
func FuzzMerge(f *testing.F) {
	f.Add(`{"scenario":"s.yaml","scenario_sha256":"x","axes":[{"path":"a","values":["1","2"]}],"seeds":[1],"shard":1,"shards":1,` +
		`"runs":[{"point":0,"seed":1,"path":"summaries/00-seed1.json"},{"point":1,"seed":1,"path":"summaries/01-seed1.json"}]}`)
	f.Add(`{"axes":[],"seeds":[],"runs":[{"point":-1,"seed":0,"path":""}]}`)
	f.Add(`{"axes":[{"path":"a","values":[]}],"seeds":[1,1],"runs":[]}`)
	f.Add(`{"unknown": 1}`)
	f.Add(`{"axes":[{"path":"a","values":["1","2","3","4","5","6","7","8"]},{"path":"b","values":["1","2","3","4","5","6","7","8"]},` +
		`{"path":"c","values":["1","2","3","4","5","6","7","8"]},{"path":"d","values":["1","2","3","4","5","6","7","8"]},` +
		`{"path":"e","values":["1","2","3","4","5","6","7","8"]},{"path":"f","values":["1","2","3","4","5","6","7","8"]},` +
		`{"path":"g","values":["1","2","3","4","5","6","7","8"]}],"seeds":[1],"runs":[]}`)
	f.Fuzz(func(t *testing.T, doc string) {
		dir := t.TempDir()
		if err := os.MkdirAll(filepath.Join(dir, "summaries"), 0o755); err != nil {
			t.Fatal(err)
		}
		for _, n := range []string{"00-seed1.json", "01-seed1.json"} {
			if err := os.WriteFile(filepath.Join(dir, "summaries", n), []byte(`{"launched": 3}`), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, ManifestFile), []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		res, man, err := Merge([]string{dir}, filepath.Join(dir, "out"))
		if err != nil {
			return
		}
		var b strings.Builder
		if err := WriteTable(&b, man.Axes, res); err != nil {
			t.Fatal(err)
		}
	})
}
