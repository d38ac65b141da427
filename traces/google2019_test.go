package traces

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/allocator"
)

// A small ClusterData2019 export written from the proto's field names, mixing
// the encodings BigQuery produces (int64 as strings, enums as names or numbers).
func TestGoogle2019Lifecycle(t *testing.T) {
	dir := t.TempDir()
	lines := func(ls ...string) string { return strings.Join(ls, "\n") + "\n" }
	writeFile(t, dir, "machine_events/part-000.json.gz", lines(
		`{"time":"0","machine_id":"100","type":"ADD","switch_id":"s1","capacity":{"cpus":0.5,"memory":0.25},"platform_id":"p1"}`,
		`{"time":"0","machine_id":"101","type":1,"capacity":{"cpus":1,"memory":1},"platform_id":"p2"}`,
		`{"time":"700000000","machine_id":"101","type":"REMOVE"}`,
	))
	writeFile(t, dir, "collection_events/part-000.json", lines(
		`{"time":"600000000","type":"SUBMIT","collection_id":"7","collection_type":"JOB","max_per_machine":1,"priority":200}`,
		`{"time":"600000000","type":"SUBMIT","collection_id":"8","collection_type":0}`,
		`{"time":"600000000","type":"SUBMIT","collection_id":"10","collection_type":0,"max_per_machine":2,"max_per_switch":"3"}`,
	))
	writeFile(t, dir, "instance_events/part-000.json", lines(
		// Job 7: instance 0 runs and finishes, instance 1 is evicted then resubmitted;
		// an alloc-set instance (skipped); job 8's instance is killed while pending (dropped).
		`{"time":"600000000","type":"SUBMIT","collection_id":"7","instance_index":0,"priority":200,"scheduling_class":"SENSITIVE","collection_type":"JOB","resource_request":{"cpus":0.0625,"memory":0.03125}}`,
		`{"time":"600000000","type":"SUBMIT","collection_id":"7","instance_index":1,"priority":200,"scheduling_class":2,"resource_request":{"cpus":0.0625,"memory":0.03125}}`,
		`{"time":"600000000","type":"SUBMIT","collection_id":"9","instance_index":0,"collection_type":"ALLOC_SET","resource_request":{"cpus":0.5,"memory":0.5}}`,
		`{"time":"600000000","type":"SUBMIT","collection_id":"8","instance_index":0,"priority":0,"resource_request":{"cpus":0.01,"memory":0.01}}`,
		`{"time":"600000001","type":"QUEUE","collection_id":"7","instance_index":0}`,
		`{"time":"600000002","type":"ENABLE","collection_id":"7","instance_index":0}`,
		`{"time":"610000000","type":"SCHEDULE","collection_id":"7","instance_index":0,"machine_id":"100","resource_request":{"cpus":0.0625,"memory":0.03125}}`,
		`{"time":"610000000","type":3,"collection_id":"7","instance_index":1,"machine_id":"101"}`,
		`{"time":"620000000","type":"KILL","collection_id":"8","instance_index":0}`,
		`{"time":"640000000","type":"EVICT","collection_id":"7","instance_index":1}`,
		`{"time":"650000000","type":"SUBMIT","collection_id":"7","instance_index":1,"priority":200,"scheduling_class":2,"resource_request":{"cpus":0.0625,"memory":0.03125}}`,
		`{"time":"660000000","type":"FINISH","collection_id":"7","instance_index":0}`,
		// Job 10 (at most 2 per machine, 3 per switch) runs one instance.
		`{"time":"670000000","type":"SUBMIT","collection_id":"10","instance_index":0,"priority":100,"scheduling_class":1,"resource_request":{"cpus":0.0625,"memory":0.03125}}`,
		`{"time":"680000000","type":"SCHEDULE","collection_id":"10","instance_index":0,"machine_id":"100"}`,
		`{"time":"690000000","type":"FINISH","collection_id":"10","instance_index":0}`,
	))
	r, err := Open("", dir, OpenOptions{})
	require.NoError(t, err)
	recs := readAll(t, r)
	var machines []MachineEvent
	var tasks []Task
	for _, rc := range recs {
		if rc.Kind == RecordMachine {
			machines = append(machines, rc.Machine)
		} else {
			tasks = append(tasks, rc.Task)
		}
	}
	sh := DefaultShape
	require.Len(t, machines, 3)
	require.Equal(t, allocator.Res(sh.CPUMilli/2, sh.MemMiB/4, sh.DiskMiB, 0), machines[0].Capacity)
	require.Equal(t, MachineRemove, machines[2].Kind)
	require.EqualValues(t, 101, machines[2].Machine)

	req := allocator.Res(2000, 4096, 0, 0)
	require.Equal(t, []Task{
		{Job: 7, Index: 0, Submit: 600 * allocator.Second, Start: 610 * allocator.Second, Run: 50 * allocator.Second, Req: req,
			Priority: 200, Class: 2, DistinctMachines: true, MaxPerMachine: 1, Outcome: allocator.OutcomeFinished},
		{Job: 7, Index: 1, Submit: 600 * allocator.Second, Start: 610 * allocator.Second, Run: 30 * allocator.Second, Req: req,
			Priority: 200, Class: 2, DistinctMachines: true, MaxPerMachine: 1, Outcome: allocator.OutcomeEvicted},
		{Job: 7, Index: 1, Submit: 650 * allocator.Second, Start: -1, Run: allocator.Never, Req: req,
			Priority: 200, Class: 2, DistinctMachines: true, MaxPerMachine: 1},
		{Job: 10, Index: 0, Submit: 670 * allocator.Second, Start: 680 * allocator.Second, Run: 10 * allocator.Second, Req: req,
			Priority: 100, Class: 1, MaxPerMachine: 2, MaxPerSwitch: 3, Outcome: allocator.OutcomeFinished},
	}, tasks)
	st := r.Stats()
	require.EqualValues(t, 1, st.Get("alloc_set_instance_events_skipped"))
	require.EqualValues(t, 1, st.Get("dropped_ended_pending_kill"))
	require.EqualValues(t, 1, st.Get("run_unknown_pending"))
	require.EqualValues(t, 5, st.Get("instance_event_submit"))
	require.EqualValues(t, 2, st.Get("instance_event_queue_enable"))
	require.EqualValues(t, 3, st.Get("collection_event_submit"))
	require.Equal(t, "google2019", mustDetect(t, dir))
	_ = filepath.Join

	r, err = Open("", dir, OpenOptions{})
	require.NoError(t, err)
	info, err := Summarize(r)
	require.NoError(t, err)
	require.Equal(t, [3]int64{4, 2, 1}, [3]int64{info.CappedTasks, info.CappedJobs, info.SwitchCapped}, "trace info counts the capped tasks and jobs")
}

func mustDetect(t *testing.T, p string) string {
	f, err := DetectFormat(p)
	require.NoError(t, err)
	return f
}
