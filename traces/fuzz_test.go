package traces

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/allocsim/allocsim/allocator"
)

// Every reader must return records or an error for any input: never panic.
// The seed corpora are small real-looking rows plus edge cases.

func fuzzOpen(t *testing.T, format, name string, data []byte, extra map[string]string) {
	dir := t.TempDir()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	for n, d := range extra {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, n)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, n), []byte(d), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	open := dir
	if format != "google2011" && format != "google2019" {
		open = p
	}
	for _, skip := range []bool{false, true} {
		r, err := Open(format, open, OpenOptions{Options: Options{SkipBadRows: skip, Lookahead: allocator.Minute}})
		if err != nil {
			continue
		}
		checkRecords(t, format, r)
	}
}

// checkRecords reads r to the end (or 2^20 records) and fails on what no
// reader may hand out: records out of time order, a negative run time,
// request, capacity or start (-1 is "start unknown").
func checkRecords(t *testing.T, format string, r Reader) {
	var rec Record
	last := allocator.Time(-1 << 62)
	for i := 0; i < 1<<20; i++ {
		if err := r.Next(&rec); err != nil {
			break
		}
		if rec.Time() < last {
			t.Fatalf("%s: record %d at %d before %d", format, i, rec.Time(), last)
		}
		last = rec.Time()
		if rec.Kind == RecordTask && (rec.Task.Run < 0 || rec.Task.Req.AnyNegative() || rec.Task.Start < -1) {
			t.Fatalf("%s: record %d: run %d, request %v, start %d", format, i, rec.Task.Run, rec.Task.Req, rec.Task.Start)
		}
		if rec.Kind == RecordMachine && rec.Machine.Capacity.AnyNegative() {
			t.Fatalf("%s: record %d: machine capacity %v", format, i, rec.Machine.Capacity)
		}
	}
	r.Close()
}

func FuzzGoogle2011TaskEvents(f *testing.F) {
	f.Add([]byte(goodTaskRow))
	f.Add([]byte("0,2,3418309,0,4155527081,0,user,3,9,,,,\n0,,3418314,0,3938719206,1,u,3,9,0.125,0.07446,0.0004244,0\n600000000,,3418314,0,,4,u,3,9,0.125,0.07446,0.0004244,0\n"))
	f.Add([]byte("5,,1,0,,0,u,0,0,6.1e-05,1e-3,0,1\n6,,1,0,,1,u,0,0,,,,\n7,,1,0,,2,u,0,0,,,,\n8,,1,0,,0,u,0,0,,,,\n"))
	f.Add([]byte("9223372036854775807,,1,0,,8,u,0,0,1,1,1,\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzOpen(t, "google2011", "task_events/p.csv", data, nil) })
}

func FuzzGoogle2011MachineEvents(f *testing.F) {
	f.Add([]byte("0,5,0,HofLGzk1Or,0.5,0.2493\n0,6,0,x,1,1\n100,5,1,x,,\n200,5,0,x,0.25,0.5\n300,6,2,x,0.5,0.5\n"))
	f.Add([]byte("0,1,0,p,,\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzOpen(t, "google2011", "machine_events/p.csv", data, nil) })
}

func FuzzGoogle2019InstanceEvents(f *testing.F) {
	f.Add([]byte(`{"time":"0","type":"SUBMIT","collection_id":"1","instance_index":0,"priority":200,"scheduling_class":2,"resource_request":{"cpus":0.02,"memory":0.01}}` + "\n" +
		`{"time":"5","type":3,"collection_id":"1","instance_index":0,"machine_id":"7"}` + "\n" + `{"time":9,"type":"FINISH","collection_id":1,"instance_index":0}` + "\n"))
	f.Add([]byte(`{"time":1,"type":0,"collection_id":1,"instance_index":0,"collection_type":"ALLOC_SET"}` + "\n"))
	f.Add([]byte("{}\n[]\nnull\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzOpen(t, "google2019", "instance_events/p.json", data, nil) })
}

// FuzzGoogle2019CollectionEvents: the collections (with their caps per
// machine and per switch) beside fixed instance events.
func FuzzGoogle2019CollectionEvents(f *testing.F) {
	f.Add([]byte(`{"time":"0","type":"SUBMIT","collection_id":"1","collection_type":"JOB","max_per_machine":2,"max_per_switch":"3"}` + "\n" +
		`{"time":"8","type":"FINISH","collection_id":"1"}` + "\n"))
	f.Add([]byte(`{"time":0,"type":9,"collection_id":1,"max_per_machine":-1}` + "\n"))
	instances := `{"time":"1","type":"SUBMIT","collection_id":"1","instance_index":0,"resource_request":{"cpus":0.02,"memory":0.01}}` + "\n" +
		`{"time":"5","type":3,"collection_id":"1","instance_index":0,"machine_id":"7"}` + "\n"
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzOpen(t, "google2019", "collection_events/c.json", data, map[string]string{"instance_events/p.json": instances})
	})
}

func FuzzGoogle2019MachineEvents(f *testing.F) {
	f.Add([]byte(`{"time":0,"machine_id":1,"type":"ADD","capacity":{"cpus":0.5,"memory":0.25},"platform_id":"p"}` + "\n" + `{"time":10,"machine_id":1,"type":2}` + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzOpen(t, "google2019", "machine_events/p.json", data, nil) })
}

const openbNodes = "sn,cpu_milli,memory_mib,gpu,model\nopenb-node-0000,64000,262144,2,P100\nopenb-node-0001,32000,131072,0,\n"

func FuzzOpenbPods(f *testing.F) {
	f.Add([]byte("name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time\n" +
		"openb-pod-0000,12000,16384,1,1000,,LS,Running,0,12537496,0\nopenb-pod-0001,6000,12288,1,460,P100|T4,BE,Pending,10,20,\n"))
	f.Add([]byte("name,cpu_milli,memory_mib,num_gpu,gpu_milli\np,1,1,8,1000\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzOpen(t, "openb", "openb_pod_list_x.csv", data, map[string]string{"openb_node_list_gpu_node.csv": openbNodes})
	})
}

func FuzzOpenbNodes(f *testing.F) {
	f.Add([]byte(openbNodes))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzOpen(t, "openb", "openb_node_list_x.csv", data, nil) })
}

func FuzzAlibaba2018(f *testing.F) {
	f.Add([]byte("m_1,0,219,17,96,100,USING\nm_1,148984,219,17,96,100,USING\nm_2,5,1,1,64,50,IMPORT_INSTALLING\nm_2,9,1,1,64,50,USING\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzOpen(t, "alibaba2018", "machine_meta.csv", data, nil) })
}

func FuzzPAI2020(f *testing.F) {
	f.Add([]byte("7399a758eb02bae1a3621236,CPU,96,512,0\nabc,T4,96,512,2\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzOpen(t, "pai2020", "pai_machine_spec.csv", data, nil) })
}

func FuzzSWF(f *testing.F) {
	f.Add([]byte("; MaxNodes: 4\n; MaxProcs: 8\n    1        0     -1   1451  4     -1    -1   -1     -1    -1 -1   1   1  -1 -1 -1 -1 -1\n    2     1460     -1   3726  1     -1    -1   -1     -1    2048 0   1   1  -1 1 -1 -1 -1\n"))
	f.Add([]byte("1 0 0 -1 2 -1 -1 -1 -1 -1 5 1 1 -1 -1 -1 -1 -1\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzOpen(t, "swf", "x.swf", data, nil) })
}

// FuzzCanonical feeds arbitrary bytes as tasks.parquet and mutated valid files.
func FuzzCanonical(f *testing.F) {
	dir := f.TempDir()
	r, err := Open("openb", "", OpenOptions{})
	if err == nil {
		r.Close()
	}
	p := filepath.Join(dir, "nodes.csv")
	os.WriteFile(p, []byte(openbNodes), 0o644)
	pods := filepath.Join(dir, "openb_pod_list_x.csv")
	os.WriteFile(pods, []byte("name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time\n"+
		"openb-pod-0000,12000,16384,1,1000,,LS,Running,0,12537496,0\nopenb-pod-0001,6000,12288,1,460,P100|T4,BE,Succeeded,10,20,11\n"), 0o644)
	rd, err := OpenOpenb(p, pods, Options{})
	if err != nil {
		f.Fatal(err)
	}
	out := filepath.Join(dir, "c")
	if _, err := WriteCanonical(out, rd, nil); err != nil {
		f.Fatal(err)
	}
	valid, _ := os.ReadFile(filepath.Join(out, TasksFile))
	f.Add(valid)
	f.Add([]byte("PAR1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := t.TempDir()
		if err := os.WriteFile(filepath.Join(d, TasksFile), data, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := OpenCanonical(d)
		if err != nil {
			return
		}
		checkRecords(t, "canonical", r)
	})
}

// FuzzScaleDecimal checks the exact decimal scaling against float parsing.
func FuzzScaleDecimal(f *testing.F) {
	for _, s := range []string{"0.5", "0.4995", "6.1e-05", "1", "0", "12.75", "1e3", "0.000000000000000000000000001", "99999999999999999999"} {
		f.Add(s, int64(131072))
	}
	f.Fuzz(func(t *testing.T, s string, scale int64) {
		if scale < 0 || scale > 1<<30 {
			return
		}
		v, ok := scaleDecimal([]byte(s), scale)
		if !ok {
			return
		}
		fv, err := strconv.ParseFloat(s, 64)
		if err != nil || s[0] == '+' || s[0] == '-' || bytes.ContainsAny([]byte(s), "_xXpPiInN") {
			t.Fatalf("scaleDecimal accepted %q (=%d) that ParseFloat rejects", s, v)
		}
		want := fv * float64(scale)
		if want < 1<<52 {
			diff := float64(v) - want
			if diff > 0.5000001 || diff < -0.5000001 {
				t.Fatalf("scaleDecimal(%q, %d) = %d, float says %f", s, scale, v, want)
			}
		}
	})
}
