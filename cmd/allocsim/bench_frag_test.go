package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func openbTraces(t *testing.T) string {
	t.Helper()
	root := os.Getenv("ALLOCSIM_TRACES")
	if root == "" {
		root = filepath.Join("..", "..", "..", "shared", "traces")
	}
	d := filepath.Join(root, "alibaba-gpu-v2023")
	if _, err := os.Stat(filepath.Join(d, "openb_node_list_gpu_node.csv")); err != nil {
		t.Skipf("openb traces not found at %s (set ALLOCSIM_TRACES): %v", d, err)
	}
	return d
}

func TestBenchFragTSV(t *testing.T) {
	d := openbTraces(t)
	out := filepath.Join(t.TempDir(), "frag.tsv")
	curves := filepath.Join(t.TempDir(), "curves.tsv")
	var stdout, stderr bytes.Buffer
	code := Main([]string{"bench", "frag", "--nodes", filepath.Join(d, "openb_node_list_gpu_node.csv"),
		"--pods", filepath.Join(d, "openb_pod_list_default.csv"), "--pods", filepath.Join(d, "openb_pod_list_multigpu30.csv"),
		"--policies", "BestFit,fgd", "--seeds", "42,43", "-j", "2", "--format", "tsv", "--target", "100", "--arrived", "50,90", "-o", out, "--curves", curves}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	assert.Empty(t, stdout.String(), "the output went to -o")
	assert.Empty(t, stderr.String(), "no progress bar when stderr is not a terminal")
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	require.Len(t, lines, 1+2*2*2)
	assert.Equal(t, "workload\tpolicy\tarrived_pct\tgpu_alloc_pct_mean\tgpu_alloc_pct_std", lines[0])
	assert.Regexp(t, `^openb_pod_list_default\tBestFit\t50\t\d+\.\d\d\t\d+\.\d\d$`, lines[1])
	assert.True(t, strings.HasPrefix(lines[8], "openb_pod_list_multigpu30\tfgd\t90\t"), lines[8])
	cdata, err := os.ReadFile(curves)
	require.NoError(t, err)
	clines := strings.Split(strings.TrimSpace(string(cdata)), "\n")
	assert.Equal(t, "workload\tpolicy\tseed\tarrived_pct\tgpu_alloc_pct\tfrag_pct_total\tfrag_pct_idle", clines[0])
	assert.Greater(t, len(clines), 2*2*2*90, "a row per run and arrived percent")
	assert.Regexp(t, `^openb_pod_list_default\tBestFit\t42\t0\t`, clines[1])
}

func TestBenchFragUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no experiment", []string{"bench"}, 2, "Experiments:"},
		{"unknown experiment", []string{"bench", "nope"}, 2, `unknown experiment "nope"`},
		{"missing pods", []string{"bench", "frag", "--nodes", "n.csv"}, 2, "--pods are required"},
		{"bad seeds", []string{"bench", "frag", "--nodes", "n.csv", "--pods", "p.csv", "--seeds", "9-3"}, 1, "--seeds"},
		{"bad format", []string{"bench", "frag", "--nodes", "n.csv", "--pods", "p.csv", "--format", "xml"}, 1, "--format"},
		{"bad policy", []string{"bench", "frag", "--nodes", "n.csv", "--pods", "p.csv", "--policies", "Random,Magic"}, 1, `"Magic"`},
		{"bad policy setting", []string{"bench", "frag", "--nodes", "n.csv", "--pods", "p.csv", "--policies", "kubernetes:scoring"}, 1, `--policies: policy "kubernetes:scoring": "scoring": want key=value`},
		{"setting the policy does not read", []string{"bench", "frag", "--nodes", "n.csv", "--pods", "p.csv", "--policies", "FGD:balanced=false"}, 1, `--policies: FGD:balanced=false: parameter "balanced": only the kubernetes placements read it`},
		{"bad ties", []string{"bench", "frag", "--nodes", "n.csv", "--pods", "p.csv", "--ties", "last"}, 1, "ties"},
		{"missing file", []string{"bench", "frag", "--nodes", "/nonexistent/n.csv", "--pods", "p.csv"}, 1, "n.csv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			assert.Equal(t, tt.code, Main(tt.args, &stdout, &stderr))
			assert.Contains(t, stderr.String(), tt.msg)
		})
	}
}

func TestParseSeeds(t *testing.T) {
	got, err := parseSeeds("42-45, 7,9-9")
	require.NoError(t, err)
	assert.Equal(t, []uint64{42, 43, 44, 45, 7, 9}, got)
	for _, bad := range []string{"", "x", "5-", "-5", "9-3", "1-9999999", "1,1", "1-3,2"} {
		_, err := parseSeeds(bad)
		assert.Error(t, err, bad)
	}
}

func FuzzParseSeeds(f *testing.F) {
	for _, s := range []string{"42-51", "1,2,3", "7-7", "", "a-b", "18446744073709551615", "0-100000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		seeds, err := parseSeeds(s)
		if err == nil && (len(seeds) == 0 || len(seeds) > 100001*len(s)) {
			t.Fatalf("%q: %d seeds without error", s, len(seeds))
		}
	})
}

func FuzzParseInts(f *testing.F) {
	for _, s := range []string{"90,100,110,120,130", "5", "", ",,", "-1", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseInts(s)
		if err != nil {
			return
		}
		if len(v) == 0 {
			t.Fatalf("%q: no values without error", s)
		}
		for _, x := range v {
			if x < 0 {
				t.Fatalf("%q: negative %d accepted", s, x)
			}
		}
	})
}
