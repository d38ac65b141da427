package agentapi

import (
	"bytes"
	"encoding/json"
	"path"
	"strings"
	"testing"
)

// FuzzDecode feeds arbitrary bodies to every request decoder: none may
// panic, and whatever is accepted must be valid, re-encodable and must not
// name a path outside the sandbox.
func FuzzDecode(f *testing.F) {
	seeds := []string{
		`{"agent_id":"a1"}`,
		`{"agent_id":"a1","ack_seq":3,"wait_ms":1000}`,
		`{"hostname":"h","executors":["cgroup","runc"],"resources":{"cpu_milli":2000,"mem_mib":512,"gpus":[{"id":"0","minor":0}],"ports":[{"begin":1,"end":2}]}}`,
		`{"agent_id":"a","status":{"task_id":"t","framework_id":"f","state":"TASK_RUNNING","uuid":"u","exit_code":0}}`,
		`{"commands":[{"seq":1,"type":"LAUNCH","launch":{"task_id":"t","framework_id":"f","resources":{"mem_mib":8},"workload":{"kind":"command","argv":["sh"],"cwd":"../x"}}}]}`,
		`{"commands":[{"seq":2,"type":"KILL","kill":{"task_id":"t"}}]}`,
		`{"agent_id":"a1"} {}`, `{`, `null`, `[]`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		targets := []Validator{&RegisterRequest{}, &HeartbeatRequest{}, &CommandsRequest{}, &StatusRequest{}, &CommandsResponse{}}
		for _, v := range targets {
			if err := Decode(bytes.NewReader(body), v); err != nil {
				if _, ok := err.(*Error); !ok {
					t.Fatalf("%T: error %v is not an *Error", v, err)
				}
				continue
			}
			if err := v.Validate(); err != nil {
				t.Fatalf("%T accepted but invalid: %v", v, err)
			}
			if _, err := json.Marshal(v); err != nil {
				t.Fatalf("%T accepted but not re-encodable: %v", v, err)
			}
			if r, ok := v.(*CommandsResponse); ok {
				for _, c := range r.Commands {
					if c.Launch == nil {
						continue
					}
					for _, p := range []string{c.Launch.Workload.Cwd, c.Launch.Workload.Stdout, c.Launch.Workload.Stderr} {
						if p == "" {
							continue
						}
						if clean := path.Clean(p); strings.HasPrefix(clean, "/") || clean == ".." || strings.HasPrefix(clean, "../") {
							t.Fatalf("accepted path %q outside the sandbox", p)
						}
					}
				}
			}
		}
	})
}
