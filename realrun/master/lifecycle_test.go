package master

import (
	"context"
	"testing"
	"time"

	"github.com/allocsim/allocsim/realrun/master/emuagent"
	"github.com/allocsim/allocsim/realrun/mesosapi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rawScheduler is a scheduler on mesosapi.Client with its events pumped
// into a channel.
type rawScheduler struct {
	t      *testing.T
	c      *mesosapi.Client
	s      *mesosapi.Stream
	events chan *mesosapi.Event
}

func subscribeRaw(t *testing.T, url string, info mesosapi.FrameworkInfo) *rawScheduler {
	t.Helper()
	c := &mesosapi.Client{URL: url + "/api/v1/scheduler", Token: testToken}
	s, _, err := c.Subscribe(context.Background(), info)
	require.NoError(t, err)
	r := &rawScheduler{t: t, c: c, s: s, events: make(chan *mesosapi.Event, 4096)}
	go func() {
		defer close(r.events)
		for {
			e, err := s.Next()
			if err != nil {
				return
			}
			r.events <- e
		}
	}()
	t.Cleanup(func() { s.Close() })
	return r
}

func (r *rawScheduler) next(typ string, within time.Duration) *mesosapi.Event {
	r.t.Helper()
	deadline := time.After(within)
	for {
		select {
		case e, ok := <-r.events:
			require.True(r.t, ok, "stream closed waiting for %s", typ)
			if e.Type == typ {
				return e
			}
		case <-deadline:
			r.t.Fatalf("no %s within %v", typ, within)
		}
	}
}

func (r *rawScheduler) update(within time.Duration) mesosapi.TaskStatus {
	return r.next(mesosapi.EventUpdate, within).Update.Status
}

func (r *rawScheduler) call(c *mesosapi.Call) {
	r.t.Helper()
	require.NoError(r.t, r.c.Call(context.Background(), c))
}

func (r *rawScheduler) ack(st mesosapi.TaskStatus) {
	r.call(&mesosapi.Call{Type: mesosapi.CallAcknowledge, Acknowledge: &mesosapi.Acknowledge{AgentID: *st.AgentID, TaskID: st.TaskID, UUID: st.UUID}})
}

func sleepTask(id string, o mesosapi.Offer, cpu float64, ms int) mesosapi.TaskInfo {
	w, d := "sleep", itoa(ms)
	return mesosapi.TaskInfo{Name: id, TaskID: mesosapi.ID{Value: id}, AgentID: o.AgentID,
		Resources: []mesosapi.Resource{mesosapi.ScalarResource("cpus", cpu), mesosapi.ScalarResource("mem", 64)},
		Labels:    &mesosapi.Labels{Labels: []mesosapi.Label{{Key: LabelWorkload, Value: &w}, {Key: LabelDurationMs, Value: &d}}}}
}

func itoa(n int) string {
	b := []byte{}
	if n == 0 {
		return "0"
	}
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func launch(o mesosapi.Offer, tasks ...mesosapi.TaskInfo) *mesosapi.Call {
	return &mesosapi.Call{Type: mesosapi.CallAccept, Accept: &mesosapi.Accept{OfferIDs: []mesosapi.ID{o.ID},
		Operations: []mesosapi.Operation{{Type: mesosapi.OpLaunch, Launch: &mesosapi.Launch{TaskInfos: tasks}}}}}
}

// An agent that dies without a word (SIGKILL): its tasks become TASK_LOST
// within AgentTimeout plus one housekeeping tick, and its resources are
// offered again once it comes back.
func TestAgentKilledTasksLostAndReoffered(t *testing.T) {
	const timeout = 800 * time.Millisecond
	m, url := testMaster(t, func(c *Config) { c.AgentTimeout = timeout })
	a := testAgent(t, url, nil)
	fw := subscribeRaw(t, url, mesosapi.FrameworkInfo{User: "u", Name: "lost-test"})
	o := fw.next(mesosapi.EventOffers, 5*time.Second).Offers.Offers[0]
	fw.call(launch(o, sleepTask("long-1", o, 1, 0), sleepTask("long-2", o, 2, 0)))
	for range 2 {
		st := fw.update(5 * time.Second)
		require.Equal(t, mesosapi.TaskRunning, st.State)
		fw.ack(st)
	}
	assert.Equal(t, 2, a.Running())

	a.Stop() // no goodbye, no more heartbeats
	killed := time.Now()
	lost := map[string]bool{}
	for len(lost) < 2 {
		st := fw.update(timeout + 2*time.Second)
		require.Equal(t, mesosapi.TaskLost, st.State, "task %s", st.TaskID.Value)
		assert.Equal(t, mesosapi.ReasonAgentRemoved, *st.Reason)
		lost[st.TaskID.Value] = true
		fw.ack(st)
	}
	took := time.Since(killed)
	t.Logf("tasks LOST %v after the agent died (agent timeout %v)", took, timeout)
	assert.Equal(t, a.ID(), fw.next(mesosapi.EventFailure, time.Second).Failure.AgentID.GetValue(), "FAILURE names the lost agent")
	assert.Less(t, took, timeout+time.Second)
	assert.Equal(t, int64(2), m.Counters().Lost)

	// The agent restarts with its id: all of it is offered again.
	back := testAgent(t, url, func(c *emuagent.Config) { c.AgentID = a.ID() })
	require.Equal(t, a.ID(), back.ID())
	for {
		o := fw.next(mesosapi.EventOffers, 5*time.Second).Offers.Offers[0]
		v, _, err := mesosapi.ToVector(o.Resources)
		require.NoError(t, err)
		if o.AgentID.Value == a.ID() {
			assert.Equal(t, int64(4000), v[0], "the lost tasks' cpus are offered again")
			break
		}
	}
}

// Status updates are retried until acknowledged, across a new subscription
// of the same framework.
func TestStatusUpdatesSurviveReconnect(t *testing.T) {
	_, url := testMaster(t, nil)
	testAgent(t, url, nil)
	fw := subscribeRaw(t, url, mesosapi.FrameworkInfo{User: "u", Name: "reconnect"})
	id := fw.c.FrameworkID()
	o := fw.next(mesosapi.EventOffers, 5*time.Second).Offers.Offers[0]
	fw.call(launch(o, sleepTask("short", o, 1, 200)))
	first := fw.update(5 * time.Second)
	require.Equal(t, mesosapi.TaskRunning, first.State)
	// No acknowledgement: the master resends it on the same stream.
	again := fw.update(5 * time.Second)
	assert.Equal(t, first.UUID, again.UUID)
	fw.s.Close() // the framework's connection drops

	fw2 := subscribeRaw(t, url, mesosapi.FrameworkInfo{User: "u", Name: "reconnect", ID: mesosapi.NewID(id)})
	assert.Equal(t, id, fw2.c.FrameworkID())
	st := fw2.update(5 * time.Second)
	assert.Equal(t, mesosapi.TaskRunning, st.State)
	assert.Equal(t, first.UUID, st.UUID, "the same update, not a new one")
	fw2.ack(st)
	st = fw2.update(5 * time.Second)
	assert.Equal(t, mesosapi.TaskFinished, st.State)
	fw2.ack(st)
}

// A task naming a path outside its sandbox, or an unknown resource, is
// refused with TASK_ERROR and takes nothing from the agent.
func TestInvalidTasksAreErrors(t *testing.T) {
	m, url := testMaster(t, nil)
	testAgent(t, url, nil)
	fw := subscribeRaw(t, url, mesosapi.FrameworkInfo{User: "u", Name: "bad-tasks"})
	o := fw.next(mesosapi.EventOffers, 5*time.Second).Offers.Offers[0]
	escape := sleepTask("escape", o, 1, 10)
	up := "../../etc"
	escape.Labels.Labels = append(escape.Labels.Labels, mesosapi.Label{Key: LabelCwd, Value: &up})
	abs := sleepTask("abs", o, 1, 10)
	root := "/etc/passwd"
	abs.Labels.Labels = append(abs.Labels.Labels, mesosapi.Label{Key: LabelStdout, Value: &root})
	greedy := sleepTask("greedy", o, 64, 10)
	slash := sleepTask("a/b", o, 1, 10)
	fw.call(launch(o, escape, abs, greedy, slash))
	for range 4 {
		st := fw.update(5 * time.Second)
		assert.Equal(t, mesosapi.TaskError, st.State, "%s: %v", st.TaskID.Value, st.Message)
		fw.ack(st)
	}
	assert.Equal(t, int64(0), m.Counters().Launched)
	m.mu.Lock()
	free := m.cluster.Free()
	m.mu.Unlock()
	assert.Equal(t, int64(4000), free[0])
}

// KILL stops a running task (TASK_KILLED); TEARDOWN removes the framework,
// kills its tasks and gives their resources back at once.
func TestKillAndTeardown(t *testing.T) {
	m, url := testMaster(t, nil)
	a := testAgent(t, url, nil)
	fw := subscribeRaw(t, url, mesosapi.FrameworkInfo{User: "u", Name: "killer"})
	o := fw.next(mesosapi.EventOffers, 5*time.Second).Offers.Offers[0]
	fw.call(launch(o, sleepTask("k1", o, 1, 0), sleepTask("k2", o, 1, 0)))
	for range 2 {
		st := fw.update(5 * time.Second)
		require.Equal(t, mesosapi.TaskRunning, st.State)
		fw.ack(st)
	}
	fw.call(&mesosapi.Call{Type: mesosapi.CallKill, Kill: &mesosapi.Kill{TaskID: mesosapi.ID{Value: "k1"}}})
	st := fw.update(5 * time.Second)
	assert.Equal(t, mesosapi.TaskKilled, st.State)
	assert.Equal(t, "k1", st.TaskID.Value)
	fw.ack(st)
	// Killing an unknown task answers TASK_LOST.
	fw.call(&mesosapi.Call{Type: mesosapi.CallKill, Kill: &mesosapi.Kill{TaskID: mesosapi.ID{Value: "nope"}}})
	assert.Equal(t, mesosapi.TaskLost, fw.update(5*time.Second).State)

	fw.call(&mesosapi.Call{Type: mesosapi.CallTeardown})
	require.Eventually(t, func() bool { return a.Running() == 0 }, 5*time.Second, 10*time.Millisecond, "k2 still running on the agent")
	m.mu.Lock()
	free := m.cluster.Free()
	m.mu.Unlock()
	assert.Equal(t, int64(4000), free[0], "resources recovered")
	// The torn-down framework's calls are refused.
	err := fw.c.Call(context.Background(), &mesosapi.Call{Type: mesosapi.CallRevive})
	var se *mesosapi.StatusError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, 403, se.Code)
}

// With offer_timeout, an unanswered offer is rescinded (RESCIND) and its
// resources are offered again without a filter.
func TestOfferTimeoutRescinds(t *testing.T) {
	_, url := testMaster(t, func(c *Config) {
		c.AllocatorParams = map[string]any{"offer_timeout": 0.3}
	})
	testAgent(t, url, nil)
	fw := subscribeRaw(t, url, mesosapi.FrameworkInfo{User: "u", Name: "slow"})
	o := fw.next(mesosapi.EventOffers, 5*time.Second).Offers.Offers[0]
	t0 := time.Now()
	r := fw.next(mesosapi.EventRescind, 5*time.Second).Rescind
	assert.Equal(t, o.ID, r.OfferID)
	assert.GreaterOrEqual(t, time.Since(t0), 250*time.Millisecond)
	again := fw.next(mesosapi.EventOffers, 5*time.Second).Offers.Offers[0]
	assert.Equal(t, o.AgentID, again.AgentID)
	assert.NotEqual(t, o.ID, again.ID)
	// Accepting the rescinded offer loses the task (invalid offer).
	fw.call(launch(o, sleepTask("late", o, 1, 10)))
	st := fw.update(5 * time.Second)
	assert.Equal(t, mesosapi.TaskLost, st.State)
	assert.Equal(t, mesosapi.ReasonInvalidOffers, *st.Reason)
}
