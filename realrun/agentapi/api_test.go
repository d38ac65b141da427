package agentapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/realrun/mesosapi"
)

// recordingMaster counts the calls that reach it: a refused request must not.
type recordingMaster struct {
	mu     sync.Mutex
	calls  int
	status []TaskStatus
}

func (m *recordingMaster) hit() { m.mu.Lock(); m.calls++; m.mu.Unlock() }

func (m *recordingMaster) Register(_ context.Context, r *RegisterRequest) (*RegisterResponse, error) {
	m.hit()
	id := r.AgentID
	if id == "" {
		id = "agent-1"
	}
	return &RegisterResponse{AgentID: id, HeartbeatIntervalMs: 500}, nil
}

func (m *recordingMaster) Heartbeat(_ context.Context, r *HeartbeatRequest) (*HeartbeatResponse, error) {
	m.hit()
	if r.AgentID != "agent-1" {
		return nil, ErrUnknownAgent
	}
	return &HeartbeatResponse{}, nil
}

func (m *recordingMaster) Commands(_ context.Context, r *CommandsRequest) (*CommandsResponse, error) {
	m.hit()
	return &CommandsResponse{Commands: []Command{{Seq: r.AckSeq + 1, Type: CommandKill, Kill: &KillTask{TaskID: "t1"}}}}, nil
}

func (m *recordingMaster) Status(_ context.Context, r *StatusRequest) (*StatusResponse, error) {
	m.hit()
	m.mu.Lock()
	m.status = append(m.status, r.Status)
	m.mu.Unlock()
	return &StatusResponse{Acknowledged: true}, nil
}

func newTestServer(t *testing.T) (*recordingMaster, *httptest.Server) {
	m := &recordingMaster{}
	srv := httptest.NewServer(NewHandler("s3cret", m))
	t.Cleanup(srv.Close)
	return m, srv
}

func TestClientRoundTrip(t *testing.T) {
	m, srv := newTestServer(t)
	c := NewClient(srv.URL, "s3cret")
	ctx := context.Background()
	reg, err := c.Register(ctx, &RegisterRequest{Hostname: "h", Executors: []string{"cgroup"},
		Resources: Resources{CPUMilli: 2000, MemMiB: 1024, GPUs: []GPU{{ID: "0", Minor: 0}}, Ports: []PortRange{{31000, 32000}}}})
	require.NoError(t, err)
	assert.Equal(t, "agent-1", reg.AgentID)
	_, err = c.Heartbeat(ctx, &HeartbeatRequest{AgentID: "agent-1"})
	require.NoError(t, err)
	_, err = c.Heartbeat(ctx, &HeartbeatRequest{AgentID: "agent-2"})
	assert.True(t, IsUnknownAgent(err), "got %v", err)
	cmds, err := c.Commands(ctx, &CommandsRequest{AgentID: "agent-1", AckSeq: 4})
	require.NoError(t, err)
	require.Len(t, cmds.Commands, 1)
	assert.Equal(t, uint64(5), cmds.Commands[0].Seq)
	code := 3
	st, err := c.Status(ctx, &StatusRequest{AgentID: "agent-1", Status: TaskStatus{TaskID: "t1", FrameworkID: "f", State: mesosapi.TaskFailed, UUID: "u-1", ExitCode: &code}})
	require.NoError(t, err)
	assert.True(t, st.Acknowledged)
	require.Len(t, m.status, 1)
	assert.Equal(t, 3, *m.status[0].ExitCode)
}

func TestHandlerRefuses(t *testing.T) {
	valid := `{"agent_id":"agent-1"}`
	tests := []struct {
		name   string
		path   string
		auth   string
		body   string
		status int
	}{
		{"no token", PathHeartbeat, "", valid, 401},
		{"wrong token", PathHeartbeat, "Bearer nope", valid, 401},
		{"basic auth", PathHeartbeat, "Basic czNjcmV0", valid, 401},
		{"malformed json", PathHeartbeat, "Bearer s3cret", `{"agent_id":`, 400},
		{"unknown field", PathHeartbeat, "Bearer s3cret", `{"agent_id":"a","x":1}`, 400},
		{"trailing data", PathHeartbeat, "Bearer s3cret", valid + `{}`, 400},
		{"bad id", PathHeartbeat, "Bearer s3cret", `{"agent_id":"../etc"}`, 400},
		{"oversized", PathHeartbeat, "Bearer s3cret", `{"agent_id":"` + strings.Repeat("a", MaxBodyBytes) + `"}`, 400},
		{"negative cpu", PathRegister, "Bearer s3cret", `{"hostname":"h","executors":["cgroup"],"resources":{"cpu_milli":-1}}`, 400},
		{"unknown executor", PathRegister, "Bearer s3cret", `{"hostname":"h","executors":["docker"],"resources":{}}`, 400},
		{"unknown state", PathStatus, "Bearer s3cret", `{"agent_id":"a","status":{"task_id":"t","framework_id":"f","state":"RUNNING","uuid":"u"}}`, 400},
		{"wait too long", PathCommands, "Bearer s3cret", `{"agent_id":"a","wait_ms":99999999}`, 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, srv := newTestServer(t)
			req, err := http.NewRequest(http.MethodPost, srv.URL+tc.path, strings.NewReader(tc.body))
			require.NoError(t, err)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			res.Body.Close()
			assert.Equal(t, tc.status, res.StatusCode)
			assert.Zero(t, m.calls, "a refused request reached the master")
		})
	}
}

func TestLaunchValidation(t *testing.T) {
	ok := func() LaunchTask {
		return LaunchTask{TaskID: "t-1", FrameworkID: "fw", Resources: Resources{CPUMilli: 500, MemMiB: 64},
			Workload: Workload{Kind: WorkloadCommand, Argv: []string{"/bin/true"}, Cwd: "work/dir", Stdout: "out.log"}}
	}
	tests := []struct {
		name   string
		mutate func(*LaunchTask)
		errSub string
	}{
		{"valid", func(*LaunchTask) {}, ""},
		{"absolute cwd", func(l *LaunchTask) { l.Workload.Cwd = "/etc" }, "absolute"},
		{"dotdot stdout", func(l *LaunchTask) { l.Workload.Stdout = "a/../../x" }, "leaves the sandbox"},
		{"dotdot stderr", func(l *LaunchTask) { l.Workload.Stderr = ".." }, "leaves the sandbox"},
		{"slash task id", func(l *LaunchTask) { l.TaskID = "a/b" }, "task_id"},
		{"dot task id", func(l *LaunchTask) { l.TaskID = ".." }, "task_id"},
		{"no argv", func(l *LaunchTask) { l.Workload.Argv = nil }, "needs argv"},
		{"sleep with argv", func(l *LaunchTask) { l.Workload.Kind = WorkloadSleep }, "takes no argv"},
		{"tiny memory", func(l *LaunchTask) { l.Resources.MemMiB = 1 }, "at least 4 MiB"},
		{"bad env", func(l *LaunchTask) { l.Workload.Env = []string{"NOEQUALS"} }, "KEY=VALUE"},
		{"gpu share without device", func(l *LaunchTask) { l.GPUMilli = 500 }, "gpu_milli"},
		{"duplicate gpu", func(l *LaunchTask) { l.Resources.GPUs = []GPU{{ID: "a", Minor: 0}, {ID: "b", Minor: 0}} }, "duplicates"},
		{"bad ports", func(l *LaunchTask) { l.Resources.Ports = []PortRange{{10, 5}} }, "begin ≤ end"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := ok()
			tc.mutate(&l)
			err := (&Command{Seq: 1, Type: CommandLaunch, Launch: &l}).Validate()
			if tc.errSub == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.errSub)
		})
	}
}

func TestSandboxPath(t *testing.T) {
	for in, want := range map[string]string{"a": "a", "a/./b/": "a/b", "x..y": "x..y", "./f": "f"} {
		got, err := SandboxPath(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got)
	}
	for _, in := range []string{"", "/", "/tmp/x", "..", "../x", "a/../../b", "a/..", "a\x00b"} {
		_, err := SandboxPath(in)
		assert.Error(t, err, "%q accepted", in)
	}
}
