package traces

import (
	"io"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/allocator"
)

// drain reads every record and returns machines-at-time-0 count, machine
// events by kind, task count and total GPU capacity added at time 0.
type drained struct {
	machinesAt0 int
	byKind      [numMachineEventKinds]int
	tasks       int
	gpusAt0     int64
	jobs        map[int64]bool
}

func drain(t *testing.T, r Reader) drained {
	t.Helper()
	d := drained{jobs: map[int64]bool{}}
	var rec Record
	last := allocator.Time(-1 << 62)
	up := map[int64]bool{}
	for {
		err := r.Next(&rec)
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		require.GreaterOrEqual(t, rec.Time(), last, "records must come in time order")
		last = rec.Time()
		switch rec.Kind {
		case RecordMachine:
			m := rec.Machine
			d.byKind[m.Kind]++
			if m.Time == 0 {
				switch m.Kind {
				case MachineAdd:
					up[m.Machine] = true
					d.gpusAt0 += m.Capacity[allocator.GPU] / 1000
				case MachineRemove:
					delete(up, m.Machine)
				}
			}
		case RecordTask:
			d.tasks++
			d.jobs[rec.Task.Job] = true
		}
	}
	d.machinesAt0 = len(up)
	require.NoError(t, r.Close())
	return d
}

func TestGoogle2011MachineEvents(t *testing.T) {
	dir := filepath.Join(tracesDir(t), "google-2011")
	r, err := OpenGoogle2011(dir, Google2011Options{})
	require.NoError(t, err)
	// Tasks are read too; machine facts must hold regardless.
	d := drain(t, r)
	require.Equal(t, 12477, d.machinesAt0)
	require.Equal(t, 21443, d.byKind[MachineAdd])
	require.Equal(t, 8957, d.byKind[MachineRemove])
	require.Equal(t, 7380, d.byKind[MachineUpdate])
	require.EqualValues(t, 21443, r.Stats().Get("machine_event_add"))
}

func TestGoogle2011MachineShapesAt0(t *testing.T) {
	dir := filepath.Join(tracesDir(t), "google-2011")
	r, err := OpenGoogle2011(filepath.Join(dir), Google2011Options{MaxParts: 1})
	require.NoError(t, err)
	defer r.Close()
	shapes := map[allocator.Resources]int{}
	var rec Record
	for {
		err := r.Next(&rec)
		if err == io.EOF || rec.Time() > 0 {
			break
		}
		require.NoError(t, err)
		if rec.Kind == RecordMachine && rec.Machine.Kind == MachineAdd {
			shapes[rec.Machine.Capacity]++
		}
	}
	// The traces' README: (0.5, 0.4995) ×6672, (0.5, 0.2493) ×3835, (0.5, 0.749) ×992, (1, 1) ×788
	// under the default shape (32 cores, 128 GiB, 1 TiB disk).
	disk := DefaultShape.DiskMiB
	require.Equal(t, 6672, shapes[allocator.Res(16000, 65470, disk, 0)]) // 0.4995 × 131072 = 65470.46
	require.Equal(t, 3835, shapes[allocator.Res(16000, 32676, disk, 0)]) // 0.2493 × 131072 = 32676.25
	require.Equal(t, 992, shapes[allocator.Res(16000, 98173, disk, 0)])  // 0.749 × 131072 = 98172.93
	require.Equal(t, 788, shapes[allocator.Res(32000, 131072, disk, 0)])
}

func TestOpenbFacts(t *testing.T) {
	dir := filepath.Join(tracesDir(t), "alibaba-gpu-v2023")
	nodes, err := ReadOpenbNodes(filepath.Join(dir, "openb_node_list_gpu_node.csv"))
	require.NoError(t, err)
	gpus := 0
	for _, n := range nodes {
		gpus += n.GPUs
	}
	require.Equal(t, 1213, len(nodes))
	require.Equal(t, 6212, gpus)
	all, err := ReadOpenbNodes(filepath.Join(dir, "openb_node_list_all_node.csv"))
	require.NoError(t, err)
	require.Equal(t, 1523, len(all))

	pods, err := ReadOpenbPods(filepath.Join(dir, "openb_pod_list_default.csv"))
	require.NoError(t, err)
	require.Equal(t, 8152, len(pods))

	r, err := Open("openb", filepath.Join(dir, "openb_pod_list_default.csv"), OpenOptions{})
	require.NoError(t, err)
	d := drain(t, r)
	require.Equal(t, 1213, d.machinesAt0)
	require.EqualValues(t, 6212, d.gpusAt0)
	require.Equal(t, 8152, d.tasks)

	// Every variant reads, including multigpu30 with only five columns.
	files, err := filepath.Glob(filepath.Join(dir, "openb_pod_list_*.csv"))
	require.NoError(t, err)
	require.Len(t, files, 8)
	for _, f := range files {
		ps, err := ReadOpenbPods(f)
		require.NoError(t, err, f)
		require.NotEmpty(t, ps)
		c := allocator.NewCluster()
		for _, p := range ps {
			_, err := p.Request(c)
			require.NoError(t, err)
		}
	}
}

func TestSWFFacts(t *testing.T) {
	path := filepath.Join(tracesDir(t), "swf-pwa", "NASA-iPSC-1993-3.1-cln.swf.gz")
	r, err := Open("", path, OpenOptions{})
	require.NoError(t, err)
	d := drain(t, r)
	require.Equal(t, 18239, len(d.jobs))
	require.EqualValues(t, 18239, r.Stats().Get("jobs"))
	require.Equal(t, 128, d.machinesAt0)
}

func TestPAI2020Facts(t *testing.T) {
	r, err := Open("pai2020", filepath.Join(tracesDir(t), "alibaba-gpu-v2020-pai"), OpenOptions{})
	require.NoError(t, err)
	d := drain(t, r)
	require.Equal(t, 1897, d.machinesAt0)
	require.EqualValues(t, 6742, d.gpusAt0)
}

func TestAlibaba2018Facts(t *testing.T) {
	r, err := Open("", filepath.Join(tracesDir(t), "alibaba-v2018", "machine_meta.csv"), OpenOptions{})
	require.NoError(t, err)
	d := drain(t, r)
	require.EqualValues(t, 4034, r.Stats().Get("machines"))
	require.Equal(t, 0, d.tasks)
	require.Positive(t, d.byKind[MachineAdd])
}

// Streaming: what the Google 2011 reader holds (queued and open runs) is set
// by the lookahead and the tasks running at time 0, not by how many parts are
// read — 1 part and 10 parts (4× the rows) peak within 10 % of each other.
func TestGoogle2011ReaderStateFlatInParts(t *testing.T) {
	dir := filepath.Join(tracesDir(t), "google-2011")
	peaks := map[int][2]int64{}
	for _, parts := range []int{1, 10} {
		r, err := OpenGoogle2011(dir, Google2011Options{MaxParts: parts})
		require.NoError(t, err)
		var rec Record
		for {
			err := r.Next(&rec)
			if err == io.EOF {
				break
			}
			require.NoError(t, err)
		}
		st := r.Stats()
		require.NoError(t, r.Close())
		peaks[parts] = [2]int64{st.Get("peak_queued_tasks"), st.Get("peak_open_tasks")}
	}
	for i := range 2 {
		require.Positive(t, peaks[1][i])
		require.LessOrEqual(t, float64(peaks[10][i]), 1.1*float64(peaks[1][i]), "peaks %v", peaks)
	}
	t.Logf("peak queued/open runs: 1 part %v, 10 parts %v", peaks[1], peaks[10])
}
