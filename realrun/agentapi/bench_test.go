package agentapi

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/allocsim/allocsim/realrun/mesosapi"
)

// The master decodes a status update per task state change and a command
// poll per agent per wait period: with thousands of agents this is its hot path.
func BenchmarkDecodeStatus(b *testing.B) {
	code := 0
	body, _ := json.Marshal(StatusRequest{AgentID: "master-S17", Status: TaskStatus{TaskID: "fw-0001.t12345",
		FrameworkID: "fw-0001", State: mesosapi.TaskFinished, UUID: "0123456789abcdef0123456789abcdef", ExitCode: &code, TimestampUs: 1}})
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		var r StatusRequest
		if err := Decode(bytes.NewReader(body), &r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidateLaunch(b *testing.B) {
	c := Command{Seq: 1, Type: CommandLaunch, Launch: &LaunchTask{TaskID: "fw-0001.t12345", FrameworkID: "fw-0001",
		Resources: Resources{CPUMilli: 500, MemMiB: 256, Ports: []PortRange{{31000, 31001}}},
		Workload:  Workload{Kind: WorkloadCommand, Argv: []string{"/bin/sh", "-c", "sleep 1"}, Cwd: "work", Env: []string{"A=B"}}}}
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Validate(); err != nil {
			b.Fatal(err)
		}
	}
}
