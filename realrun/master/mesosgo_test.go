package master

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/allocsim/allocsim/realrun/mesosapi"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/encoding/codecs"
	"github.com/mesos/mesos-go/api/v1/lib/httpcli"
	"github.com/mesos/mesos-go/api/v1/lib/httpcli/httpsched"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mesosGoScheduler drives the master with mesos-go v0.0.11's v1 HTTP
// scheduler client (httpcli + httpsched + calls), a client written by
// others from Mesos's own API definition.
type mesosGoScheduler struct {
	t      *testing.T
	caller calls.Caller
	events chan *scheduler.Event
	fwID   string
}

func newMesosGoScheduler(t *testing.T, url string) *mesosGoScheduler {
	cli := httpcli.New(
		httpcli.Endpoint(url+"/api/v1/scheduler"),
		httpcli.Codec(codecs.ByMediaType[codecs.MediaTypeJSON]),
		httpcli.DefaultHeader("Authorization", "Bearer "+testToken),
	)
	s := &mesosGoScheduler{t: t, caller: httpsched.NewCaller(cli), events: make(chan *scheduler.Event, 1024)}
	ctx, cancel := context.WithCancel(context.Background())
	resp, err := s.caller.Call(ctx, calls.Subscribe(&mesos.FrameworkInfo{User: "root", Name: "mesos-go-test"}))
	require.NoError(t, err)
	go func() {
		defer close(s.events)
		for {
			var e scheduler.Event
			if err := resp.Decode(&e); err != nil {
				if err != io.EOF && ctx.Err() == nil {
					t.Logf("event stream ended: %v", err)
				}
				return
			}
			s.events <- &e
		}
	}()
	t.Cleanup(func() { cancel(); resp.Close() })
	e := s.next(scheduler.Event_SUBSCRIBED, 5*time.Second)
	s.fwID = e.GetSubscribed().FrameworkID.Value
	return s
}

// next waits for the next event of the type, skipping heartbeats and others.
func (s *mesosGoScheduler) next(typ scheduler.Event_Type, within time.Duration) *scheduler.Event {
	s.t.Helper()
	deadline := time.After(within)
	for {
		select {
		case e, ok := <-s.events:
			require.True(s.t, ok, "stream closed while waiting for %v", typ)
			if e.Type == typ {
				return e
			}
		case <-deadline:
			s.t.Fatalf("no %v event within %v", typ, within)
		}
	}
}

// none asserts that no event of the type arrives for d.
func (s *mesosGoScheduler) none(typ scheduler.Event_Type, d time.Duration) {
	s.t.Helper()
	deadline := time.After(d)
	for {
		select {
		case e := <-s.events:
			require.NotEqual(s.t, typ, e.Type, "unexpected %v event: %v", typ, e)
		case <-deadline:
			return
		}
	}
}

func (s *mesosGoScheduler) call(c *scheduler.Call) {
	s.t.Helper()
	c.FrameworkID = &mesos.FrameworkID{Value: s.fwID}
	resp, err := s.caller.Call(context.Background(), c)
	require.NoError(s.t, err)
	if resp != nil {
		resp.Close()
	}
}

func (s *mesosGoScheduler) update(state mesos.TaskState, within time.Duration) mesos.TaskStatus {
	s.t.Helper()
	for {
		e := s.next(scheduler.Event_UPDATE, within)
		st := e.GetUpdate().Status
		if st.State != nil && *st.State == state {
			return st
		}
		if terminal(st.GetState()) {
			s.t.Fatalf("update %v for %s while waiting for %v%s", st.GetState(), st.TaskID.Value, state, statusDetail(st))
		}
		s.t.Logf("update %v for %s (waiting for %v)", st.GetState(), st.TaskID.Value, state)
		if len(st.UUID) > 0 {
			s.call(calls.Acknowledge(st.GetAgentID().GetValue(), st.TaskID.Value, st.UUID))
		}
	}
}

// terminal: mesos-go's state names are the API's, which mesosapi knows.
func terminal(s mesos.TaskState) bool { return mesosapi.IsTerminal(s.String()) }

// statusDetail is a status update's reason and message, for test logs.
func statusDetail(st mesos.TaskStatus) string {
	var d string
	if st.Reason != nil {
		d += " " + st.Reason.String()
	}
	if st.GetMessage() != "" {
		d += ": " + st.GetMessage()
	}
	return d
}

func TestMesosGoSchedulerLaunchAndDecline(t *testing.T) {
	_, url := testMaster(t, nil)
	agent := testAgent(t, url, nil)
	s := newMesosGoScheduler(t, url)

	// An offer of the whole agent, as Mesos encodes it.
	e := s.next(scheduler.Event_OFFERS, 5*time.Second)
	require.Len(t, e.GetOffers().Offers, 1)
	o := e.GetOffers().Offers[0]
	assert.Equal(t, agent.ID(), o.AgentID.Value)
	assert.Equal(t, "cpus:4;mem:4096;disk:1024;ports:[31000-31009]", mesos.Resources(o.Resources).String())

	// Launch one task; it runs for 300 ms on the (emulated) agent.
	task := mesos.TaskInfo{
		Name: "sleepy", TaskID: mesos.TaskID{Value: "task-1"}, AgentID: o.AgentID,
		Resources: []mesos.Resource{
			{Name: "cpus", Type: mesos.SCALAR.Enum(), Scalar: &mesos.Value_Scalar{Value: 1}},
			{Name: "mem", Type: mesos.SCALAR.Enum(), Scalar: &mesos.Value_Scalar{Value: 128}},
			{Name: "ports", Type: mesos.RANGES.Enum(), Ranges: &mesos.Value_Ranges{Range: []mesos.Value_Range{{Begin: 31000, End: 31000}}}},
		},
		Labels: &mesos.Labels{Labels: []mesos.Label{{Key: LabelWorkload, Value: strPtr("sleep")}, {Key: LabelDurationMs, Value: strPtr("300")}}},
	}
	s.call(calls.Accept(calls.OfferOperations{calls.OpLaunch(task)}.WithOffers(o.ID)))
	running := s.update(mesos.TASK_RUNNING, 5*time.Second)
	assert.Equal(t, "task-1", running.TaskID.Value)
	require.NotEmpty(t, running.UUID)
	s.call(calls.Acknowledge(agent.ID(), "task-1", running.UUID))
	finished := s.update(mesos.TASK_FINISHED, 5*time.Second)
	s.call(calls.Acknowledge(agent.ID(), "task-1", finished.UUID))

	// Decline the next offer with a long filter: the allocator must not
	// offer that agent again (several allocation cycles pass)…
	e = s.next(scheduler.Event_OFFERS, 5*time.Second)
	o = e.GetOffers().Offers[0]
	assert.Equal(t, "cpus:4;mem:4096;disk:1024;ports:[31000-31009]", mesos.Resources(o.Resources).String(), "task resources returned")
	dec := calls.Decline(o.ID)
	calls.RefuseSeconds(time.Hour)(dec)
	s.call(dec)
	s.none(scheduler.Event_OFFERS, time.Second)
	// …until the framework revives.
	s.call(calls.Revive())
	e = s.next(scheduler.Event_OFFERS, 5*time.Second)

	// A short filter expires: the offer comes back after refuse_seconds
	// (and within a few allocation intervals of it).
	dec = calls.Decline(e.GetOffers().Offers[0].ID)
	calls.RefuseSeconds(700 * time.Millisecond)(dec)
	t0 := time.Now()
	s.call(dec)
	s.next(scheduler.Event_OFFERS, 5*time.Second)
	waited := time.Since(t0)
	assert.GreaterOrEqual(t, waited, 650*time.Millisecond, "offer came back before the filter expired")
	assert.Less(t, waited, 3*time.Second)

	// Reconcile: the finished, acknowledged task is no longer tracked.
	s.call(calls.Reconcile(calls.ReconcileTasks(map[string]string{"task-1": agent.ID()})))
	lost := s.update(mesos.TASK_LOST, 5*time.Second)
	assert.Equal(t, mesos.REASON_RECONCILIATION, lost.GetReason())
	// The stream carries HEARTBEAT events (every second in this test).
	s.next(scheduler.Event_HEARTBEAT, 3*time.Second)
}

func strPtr(s string) *string { return &s }
