package traces

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/allocator"
)

func readAll(t *testing.T, r Reader) []Record {
	t.Helper()
	var out []Record
	var rec Record
	for {
		err := r.Next(&rec)
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		// Readers fill only the part Kind names; compare just that.
		if rec.Kind == RecordMachine {
			out = append(out, Record{Kind: rec.Kind, Machine: rec.Machine})
		} else {
			out = append(out, Record{Kind: rec.Kind, Task: rec.Task})
		}
	}
	require.NoError(t, r.Close())
	return out
}

// Canonical Parquet keeps every record exactly, and the same input gives
// byte-identical files.
func TestCanonicalRoundTripAndDeterminism(t *testing.T) {
	dir := filepath.Join(tracesDir(t), "alibaba-gpu-v2023")
	open := func() Reader {
		r, err := Open("openb", filepath.Join(dir, "openb_pod_list_gpuspec25.csv"), OpenOptions{})
		require.NoError(t, err)
		return r
	}
	src := open()
	want := readAll(t, src)
	out1, out2 := t.TempDir(), t.TempDir()
	meta := map[string]string{MetaFormat: "openb"}
	s1, err := WriteCanonical(out1, open(), meta)
	require.NoError(t, err)
	_, err = WriteCanonical(out2, open(), meta)
	require.NoError(t, err)
	require.EqualValues(t, len(want), s1.Machines+s1.Tasks)
	for _, f := range []string{MachinesFile, TasksFile} {
		a, err := os.ReadFile(filepath.Join(out1, f))
		require.NoError(t, err)
		b, err := os.ReadFile(filepath.Join(out2, f))
		require.NoError(t, err)
		require.Equal(t, a, b, "%s must be byte-identical across runs", f)
	}
	c, err := OpenCanonical(out1)
	require.NoError(t, err)
	require.Equal(t, "openb", Meta(c)[MetaFormat])
	require.Equal(t, src.Stats().Map(), c.Stats().Map(), "the source's counters travel in the metadata")
	got := readAll(t, c)
	require.Equal(t, len(want), len(got))
	for i := range want {
		if want[i] != got[i] {
			t.Fatalf("record %d: want %+v, got %+v", i, want[i], got[i])
		}
	}
	// No temp files left behind.
	ents, err := os.ReadDir(out1)
	require.NoError(t, err)
	require.Len(t, ents, 2)
}

func TestCanonicalGoogleSampleRoundTrip(t *testing.T) {
	dir := filepath.Join(tracesDir(t), "google-2011")
	open := func() Reader {
		r, err := OpenGoogle2011(dir, Google2011Options{MaxParts: 1})
		require.NoError(t, err)
		return Sample(r, SampleOptions{Start: 600 * allocator.Second, End: allocator.Hour, Every: 3, Seed: 5})
	}
	want := readAll(t, open())
	out := t.TempDir()
	_, err := WriteCanonical(out, open(), nil)
	require.NoError(t, err)
	c, err := OpenCanonical(out)
	require.NoError(t, err)
	got := readAll(t, c)
	require.Equal(t, len(want), len(got))
	for i := range want {
		if want[i] != got[i] {
			t.Fatalf("record %d: want %+v, got %+v", i, want[i], got[i])
		}
	}
	tasks := 0
	for _, r := range got {
		if r.Kind == RecordTask {
			tasks++
			require.GreaterOrEqual(t, r.Task.Submit, 600*allocator.Second)
			require.Less(t, r.Task.Submit, allocator.Hour)
			require.True(t, KeepJob(5, r.Task.Job, 3))
		}
	}
	require.Greater(t, tasks, 1000)
}

func TestCanonicalMissingDir(t *testing.T) {
	_, err := OpenCanonical(t.TempDir())
	require.ErrorContains(t, err, "no machines.parquet or tasks.parquet")
}

// A damaged canonical file gives an error naming it, at once: a flipped
// high byte of the footer length used to cost a gigabyte of memory first.
func TestCanonicalDamagedFooterLength(t *testing.T) {
	dir := filepath.Join(tracesDir(t), "google-2011")
	r, err := OpenGoogle2011(dir, Google2011Options{MaxParts: 1})
	require.NoError(t, err)
	out := t.TempDir()
	_, err = WriteCanonical(out, Sample(r, SampleOptions{End: 10 * allocator.Minute, Every: 50, Seed: 1}), nil)
	require.NoError(t, err)
	p := filepath.Join(out, TasksFile)
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	b[len(b)-5] = 0x3c
	require.NoError(t, os.WriteFile(p, b, 0o644))
	_, err = OpenCanonical(out)
	require.ErrorContains(t, err, p+": footer length")
}

// A canonical file is checked as it is read: what WriteCanonical never
// writes — a negative request or time, rows out of order, a GPU request of
// no valid shape, a class beyond int8, a negative machine capacity — stops
// the reader with the file, the row and the column.
func TestCanonicalRefusesWhatItNeverWrites(t *testing.T) {
	good := taskRow{JobID: 1, SubmitUS: 10, StartUS: -1, RunUS: 5, CPUMilli: 500, MemMiB: 64, Outcome: "finished"}
	for _, c := range []struct {
		name string
		edit func(r *taskRow)
		want string
	}{
		{"negative cpu", func(r *taskRow) { r.CPUMilli = -1 }, ":2: column cpu_milli: got \"-1\", expected a request ≥ 0"},
		{"negative memory", func(r *taskRow) { r.MemMiB = -5 }, "column mem_mib"},
		{"negative disk", func(r *taskRow) { r.DiskMiB = -5 }, "column disk_mib"},
		{"out of order", func(r *taskRow) { r.SubmitUS = 3 }, "column submit_us: got \"3\", expected rows in submit order (the row before: 10)"},
		{"start before unknown", func(r *taskRow) { r.StartUS = -2 }, "column start_us"},
		{"gpu shape", func(r *taskRow) { r.GPUMilli = 1500 }, "column gpu_milli"},
		{"class", func(r *taskRow) { r.SchedClass = 300 }, "column sched_class"},
		{"negative cap per machine", func(r *taskRow) { r.MaxPerMachine = -1 }, "column max_per_machine: got \"-1\", expected a cap ≥ 0"},
		{"negative cap per switch", func(r *taskRow) { r.MaxPerSwitch = -3 }, "column max_per_switch"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			bad := good
			c.edit(&bad)
			writeRows(t, filepath.Join(dir, TasksFile), []taskRow{good, bad})
			r, err := OpenCanonical(dir)
			require.NoError(t, err)
			defer r.Close()
			var rec Record
			require.NoError(t, r.Next(&rec))
			err = r.Next(&rec)
			require.Error(t, err)
			assert.Contains(t, err.Error(), filepath.Join(dir, TasksFile))
			assert.Contains(t, err.Error(), c.want)
		})
	}
	t.Run("machine capacity", func(t *testing.T) {
		dir := t.TempDir()
		writeRows(t, filepath.Join(dir, MachinesFile), []machineRow{
			{TimeUS: 0, MachineID: 1, Event: "add", CPUMilli: 1000, MemMiB: 10},
			{TimeUS: 5, MachineID: 2, Event: "add", CPUMilli: 1000, MemMiB: -10}})
		r, err := OpenCanonical(dir)
		require.NoError(t, err)
		defer r.Close()
		var rec Record
		require.NoError(t, r.Next(&rec))
		err = r.Next(&rec)
		require.ErrorContains(t, err, filepath.Join(dir, MachinesFile)+":2: column mem_mib")
	})
}

func writeRows[T any](t *testing.T, path string, rows []T) {
	t.Helper()
	f, err := os.Create(path)
	require.NoError(t, err)
	w := parquet.NewGenericWriter[T](f)
	_, err = w.Write(rows)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	require.NoError(t, f.Close())
}

// The caps per machine and per switch travel through a canonical file, and
// a file written before they existed reads as having none.
func TestCanonicalCaps(t *testing.T) {
	dir := t.TempDir()
	rows := []taskRow{
		{JobID: 1, SubmitUS: 10, StartUS: -1, RunUS: 5, CPUMilli: 500, MemMiB: 64, Outcome: "finished", DistinctMachines: true, MaxPerMachine: 1},
		{JobID: 2, SubmitUS: 11, StartUS: -1, RunUS: 5, CPUMilli: 500, MemMiB: 64, Outcome: "finished", MaxPerMachine: 2, MaxPerSwitch: 7},
	}
	writeRows(t, filepath.Join(dir, TasksFile), rows)
	r, err := OpenCanonical(dir)
	require.NoError(t, err)
	got := readAll(t, r)
	require.Len(t, got, 2)
	assert.Equal(t, [3]any{true, int32(1), int32(0)}, [3]any{got[0].Task.DistinctMachines, got[0].Task.MaxPerMachine, got[0].Task.MaxPerSwitch})
	assert.Equal(t, [3]any{false, int32(2), int32(7)}, [3]any{got[1].Task.DistinctMachines, got[1].Task.MaxPerMachine, got[1].Task.MaxPerSwitch})

	// The columns as the first canonical files had them.
	type oldRow struct {
		JobID            int64  `parquet:"job_id"`
		TaskIndex        int32  `parquet:"task_index"`
		SubmitUS         int64  `parquet:"submit_us"`
		StartUS          int64  `parquet:"start_us"`
		RunUS            int64  `parquet:"run_us"`
		CPUMilli         int64  `parquet:"cpu_milli"`
		MemMiB           int64  `parquet:"mem_mib"`
		DiskMiB          int64  `parquet:"disk_mib"`
		GPUMilli         int64  `parquet:"gpu_milli"`
		GPUModels        string `parquet:"gpu_models,dict"`
		Priority         int32  `parquet:"priority"`
		SchedClass       int32  `parquet:"sched_class"`
		DistinctMachines bool   `parquet:"distinct_machines"`
		Outcome          string `parquet:"outcome,dict"`
	}
	old := t.TempDir()
	writeRows(t, filepath.Join(old, TasksFile), []oldRow{{JobID: 3, SubmitUS: 1, StartUS: -1, RunUS: 2, CPUMilli: 100, MemMiB: 8, DistinctMachines: true, Outcome: "killed"}})
	r, err = OpenCanonical(old)
	require.NoError(t, err)
	got = readAll(t, r)
	require.Len(t, got, 1)
	assert.True(t, got[0].Task.DistinctMachines)
	assert.Zero(t, got[0].Task.MaxPerMachine)
	assert.Zero(t, got[0].Task.MaxPerSwitch)
}
