package traces

import (
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// writeFile writes data (gzip-compressed when the name ends in .gz) under dir.
func writeFile(t testing.TB, dir, name string, data string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	f, err := os.Create(p)
	require.NoError(t, err)
	if filepath.Ext(name) == ".gz" {
		zw := gzip.NewWriter(f)
		_, err = zw.Write([]byte(data))
		require.NoError(t, err)
		require.NoError(t, zw.Close())
	} else {
		_, err = f.WriteString(data)
		require.NoError(t, err)
	}
	require.NoError(t, f.Close())
	return p
}

// drainErr reads r to the end and returns the first error (nil at EOF).
func drainErr(r Reader) (n int, err error) {
	var rec Record
	for {
		if err := r.Next(&rec); err != nil {
			r.Close()
			if err == io.EOF {
				return n, nil
			}
			return n, err
		}
		n++
	}
}

const goodTaskRow = "600000000,,42,0,,0,u,1,9,0.0625,0.03,0.001,0\n"

func TestMalformedRowsNameFileLineColumn(t *testing.T) {
	type tc struct {
		name    string
		format  string
		files   map[string]string // relative name → content
		path    string            // relative path opened
		wantErr []string          // substrings of the error
	}
	cases := []tc{
		{"g11 task bad cpu", "google2011", map[string]string{"task_events/part-00000-of-00001.csv.gz": goodTaskRow + "600000001,,42,1,,0,u,1,9,abc,0.03,0.001,0\n"},
			"", []string{"part-00000-of-00001.csv.gz:2", "column CPU request", `"abc"`, "normalised request"}},
		{"g11 task few fields", "google2011", map[string]string{"task_events/part-00000-of-00001.csv.gz": "1,2,3\n"},
			"", []string{":1:", "13 comma-separated fields", "got 3"}},
		{"g11 task bad event type", "google2011", map[string]string{"task_events/p.csv": "600000000,,42,0,,9,u,1,9,0.1,0.1,0.1,0\n"},
			"", []string{"p.csv:1", "column event type", "event type 0–8"}},
		{"g11 task time backwards", "google2011", map[string]string{"task_events/p.csv": goodTaskRow + "5,,42,1,,0,u,1,9,0.1,0.1,0.1,0\n"},
			"", []string{"p.csv:2", "column time", "non-decreasing"}},
		{"g11 line too long", "google2011", map[string]string{"task_events/p.csv": goodTaskRow + string(make([]byte, maxLine+1)) + "\n"},
			"", []string{"p.csv:2", "a line of at most 256 KiB"}},
		{"g11 machine time backwards", "google2011", map[string]string{"machine_events/m.csv": "5,1,0,p,0.5,0.5\n3,2,0,p,0.5,0.5\n"},
			"", []string{"m.csv:2", "column time", "non-decreasing order (previous 5)"}},
		{"g11 machine bad type", "google2011", map[string]string{"machine_events/m.csv": "0,1,7,p,0.5,0.5\n"},
			"", []string{"m.csv:1", "column event type", "ADD"}},
		// A bad value next to a missing one used to pass as "missing".
		{"g11 machine bad memory, cpu missing", "google2011", map[string]string{"machine_events/m.csv": "0,1,0,p,,abc\n"},
			"", []string{"m.csv:1", "column memory", `"abc"`}},
		{"g11 task bad cpu, memory missing", "google2011", map[string]string{"task_events/p.csv": "600000000,,42,0,,0,u,1,9,abc,,0.001,0\n"},
			"", []string{"p.csv:1", "column CPU request", `"abc"`}},
		{"g19 negative cpus, memory missing", "google2019", map[string]string{"instance_events/i.json": "{\"time\": 1, \"type\": 0, \"collection_id\": 1, \"instance_index\": 0, \"resource_request\": {\"cpus\": -0.5}}\n"},
			"", []string{"i.json:1", "column resource_request.cpus"}},
		{"g19 bad json", "google2019", map[string]string{"instance_events/i.json": "{\"time\": 1, \"type\": 0, \"collection_id\": 1, \"instance_index\": 0}\n{nope\n"},
			"", []string{"i.json:2", "JSON object"}},
		{"g19 bad field type", "google2019", map[string]string{"instance_events/i.json": "{\"time\": 1, \"type\": 0, \"collection_id\": 1, \"instance_index\": 0, \"priority\": \"x\"}\n"},
			"", []string{"i.json:1", "column priority", `"\"x\""`, "expected an integer"}},
		{"g19 priority beyond int32", "google2019", map[string]string{"instance_events/i.json": "{\"time\": 1, \"type\": 0, \"collection_id\": 1, \"instance_index\": 0, \"priority\": 4294967296}\n"},
			"", []string{"i.json:1", "column priority", `"4294967296"`, "0–2147483647"}},
		{"g19 negative max_per_switch", "google2019", map[string]string{
			"collection_events/c.json": "{\"time\": 0, \"type\": 0, \"collection_id\": 1, \"max_per_switch\": -2}\n",
			"instance_events/i.json":   "{\"time\": 1, \"type\": 0, \"collection_id\": 1, \"instance_index\": 0}\n"},
			"", []string{"c.json:1", "column max_per_switch", `"-2"`, "a cap 0–2147483647"}},
		{"g19 missing index", "google2019", map[string]string{"instance_events/i.json": "{\"time\": 1, \"type\": 0, \"collection_id\": 1}\n"},
			"", []string{"i.json:1", "column instance_index"}},
		{"g19 bad enum", "google2019", map[string]string{"instance_events/i.json": "{\"time\": 1, \"type\": \"SUBMITT\", \"collection_id\": 1, \"instance_index\": 0}\n"},
			"", []string{"i.json:1", "column type", "SUBMIT, QUEUE, ENABLE"}},
		{"openb pod bad gpu", "openb", map[string]string{"openb_node_list_gpu_node.csv": "sn,cpu_milli,memory_mib,gpu,model\nn0,1000,1024,1,T4\n",
			"pods.csv": "name,cpu_milli,memory_mib,num_gpu,gpu_milli\np0,1000,1024,2,500\n"},
			"pods.csv", []string{"pods.csv:2", "column gpu_milli", "1000 (whole GPUs)"}},
		{"openb node bad gpu count", "openb", map[string]string{"openb_node_list_x.csv": "sn,cpu_milli,memory_mib,gpu,model\nn0,1000,1024,x,T4\n"},
			"openb_node_list_x.csv", []string{"openb_node_list_x.csv:2", "column gpu", "GPU count"}},
		{"openb missing column", "openb", map[string]string{"p.csv": "name,cpu_milli\np,1\n", "openb_node_list_gpu_node.csv": "sn,cpu_milli,memory_mib,gpu,model\n"},
			"p.csv", []string{"p.csv:1", `"memory_mib"`}},
		{"alibaba2018 bad cpu", "alibaba2018", map[string]string{"machine_meta.csv": "m_1,0,1,2,96,100,USING\nm_2,0,1,2,lots,100,USING\n"},
			"machine_meta.csv", []string{"machine_meta.csv:2", "column cpu_num", "CPU count"}},
		{"pai bad mem", "pai2020", map[string]string{"pai_machine_spec.csv": "a,T4,96,512,2\nb,T4,96,-5,2\n"},
			"pai_machine_spec.csv", []string{"pai_machine_spec.csv:2", "column cap_mem", "memory in GB"}},
		{"swf bad run time", "swf", map[string]string{"x.swf": "; MaxNodes: 4\n; MaxProcs: 4\n1 0 0 10 2 -1 -1 -1 -1 -1 1 1 1 -1 -1 -1 -1 -1\n2 5 0 1x 2 -1 -1 -1 -1 -1 1 1 1 -1 -1 -1 -1 -1\n"},
			"x.swf", []string{"x.swf:4", "column run time", "-1 for unknown"}},
		{"swf short line", "swf", map[string]string{"x.swf": "1 0 0 10\n"},
			"x.swf", []string{"x.swf:1", "18 whitespace-separated fields"}},
		// Times in seconds beyond what int64 microseconds hold used to wrap
		// to negative times (out of order) and negative run times.
		{"openb creation overflows µs", "openb", map[string]string{"openb_node_list_gpu_node.csv": "sn,cpu_milli,memory_mib,gpu,model\n",
			"p.csv": "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time\n" +
				"a,1,1,0,0,,LS,Succeeded,1,2,\nb,1,1,0,0,,LS,Succeeded,9223372036855,9223372036856,\n"},
			"p.csv", []string{"p.csv:3", "column creation_time", "from 0 to 9223372036854"}},
		{"openb scheduled overflows µs", "openb", map[string]string{"openb_node_list_gpu_node.csv": "sn,cpu_milli,memory_mib,gpu,model\n",
			"p.csv": "name,cpu_milli,memory_mib,num_gpu,gpu_milli,creation_time,scheduled_time\na,1,1,0,0,1,9223372036855\n"},
			"p.csv", []string{"p.csv:2", "column scheduled_time"}},
		{"swf queue beyond int32", "swf", map[string]string{"x.swf": "1 0 0 10 2 -1 -1 -1 -1 -1 1 1 1 -1 4294967296 -1 -1 -1\n"},
			"x.swf", []string{"x.swf:1", "column queue", "0–2147483647"}},
		{"swf submit overflows µs", "swf", map[string]string{"x.swf": "1 9223372036855 0 10 2 -1 -1 -1 -1 -1 1 1 1 -1 -1 -1 -1 -1\n"},
			"x.swf", []string{"x.swf:1", "column submit time", "at most 9223372036854"}},
		{"swf run overflows µs", "swf", map[string]string{"x.swf": "1 0 0 9223372036855 2 -1 -1 -1 -1 -1 1 1 1 -1 -1 -1 -1 -1\n"},
			"x.swf", []string{"x.swf:1", "column run time"}},
		{"swf submit + wait overflows µs", "swf", map[string]string{"x.swf": "1 9223372036850 5 1 2 -1 -1 -1 -1 -1 1 1 1 -1 -1 -1 -1 -1\n"},
			"x.swf", []string{"x.swf:1", "column wait time", "at most 4 (with the submit time)"}},
		// The header's node count sizes a slice of machines: a corrupt one
		// used to allocate until the process died.
		{"swf MaxNodes too large", "swf", map[string]string{"x.swf": "; MaxProcs: 4\n; MaxNodes: 100000000000\n1 0 0 10 2 -1 -1 -1 -1 -1 1 1 1 -1 -1 -1 -1 -1\n"},
			"x.swf", []string{"x.swf:2", "column MaxNodes/MaxProcs", "at most 2^20 nodes"}},
		{"swf MaxProcs per node too large", "swf", map[string]string{"x.swf": "; MaxNodes: 1\n; MaxProcs: 9223372036854775807\n"},
			"x.swf", []string{"x.swf:2", "column MaxNodes/MaxProcs", "at most 2^20 processors"}},
		{"alibaba2018 time overflows µs", "alibaba2018", map[string]string{"machine_meta.csv": "m_1,0,1,2,96,100,USING\nm_2,9223372036855,1,2,96,100,USING\n"},
			"machine_meta.csv", []string{"machine_meta.csv:2", "column time_stamp"}},
		{"alibaba2018 cpu overflows milli-CPU", "alibaba2018", map[string]string{"machine_meta.csv": "m_1,0,1,2,9223372036854775,100,USING\n"},
			"machine_meta.csv", []string{"machine_meta.csv:1", "column cpu_num", "0–1048576"}},
		{"pai cpu overflows milli-CPU", "pai2020", map[string]string{"pai_machine_spec.csv": "a,CPU,9223372036854775,512,0\n"},
			"pai_machine_spec.csv", []string{"pai_machine_spec.csv:1", "column cap_cpu", "0–1048576"}},
		{"pai mem overflows MiB", "pai2020", map[string]string{"pai_machine_spec.csv": "a,CPU,96,9223372036854775,0\n"},
			"pai_machine_spec.csv", []string{"pai_machine_spec.csv:1", "column cap_mem", "0–1073741824"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for n, d := range c.files {
				writeFile(t, dir, n, d)
			}
			r, err := Open(c.format, filepath.Join(dir, c.path), OpenOptions{})
			if err == nil {
				_, err = drainErr(r)
			}
			require.Error(t, err)
			for _, w := range c.wantErr {
				require.Contains(t, err.Error(), w)
			}
			var pe *ParseError
			require.True(t, errors.As(err, &pe), "want a *ParseError, got %T", err)
		})
	}
}

// With SkipBadRows, bad rows are counted, never silently dropped.
func TestSkipBadRowsCounts(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "task_events/p.csv", goodTaskRow+"x,,42,1,,0,u,1,9,0.1,0.1,0.1,0\n"+
		"600000002,,42,0,,1,u,1,9,0.0625,0.03,0.001,0\n1,2\n600000003,,42,0,,4,u,1,9,0.0625,0.03,0.001,0\n")
	r, err := Open("google2011", dir, OpenOptions{Options: Options{SkipBadRows: true}})
	require.NoError(t, err)
	n, err := drainErr(r)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.EqualValues(t, 2, r.Stats().Get("bad_rows"))

	// A machine event out of time order is a bad row too: counted, skipped,
	// and not counted as an event.
	mdir := t.TempDir()
	writeFile(t, mdir, "machine_events/m.csv", "5,1,0,p,0.5,0.5\n3,2,0,p,0.5,0.5\n7,3,0,p,0.5,0.5\n")
	r, err = Open("google2011", mdir, OpenOptions{Options: Options{SkipBadRows: true}})
	require.NoError(t, err)
	n, err = drainErr(r)
	require.NoError(t, err)
	require.Equal(t, 2, n)
	require.EqualValues(t, 1, r.Stats().Get("bad_rows"))
	require.EqualValues(t, 2, r.Stats().Get("machine_event_add"))

	writeFile(t, dir, "s.swf", "1 0 0 10 2 -1 -1 -1 -1 -1 1 1 1 -1 -1 -1 -1 -1\nbad\n2 1 0 10 1 -1 -1 -1 -1 -1 1 1 1 -1 -1 -1 -1 -1\n")
	r, err = Open("swf", filepath.Join(dir, "s.swf"), OpenOptions{Options: Options{SkipBadRows: true}})
	require.NoError(t, err)
	n, err = drainErr(r)
	require.NoError(t, err)
	require.Equal(t, 3, n) // 2 + 1 processors
	require.EqualValues(t, 1, r.Stats().Get("bad_rows"))
}

// An over-long line is a bad row like any other: an error naming its file and
// line, or, with SkipBadRows, counted and read past so that the rows after it
// still arrive (it used to stop the reader either way).
func TestOverlongLineIsABadRow(t *testing.T) {
	long := strings.Repeat("x", maxLine+100) + "\n"
	cases := []struct {
		name, format, file, open string
		first, last              string // good lines around the long one
	}{
		{"google2011 tasks", "google2011", "task_events/p.csv", "",
			goodTaskRow, "600000002,,42,0,,1,u,1,9,0.0625,0.03,0.001,0\n"},
		{"google2011 machines", "google2011", "machine_events/m.csv", "",
			"5,1,0,p,0.5,0.5\n", "7,3,0,p,0.5,0.5\n"},
		{"google2019 machines", "google2019", "machine_events/m.json", "",
			`{"time":"0","machine_id":"100","type":"ADD","capacity":{"cpus":0.5,"memory":0.25}}` + "\n",
			`{"time":"1","machine_id":"101","type":"ADD","capacity":{"cpus":1,"memory":1}}` + "\n"},
		{"swf", "swf", "s.swf", "s.swf",
			"1 0 0 10 2 -1 -1 -1 -1 -1 1 1 1 -1 -1 -1 -1 -1\n", "2 1 0 10 1 -1 -1 -1 -1 -1 1 1 1 -1 -1 -1 -1 -1\n"},
		{"alibaba2018 machines (csv table)", "alibaba2018", "machine_meta.csv", "machine_meta.csv",
			"m_1,0,1,2,96,100,USING\n", "m_2,0,1,2,96,100,USING\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			open := func(content string, skip bool) (int, Reader, error) {
				dir := t.TempDir()
				writeFile(t, dir, c.file, content)
				r, err := Open(c.format, filepath.Join(dir, c.open), OpenOptions{Options: Options{SkipBadRows: skip}})
				if err != nil { // readers of small tables read them at once
					return 0, nil, err
				}
				n, err := drainErr(r)
				return n, r, err
			}
			want, _, err := open(c.first+c.last, false)
			require.NoError(t, err)
			require.Positive(t, want, "the good lines alone give records")

			_, _, err = open(c.first+long+c.last, false)
			var pe *ParseError
			require.True(t, errors.As(err, &pe), "want a *ParseError, got %v", err)
			require.Contains(t, err.Error(), filepath.Base(c.file)+":2")
			require.Contains(t, err.Error(), "at most 256 KiB")

			got, r, err := open(c.first+long+c.last, true)
			require.NoError(t, err)
			require.Equal(t, want, got, "the line after the long one is read")
			require.EqualValues(t, 1, r.Stats().Get("bad_rows"))

			// A long last line without its newline ends the file cleanly.
			got, r, err = open(c.first+c.last+strings.TrimSuffix(long, "\n"), true)
			require.NoError(t, err)
			require.Equal(t, want, got)
			require.EqualValues(t, 1, r.Stats().Get("bad_rows"))
		})
	}
}
