package master

import (
	"context"
	"net"
	"net/http/httptest"
	"testing"
	"time"

	_ "github.com/allocsim/allocsim/allocator/drf"
	"github.com/allocsim/allocsim/realrun/agentapi"
	"github.com/allocsim/allocsim/realrun/master/emuagent"
	"github.com/allocsim/allocsim/realrun/realruntest"
	"github.com/stretchr/testify/require"
)

const testToken = "test-token-0123"

// testMaster runs a master on a loopback port until the test ends.
func testMaster(t testing.TB, mod func(*Config)) (*Master, string) {
	t.Helper()
	// Even the 5,000-agent scale test takes well under a minute; a hang fails here.
	realruntest.Deadline(t, 5*time.Minute)
	cfg := Config{
		Token: testToken, AllocationInterval: 50 * time.Millisecond, AgentHeartbeat: 200 * time.Millisecond,
		AgentTimeout: time.Second, FrameworkHeartbeat: time.Second, StatusRetry: 300 * time.Millisecond,
		Roles: nil, Seed: 1,
	}
	if mod != nil {
		mod(&cfg)
	}
	m, err := New(cfg)
	require.NoError(t, err)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := httptest.NewUnstartedServer(m.Handler())
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = m.Run(ctx); close(done) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("master.Run did not return within 30 s of its context ending")
		}
		srv.CloseClientConnections()
		srv.Close()
	})
	return m, srv.URL
}

func testAgent(t testing.TB, url string, mod func(*emuagent.Config)) *emuagent.Agent {
	t.Helper()
	cfg := emuagent.Config{
		MasterURL: url, Token: testToken, PollWait: 200 * time.Millisecond, HeartbeatEvery: 200 * time.Millisecond,
		StatusRetry: 300 * time.Millisecond,
		Resources:   agentapi.Resources{CPUMilli: 4000, MemMiB: 4096, DiskMiB: 1024, Ports: []agentapi.PortRange{{Begin: 31000, End: 31009}}},
	}
	if mod != nil {
		mod(&cfg)
	}
	a, err := emuagent.Start(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(a.Stop)
	return a
}
