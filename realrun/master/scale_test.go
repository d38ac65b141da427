package master

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/allocsim/allocsim/realrun/agentapi"
	"github.com/allocsim/allocsim/realrun/master/emuagent"
	"github.com/allocsim/allocsim/realrun/mesosapi"
	"github.com/stretchr/testify/require"
)

const steadyRounds = 10

// scaleResult is what one scale run measured.
type scaleResult struct {
	agents                   int
	register                 time.Duration   // all agents registered
	firstOffers              time.Duration   // subscribe → every agent offered
	overhead                 []time.Duration // per task: offer received → LAUNCH at the agent
	running                  []time.Duration // per task: offer received → TASK_RUNNING at the framework
	cycles                   []time.Duration // periodic allocation cycle wall times
	steady                   []time.Duration // steady state: offer received → LAUNCH at the agent
	steadyAccept             []time.Duration // steady state: the ACCEPT call's round trip
	steadyWall               time.Duration
	lost, launched, finished int64
}

func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[int(q*float64(len(s)-1))]
}

// runScale starts n emulated agents on loopback, one framework that
// launches one task per offer (16 concurrent ACCEPTs), and keeps everything
// heartbeating for hold after the last TASK_RUNNING.
func runScale(t testing.TB, n int, hold time.Duration) scaleResult {
	var cycMu sync.Mutex
	var cycles []time.Duration
	m, url := testMaster(t, func(c *Config) {
		c.AllocationInterval = time.Second
		c.AgentHeartbeat = 5 * time.Second
		c.AgentTimeout = 30 * time.Second
		c.StatusRetry = 10 * time.Second
		c.FrameworkHeartbeat = 5 * time.Second
		c.StreamBuffer = 4 * n
		c.OnCycle = func(ci CycleInfo) {
			if ci.Triggered {
				return
			}
			cycMu.Lock()
			cycles = append(cycles, ci.Wall)
			cycMu.Unlock()
		}
	})
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2 * n, MaxIdleConns: 2 * n, IdleConnTimeout: time.Minute}}
	var launchMu sync.Mutex
	launchedAt := map[string]time.Time{}
	onLaunch := func(_ string, l *agentapi.LaunchTask, at time.Time) {
		launchMu.Lock()
		launchedAt[l.Name] = at // the Mesos task id (sleepTask names tasks by id)
		launchMu.Unlock()
	}
	res := scaleResult{agents: n}
	t0 := time.Now()
	agents := make([]*emuagent.Agent, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 16 {
				a, err := emuagent.Start(context.Background(), emuagent.Config{
					MasterURL: url, Token: testToken, HTTP: hc, OnLaunch: onLaunch,
					PollWait: 5 * time.Second, HeartbeatEvery: 10 * time.Second, StatusRetry: 10 * time.Second,
					Resources: agentapi.Resources{CPUMilli: 8000, MemMiB: 16384, DiskMiB: 10240, Ports: []agentapi.PortRange{{Begin: 31000, End: 32000}}},
				})
				if err != nil {
					errs <- err
					return
				}
				agents[i] = a
			}
		}()
	}
	wg.Wait()
	close(errs)
	require.NoError(t, <-errs)
	t.Cleanup(func() {
		for _, a := range agents {
			a.Stop()
		}
	})
	res.register = time.Since(t0)

	c := &mesosapi.Client{URL: url + "/api/v1/scheduler", Token: testToken, HTTP: hc}
	stream, _, err := c.Subscribe(context.Background(), mesosapi.FrameworkInfo{User: "u", Name: "scale"})
	require.NoError(t, err)
	defer stream.Close()
	t1 := time.Now()
	calls := make(chan *mesosapi.Call, 4*n)
	var workers sync.WaitGroup
	var callErr error
	var errOnce sync.Once
	for range 16 {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for call := range calls {
				if err := c.Call(context.Background(), call); err != nil {
					errOnce.Do(func() { callErr = err })
				}
			}
		}()
	}
	offeredAt := map[string]time.Time{}
	running := 0
	seenRunning := map[string]bool{}
	for running < n {
		e, err := stream.Next()
		require.NoError(t, err)
		at := time.Now()
		switch e.Type {
		case mesosapi.EventOffers:
			for _, o := range e.Offers.Offers {
				id := "t-" + o.AgentID.Value
				if _, dup := offeredAt[id]; dup {
					calls <- &mesosapi.Call{Type: mesosapi.CallDecline, Decline: &mesosapi.Decline{OfferIDs: []mesosapi.ID{o.ID}}}
					continue
				}
				offeredAt[id] = at
				if len(offeredAt) == n {
					res.firstOffers = at.Sub(t1)
				}
				calls <- launch(o, sleepTask(id, o, 0.1, 0))
			}
		case mesosapi.EventUpdate:
			st := e.Update.Status
			require.Equal(t, mesosapi.TaskRunning, st.State, "%s: %v", st.TaskID.Value, st.Message)
			calls <- ackCall(st)
			if seenRunning[st.TaskID.Value] {
				continue // resent: the acknowledgement is still queued
			}
			seenRunning[st.TaskID.Value] = true
			res.running = append(res.running, at.Sub(offeredAt[st.TaskID.Value]))
			running++
		}
	}
	// Steady state: with every agent heartbeating and running a task, the
	// framework launches one task per OFFERS event (declining the rest in
	// one call) and the master's launch overhead is measured per task.
	steadyStart := time.Now()
	for round := 0; round < steadyRounds; {
		e, err := stream.Next()
		require.NoError(t, err)
		at := time.Now()
		switch e.Type {
		case mesosapi.EventOffers:
			os := e.Offers.Offers
			id := fmt.Sprintf("s-%d", round)
			offeredAt[id] = at
			require.NoError(t, c.Call(context.Background(), launch(os[0], sleepTask(id, os[0], 0.1, 50))))
			res.steadyAccept = append(res.steadyAccept, time.Since(at))
			if len(os) > 1 {
				ids := make([]mesosapi.ID, 0, len(os)-1)
				for _, o := range os[1:] {
					ids = append(ids, o.ID)
				}
				refuse := 0.5
				calls <- &mesosapi.Call{Type: mesosapi.CallDecline, Decline: &mesosapi.Decline{OfferIDs: ids, Filters: &mesosapi.Filters{RefuseSeconds: &refuse}}}
			}
			round++
		case mesosapi.EventUpdate:
			calls <- ackCall(e.Update.Status)
		}
	}
	res.steadyWall = time.Since(steadyStart)
	time.Sleep(hold) // heartbeats and allocation cycles keep going
	close(calls)
	workers.Wait()
	require.NoError(t, callErr)
	launchMu.Lock()
	for id, at := range launchedAt {
		if strings.HasPrefix(id, "s-") {
			res.steady = append(res.steady, at.Sub(offeredAt[id]))
		} else {
			res.overhead = append(res.overhead, at.Sub(offeredAt[id]))
		}
	}
	launchMu.Unlock()
	k := m.Counters()
	res.lost, res.launched, res.finished = k.Lost, k.Launched, k.Finished
	cycMu.Lock()
	res.cycles = slices.Clone(cycles)
	cycMu.Unlock()
	return res
}

func ackCall(st mesosapi.TaskStatus) *mesosapi.Call {
	return &mesosapi.Call{Type: mesosapi.CallAcknowledge, Acknowledge: &mesosapi.Acknowledge{AgentID: *st.AgentID, TaskID: st.TaskID, UUID: st.UUID}}
}

// TestScaleEmulatedAgents: the master keeps up with 5,000 emulated agents on
// loopback — all register, all are offered, one task launches on each and
// reaches TASK_RUNNING, and no agent misses its heartbeats. The timings are
// logged (they depend on the machine; the test does not assert them).
func TestScaleEmulatedAgents(t *testing.T) {
	n := 5000
	if v := os.Getenv("ALLOCSIM_SCALE_AGENTS"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	if testing.Short() {
		n = 500
	}
	requireFiles(t, n)
	r := runScale(t, n, 3*time.Second)
	require.Len(t, r.overhead, n)
	require.Len(t, r.steady, steadyRounds)
	require.Equal(t, int64(n+steadyRounds), r.launched)
	require.Zero(t, r.lost, "agents timed out: the master did not keep up with heartbeats")
	t.Logf("%d agents: registered in %v; all offered %v after subscribe", n, r.register, r.firstOffers)
	t.Logf("burst of %d launches (one ACCEPT each, 16 in flight): offer→LAUNCH at agent median %v p99 %v max %v", n, quantile(r.overhead, 0.5), quantile(r.overhead, 0.99), quantile(r.overhead, 1))
	t.Logf("steady state, %d agents heartbeating: offer→LAUNCH at agent median %v max %v (ACCEPT round trip median %v)", n, quantile(r.steady, 0.5), quantile(r.steady, 1), quantile(r.steadyAccept, 0.5))
	t.Logf("offer→TASK_RUNNING at framework: median %v p99 %v max %v", quantile(r.running, 0.5), quantile(r.running, 0.99), quantile(r.running, 1))
	t.Logf("periodic allocation cycles over all agents: %d, median %v max %v", len(r.cycles), quantile(r.cycles, 0.5), quantile(r.cycles, 1))
}

// requireFiles makes sure the process may open the ~2 sockets per agent
// (agent side and master side of its keep-alive connection) the run needs.
func requireFiles(t testing.TB, n int) {
	need := uint64(3*n + 1024)
	var rl syscall.Rlimit
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl))
	if rl.Cur < need {
		// Root may raise the hard limit too.
		up := syscall.Rlimit{Cur: need, Max: max(rl.Max, need)}
		if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &up) == nil {
			rl = up
		}
	}
	if rl.Cur < need {
		t.Fatalf("%d emulated agents need %d open files; the limit is %d (raise it: ulimit -n %d)", n, need, rl.Cur, need)
	}
}

// BenchmarkOfferToLaunch measures the master's task-launch overhead with
// ALLOCSIM_SCALE_AGENTS (default 5,000) emulated agents on loopback: one
// full run per iteration (use -benchtime 1x). Reported: the median and p99
// time from a framework receiving an offer to the agent receiving the
// LAUNCH, and the median allocation cycle over all agents.
func BenchmarkOfferToLaunch(b *testing.B) {
	n := 5000
	if v := os.Getenv("ALLOCSIM_SCALE_AGENTS"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	requireFiles(b, n)
	var over, run, cyc, steady []time.Duration
	for b.Loop() {
		r := runScale(b, n, 0)
		over = append(over, r.overhead...)
		steady = append(steady, r.steady...)
		run = append(run, r.running...)
		cyc = append(cyc, r.cycles...)
	}
	b.ReportMetric(float64(quantile(steady, 0.5).Microseconds())/1000, "ms-steady-offer→launch-p50")
	b.ReportMetric(float64(quantile(over, 0.5).Milliseconds()), "ms-offer→launch-p50")
	b.ReportMetric(float64(quantile(over, 0.99).Milliseconds()), "ms-offer→launch-p99")
	b.ReportMetric(float64(quantile(run, 0.5).Milliseconds()), "ms-offer→running-p50")
	b.ReportMetric(float64(quantile(cyc, 0.5).Microseconds()), "µs-cycle-p50")
}
