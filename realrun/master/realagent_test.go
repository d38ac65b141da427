package master

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"syscall"
	"testing"
	"time"

	realagent "github.com/allocsim/allocsim/realrun/agent"
	"github.com/allocsim/allocsim/realrun/agentapi"
	"github.com/allocsim/allocsim/realrun/executor"
	"github.com/allocsim/allocsim/realrun/mesosapi"
	"github.com/allocsim/allocsim/realrun/realruntest"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// childAgentEnv makes the test binary run a real agent (for SIGKILL tests).
const childAgentEnv = "ALLOCSIM_MASTER_TEST_CHILD_AGENT"

func TestMain(m *testing.M) {
	executor.RunShimIfRequested()
	if cfg := os.Getenv(childAgentEnv); cfg != "" {
		var c realagent.Config
		if err := json.Unmarshal([]byte(cfg), &c); err != nil {
			log.Fatal(err)
		}
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
		defer stop()
		if err := realagent.Run(ctx, c); err != nil {
			log.Fatal(err)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// realAgentConfig is a real agent (cgroup, and runc when available) for the
// master at url; tests needing it skip without root.
func realAgentConfig(t *testing.T, url string) realagent.Config {
	t.Helper()
	if os.Geteuid() != 0 || executor.CgroupMode() == "unavailable" {
		if os.Getenv("CI") != "" {
			t.Fatal("CI runs as root with cgroups: real agent tests must run")
		}
		t.Skip("real agents need root and cgroups")
	}
	execs := []string{executor.KindCgroup}
	if _, err := exec.LookPath("runc"); err == nil {
		if _, err := executor.FindBusybox(); err == nil {
			execs = append(execs, executor.KindRunc)
		}
	}
	dir := t.TempDir()
	require.NoError(t, os.Chmod(dir, 0o755))
	realruntest.Reap(t, dir)
	return realagent.Config{MasterURL: url, Token: testToken, WorkDir: dir, Hostname: "real-agent", Executors: execs,
		Resources: agentapi.Resources{CPUMilli: 2000, MemMiB: 1024, DiskMiB: 1024, Ports: []agentapi.PortRange{{Begin: 31000, End: 31009}}},
		PollWait:  2 * time.Second, StatusRetry: 200 * time.Millisecond, CleanupOnExit: true}
}

func startRealAgent(t *testing.T, cfg realagent.Config) {
	t.Helper()
	a, err := realagent.New(cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			t.Error("agent did not stop")
		}
	})
}

// mesos-go launches real tasks — a process in a cgroup and a runc
// container — on a real agent, and sees them run and finish.
func TestMesosGoOnRealAgent(t *testing.T) {
	_, url := testMaster(t, nil)
	cfg := realAgentConfig(t, url)
	startRealAgent(t, cfg)
	s := newMesosGoScheduler(t, url)
	kinds := []string{"cgroup"}
	if slices.Contains(cfg.Executors, executor.KindRunc) {
		kinds = append(kinds, "runc")
	}
	for _, kind := range kinds {
		// One retry of a container that failed to launch: this test is
		// about mesos-go against the master and a real agent; runc's own
		// launches are tested strictly in executor and agent. The failure
		// is logged with runc's message.
		for try := 1; ; try++ {
			st := launchHello(t, s, kind, try)
			if st.GetState() == mesos.TASK_FINISHED {
				t.Logf("%s task: %s", kind, st.GetMessage())
				break
			}
			retry := try == 1 && kind == "runc" && st.GetState() == mesos.TASK_FAILED &&
				st.GetReason() == mesos.REASON_CONTAINER_LAUNCH_FAILED
			if !retry {
				t.Fatalf("%s task %s ended %v%s", kind, st.TaskID.Value, st.GetState(), statusDetail(st))
			}
			t.Logf("RETRYING: %s task %s ended %v%s", kind, st.TaskID.Value, st.GetState(), statusDetail(st))
		}
	}
}

// launchHello launches a short task of the kind on the next offer and
// returns its terminal status; it must pass through TASK_RUNNING unless it
// fails to launch.
func launchHello(t *testing.T, s *mesosGoScheduler, kind string, try int) mesos.TaskStatus {
	t.Helper()
	e := s.next(scheduler.Event_OFFERS, 10*time.Second)
	o := e.GetOffers().Offers[0]
	id := fmt.Sprintf("hello-%s-%d", kind, try)
	task := mesos.TaskInfo{
		Name: id, TaskID: mesos.TaskID{Value: id}, AgentID: o.AgentID,
		Resources: []mesos.Resource{
			{Name: "cpus", Type: mesos.SCALAR.Enum(), Scalar: &mesos.Value_Scalar{Value: 0.5}},
			{Name: "mem", Type: mesos.SCALAR.Enum(), Scalar: &mesos.Value_Scalar{Value: 64}},
		},
		Command: &mesos.CommandInfo{Value: strPtr("echo hello; sleep 0.2")},
	}
	if kind == "runc" {
		task.Container = &mesos.ContainerInfo{Type: mesos.ContainerInfo_MESOS.Enum()}
	} else {
		task.Labels = &mesos.Labels{Labels: []mesos.Label{{Key: LabelExecutor, Value: strPtr("cgroup")}}}
	}
	s.call(calls.Accept(calls.OfferOperations{calls.OpLaunch(task)}.WithOffers(o.ID)))
	running := false
	for {
		st := s.next(scheduler.Event_UPDATE, 30*time.Second).GetUpdate().Status
		require.Equal(t, id, st.TaskID.Value)
		if len(st.UUID) > 0 {
			s.call(calls.Acknowledge(o.AgentID.Value, st.TaskID.Value, st.UUID))
		}
		switch state := st.GetState(); {
		case state == mesos.TASK_RUNNING:
			running = true
		case terminal(state):
			if state == mesos.TASK_FINISHED {
				assert.True(t, running, "%s finished without TASK_RUNNING", id)
			}
			return st
		default:
			t.Logf("update %v for %s", state, id)
		}
	}
}

// A real agent process killed with SIGKILL: its tasks become TASK_LOST
// within the agent timeout (plus a housekeeping tick), and when the agent
// comes back on the same work dir its whole capacity is offered again.
func TestRealAgentSIGKILL(t *testing.T) {
	const timeout = 2 * time.Second
	_, url := testMaster(t, func(c *Config) { c.AgentTimeout = timeout; c.AgentHeartbeat = 500 * time.Millisecond })
	cfg := realAgentConfig(t, url)
	cfg.CleanupOnExit = false
	js, err := json.Marshal(cfg)
	require.NoError(t, err)
	self, err := os.Executable()
	require.NoError(t, err)
	child := exec.Command(self, "-test.run=^$")
	// Dies with the test binary (e.g. when a realruntest.Deadline ends it).
	child.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	child.Env = append(os.Environ(), childAgentEnv+"="+string(js))
	child.Stderr = os.Stderr
	require.NoError(t, child.Start())
	// The restarted agent (in process) cleans up whatever the killed one left.
	t.Cleanup(func() { _ = child.Process.Kill(); _ = child.Wait() })

	fw := subscribeRaw(t, url, mesosapi.FrameworkInfo{User: "u", Name: "sigkill"})
	o := fw.next(mesosapi.EventOffers, 20*time.Second).Offers.Offers[0]
	agentID := o.AgentID.Value
	long := "sleep 60"
	task := mesosapi.TaskInfo{Name: "victim", TaskID: mesosapi.ID{Value: "victim"}, AgentID: o.AgentID,
		Resources: []mesosapi.Resource{mesosapi.ScalarResource("cpus", 1), mesosapi.ScalarResource("mem", 64)},
		Command:   &mesosapi.CommandInfo{Value: &long}}
	fw.call(launch(o, task))
	for {
		st := fw.update(30 * time.Second)
		fw.ack(st)
		if st.State == mesosapi.TaskRunning {
			break
		}
		require.Equal(t, mesosapi.TaskStarting, st.State, "%v", st.Message)
	}

	require.NoError(t, child.Process.Signal(syscall.SIGKILL))
	_ = child.Wait()
	killed := time.Now()
	st := fw.update(timeout + 5*time.Second)
	took := time.Since(killed)
	assert.Equal(t, mesosapi.TaskLost, st.State)
	assert.Equal(t, "victim", st.TaskID.Value)
	fw.ack(st)
	t.Logf("TASK_LOST %v after SIGKILL (agent timeout %v)", took, timeout)
	assert.Less(t, took, timeout+2*time.Second)

	// Restart on the same work dir: it re-registers with its id, the master
	// has it kill the task it still had, and offers all of it again.
	cfg.CleanupOnExit = true
	startRealAgent(t, cfg)
	deadline := time.After(30 * time.Second)
	for {
		select {
		case e := <-fw.events:
			if e.Type != mesosapi.EventOffers {
				continue
			}
			for _, o := range e.Offers.Offers {
				v, _, err := mesosapi.ToVector(o.Resources)
				require.NoError(t, err)
				if o.AgentID.Value == agentID && v[0] == 2000 {
					return
				}
				fw.call(&mesosapi.Call{Type: mesosapi.CallDecline, Decline: &mesosapi.Decline{OfferIDs: []mesosapi.ID{o.ID}, Filters: &mesosapi.Filters{RefuseSeconds: ptrF(0)}}})
			}
		case <-deadline:
			t.Fatal("the restarted agent's full capacity was not offered again")
		}
	}
}

func ptrF(f float64) *float64 { return &f }
