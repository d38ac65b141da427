package agent

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/realrun/agentapi"
)

const testToken = "test-token"

// fakeMaster is a minimal, in-memory master for driving an agent: it queues
// commands, records every status update, and can forget everything (as a
// restarted master does) or stop answering.
type fakeMaster struct {
	mu        sync.Mutex
	agents    map[string]bool
	registers []agentapi.RegisterRequest
	cmds      []agentapi.Command
	seq       uint64
	updates   []agentapi.TaskStatus // every update received, duplicates included
	acked     map[string]bool       // uuids acknowledged
	lateAck   bool                  // answer acknowledged=false and ack with a command instead
	wake      chan struct{}
	nextID    int
	srv       *http.Server
	ln        net.Listener
	addr      string
}

func newFakeMaster(t *testing.T) *fakeMaster {
	m := &fakeMaster{agents: map[string]bool{}, acked: map[string]bool{}, wake: make(chan struct{})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	m.addr = ln.Addr().String()
	m.serve(ln)
	t.Cleanup(m.stop)
	return m
}

func (m *fakeMaster) URL() string { return "http://" + m.addr }

func (m *fakeMaster) serve(ln net.Listener) {
	m.ln = ln
	m.srv = &http.Server{Handler: agentapi.NewHandler(testToken, m)}
	go func() { _ = m.srv.Serve(ln) }()
}

func (m *fakeMaster) stop() {
	if m.srv != nil {
		_ = m.srv.Close()
		m.srv = nil
	}
}

// restart stops the server, forgets all agents and commands (a master that
// lost its state), and listens again on the same address after down.
func (m *fakeMaster) restart(t *testing.T, down time.Duration) {
	m.stop()
	m.mu.Lock()
	m.agents, m.cmds = map[string]bool{}, nil
	m.mu.Unlock()
	time.Sleep(down)
	ln, err := net.Listen("tcp", m.addr)
	require.NoError(t, err)
	m.serve(ln)
}

func (m *fakeMaster) wakeLocked() {
	close(m.wake)
	m.wake = make(chan struct{})
}

func (m *fakeMaster) send(c agentapi.Command) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seq++
	c.Seq = m.seq
	m.cmds = append(m.cmds, c)
	m.wakeLocked()
}

func (m *fakeMaster) Register(_ context.Context, r *agentapi.RegisterRequest) (*agentapi.RegisterResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	id := r.AgentID
	if id == "" {
		m.nextID++
		id = fmt.Sprintf("agent-%d", m.nextID)
	}
	m.agents[id] = true
	r.AgentID = id // record the id the agent got
	m.registers = append(m.registers, *r)
	return &agentapi.RegisterResponse{AgentID: id, HeartbeatIntervalMs: 200}, nil
}

func (m *fakeMaster) Heartbeat(_ context.Context, r *agentapi.HeartbeatRequest) (*agentapi.HeartbeatResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.agents[r.AgentID] {
		return nil, agentapi.ErrUnknownAgent
	}
	return &agentapi.HeartbeatResponse{}, nil
}

func (m *fakeMaster) Commands(ctx context.Context, r *agentapi.CommandsRequest) (*agentapi.CommandsResponse, error) {
	deadline := time.After(time.Duration(r.WaitMs) * time.Millisecond)
	for {
		m.mu.Lock()
		if !m.agents[r.AgentID] {
			m.mu.Unlock()
			return nil, agentapi.ErrUnknownAgent
		}
		var out []agentapi.Command
		for _, c := range m.cmds {
			if c.Seq > r.AckSeq {
				out = append(out, c)
			}
		}
		wake := m.wake
		m.mu.Unlock()
		if len(out) > 0 {
			return &agentapi.CommandsResponse{Commands: out}, nil
		}
		select {
		case <-wake:
		case <-deadline:
			return &agentapi.CommandsResponse{}, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (m *fakeMaster) Status(_ context.Context, r *agentapi.StatusRequest) (*agentapi.StatusResponse, error) {
	m.mu.Lock()
	if !m.agents[r.AgentID] {
		m.mu.Unlock()
		return nil, agentapi.ErrUnknownAgent
	}
	m.updates = append(m.updates, r.Status)
	if !m.lateAck || m.acked[r.Status.UUID] {
		m.acked[r.Status.UUID] = true
		m.mu.Unlock()
		return &agentapi.StatusResponse{Acknowledged: true}, nil
	}
	m.mu.Unlock()
	// Acknowledge later, as a master forwarding the framework's ack would.
	go func() {
		time.Sleep(20 * time.Millisecond)
		m.mu.Lock()
		m.acked[r.Status.UUID] = true
		m.mu.Unlock()
		m.send(agentapi.Command{Type: agentapi.CommandAcknowledge, Acknowledge: &agentapi.Acknowledge{TaskID: r.Status.TaskID, UUID: r.Status.UUID}})
	}()
	return &agentapi.StatusResponse{Acknowledged: false}, nil
}

// states returns the distinct states received for a task, in order
// (a resent update counts once).
func (m *fakeMaster) states(taskID string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	seen := map[string]bool{}
	var out []string
	for _, u := range m.updates {
		if u.TaskID == taskID && !seen[u.UUID] {
			seen[u.UUID] = true
			out = append(out, u.State)
		}
	}
	return out
}

// final waits for the task's terminal update and returns it.
func (m *fakeMaster) final(t *testing.T, taskID string, within time.Duration) agentapi.TaskStatus {
	t.Helper()
	var got agentapi.TaskStatus
	require.Eventually(t, func() bool {
		m.mu.Lock()
		defer m.mu.Unlock()
		for _, u := range m.updates {
			if u.TaskID == taskID && agentapi.IsTerminal(u.State) {
				got = u
				return true
			}
		}
		return false
	}, within, 20*time.Millisecond, "no terminal update for %s; got %v", taskID, m.states(taskID))
	return got
}

func (m *fakeMaster) waitState(t *testing.T, taskID, state string, within time.Duration) {
	t.Helper()
	require.Eventually(t, func() bool {
		for _, s := range m.states(taskID) {
			if s == state {
				return true
			}
		}
		return false
	}, within, 20*time.Millisecond, "%s never reached %s; got %v", taskID, state, m.states(taskID))
}

func (m *fakeMaster) lastRegister() agentapi.RegisterRequest {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.registers[len(m.registers)-1]
}

func (m *fakeMaster) registerCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.registers)
}
