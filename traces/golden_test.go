package traces

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// The summaries of the small real traces are golden files: a reader change
// that moves any count, total or quantile shows up in the diff.
func TestInfoGolden(t *testing.T) {
	base := tracesDir(t)
	cases := []struct{ name, format, path string }{
		{"openb_default", "openb", "alibaba-gpu-v2023/openb_pod_list_default.csv"},
		{"openb_multigpu30", "openb", "alibaba-gpu-v2023/openb_pod_list_multigpu30.csv"},
		{"swf_nasa", "swf", "swf-pwa/NASA-iPSC-1993-3.1-cln.swf.gz"},
		{"pai2020", "pai2020", "alibaba-gpu-v2020-pai"},
		{"alibaba2018", "alibaba2018", "alibaba-v2018"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := Open(c.format, filepath.Join(base, c.path), OpenOptions{})
			require.NoError(t, err)
			info, err := Summarize(r)
			require.NoError(t, err)
			require.NoError(t, r.Close())
			var buf bytes.Buffer
			info.WriteText(&buf)
			js, err := json.MarshalIndent(info, "", "  ")
			require.NoError(t, err)
			buf.WriteString("\n")
			buf.Write(js)
			buf.WriteString("\n")
			golden := filepath.Join("testdata", "info_"+c.name+".golden")
			if *update {
				require.NoError(t, os.MkdirAll("testdata", 0o755))
				require.NoError(t, os.WriteFile(golden, buf.Bytes(), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run go test ./traces -run InfoGolden -update to create it")
			require.Equal(t, string(want), buf.String())
		})
	}
}
