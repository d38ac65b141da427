package reportstest

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// duckdbDir is reports/testdata/duckdb: a package.json pinning the npm
// package @duckdb/node-api and query.mjs, which runs one SQL query.
func duckdbDir(t testing.TB) string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate reportstest")
	}
	return filepath.Join(filepath.Dir(file), "..", "testdata", "duckdb")
}

func missingTool(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatal(msg + " (CI must provide it: .ci/run runs npm install in reports/testdata/duckdb)")
	}
	t.Skip("skipping: " + msg)
}

// DuckDB is an independent Parquet reader: DuckDB through Node.js. It
// installs the pinned npm package on first use when it is missing. Not with
// `npm ci`: npm 11 rejects the lock on a fresh copy (it wants every
// platform's optional binding listed); `npm install --no-save` installs the
// versions package-lock.json pins and leaves the files unchanged.
type DuckDB struct {
	node, dir string
}

// NewDuckDB finds node and the DuckDB package, or skips (fails in CI).
func NewDuckDB(t testing.TB) *DuckDB {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		missingTool(t, "no node on PATH (install Node.js/npm)")
	}
	dir := duckdbDir(t)
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@duckdb", "node-api")); err != nil {
		npm, err := exec.LookPath("npm")
		if err != nil {
			missingTool(t, "no npm on PATH to install @duckdb/node-api")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, npm, "install", "--no-audit", "--no-fund", "--no-save", "--loglevel=error")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			missingTool(t, "npm install in "+dir+" failed: "+err.Error()+"\n"+string(out))
		}
	}
	return &DuckDB{node: node, dir: dir}
}

// Result is a query's columns (name and DuckDB type) and rows.
type Result struct {
	Columns []struct {
		Name string `json:"name"`
		Type string `json:"type"`
	} `json:"columns"`
	Rows [][]any `json:"rows"`
}

// Query runs sql; in it, read_parquet('<path>') reads a file.
func (d *DuckDB) Query(t testing.TB, sql string) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, d.node, "query.mjs", sql)
	cmd.Dir = d.dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("duckdb query %q: %v\n%s", sql, err, stderr.String())
	}
	var r Result
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("duckdb output: %v\n%.2000s", err, out)
	}
	return r
}

// ParquetPath quotes a path for read_parquet.
func ParquetPath(p string) string { return "'" + strings.ReplaceAll(p, "'", "''") + "'" }
