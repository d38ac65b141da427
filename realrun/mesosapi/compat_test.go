package mesosapi

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/recordio"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests check the wire format against mesos-go v0.0.11, a client
// library written from Mesos's .proto files by others: what it encodes we
// decode, and what we encode it decodes to the same values.

func encodeMesosGo(t *testing.T, c *scheduler.Call) []byte {
	t.Helper()
	b, err := json.Marshal(c)
	require.NoError(t, err)
	return b
}

func TestDecodeMesosGoCalls(t *testing.T) {
	str := func(s string) *string { return &s }
	fi := &mesos.FrameworkInfo{
		User: "root", Name: "fw", Roles: []string{"batch"},
		Capabilities: []mesos.FrameworkInfo_Capability{{Type: mesos.FrameworkInfo_Capability_MULTI_ROLE}, {Type: mesos.FrameworkInfo_Capability_GPU_RESOURCES}},
	}
	sub := encodeMesosGo(t, calls.Subscribe(fi))
	c, err := DecodeCall(sub)
	require.NoError(t, err, "%s", sub)
	assert.Equal(t, CallSubscribe, c.Type)
	assert.Equal(t, "fw", c.Subscribe.FrameworkInfo.Name)
	assert.Equal(t, []string{"batch"}, c.Subscribe.FrameworkInfo.EffectiveRoles())
	assert.True(t, c.Subscribe.FrameworkInfo.HasCapability(CapGPUResources))

	task := mesos.TaskInfo{
		Name: "t1", TaskID: mesos.TaskID{Value: "t1"}, AgentID: mesos.AgentID{Value: "a1"},
		Resources: []mesos.Resource{
			{Name: "cpus", Type: mesos.SCALAR.Enum(), Scalar: &mesos.Value_Scalar{Value: 0.5}},
			{Name: "mem", Type: mesos.SCALAR.Enum(), Scalar: &mesos.Value_Scalar{Value: 64}},
			{Name: "ports", Type: mesos.RANGES.Enum(), Ranges: &mesos.Value_Ranges{Range: []mesos.Value_Range{{Begin: 31000, End: 31001}}}},
		},
		Command: &mesos.CommandInfo{Value: str("sleep 1")},
	}
	acc := calls.Accept(calls.OfferOperations{calls.OpLaunch(task)}.WithOffers(mesos.OfferID{Value: "o1"}))
	acc.FrameworkID = &mesos.FrameworkID{Value: "f1"}
	b := encodeMesosGo(t, acc)
	c, err = DecodeCall(b)
	require.NoError(t, err, "%s", b)
	require.Len(t, c.Accept.Operations, 1)
	op := c.Accept.Operations[0]
	assert.Equal(t, OpLaunch, op.Type)
	ti := op.Launch.TaskInfos[0]
	assert.Equal(t, "t1", ti.TaskID.Value)
	assert.Equal(t, "sleep 1", *ti.Command.Value)
	assert.True(t, ti.Command.IsShell())
	v, ports, err := ToVector(ti.Resources)
	require.NoError(t, err)
	assert.Equal(t, int64(500), v[0])
	assert.Equal(t, int64(64), v[1])
	assert.Equal(t, []Range{{31000, 31001}}, ports)

	dec := calls.Decline(mesos.OfferID{Value: "o2"})
	calls.RefuseSeconds(30 * time.Second)(dec)
	dec.FrameworkID = &mesos.FrameworkID{Value: "f1"}
	b = encodeMesosGo(t, dec)
	c, err = DecodeCall(b)
	require.NoError(t, err, "%s", b)
	assert.Equal(t, "o2", c.Decline.OfferIDs[0].Value)
	assert.Equal(t, 30.0, c.Decline.Filters.Refuse())

	ack := calls.Acknowledge("a1", "t1", []byte{0, 1, 2, 250, 251})
	ack.FrameworkID = &mesos.FrameworkID{Value: "f1"}
	b = encodeMesosGo(t, ack)
	c, err = DecodeCall(b)
	require.NoError(t, err, "%s", b)
	assert.Equal(t, []byte{0, 1, 2, 250, 251}, c.Acknowledge.UUID)

	rec := calls.Reconcile(calls.ReconcileTasks(map[string]string{"t1": "a1"}))
	rec.FrameworkID = &mesos.FrameworkID{Value: "f1"}
	c, err = DecodeCall(encodeMesosGo(t, rec))
	require.NoError(t, err)
	assert.Equal(t, "t1", c.Reconcile.Tasks[0].TaskID.Value)

	for _, mc := range []*scheduler.Call{calls.Revive(), calls.Suppress(), calls.Kill("t1", "a1"), {Type: scheduler.Call_TEARDOWN}} {
		mc.FrameworkID = &mesos.FrameworkID{Value: "f1"}
		c, err = DecodeCall(encodeMesosGo(t, mc))
		require.NoError(t, err)
		assert.Equal(t, mc.Type.String(), c.Type)
	}
}

func TestMesosGoDecodesEvents(t *testing.T) {
	role := "batch"
	hb := 15.0
	ts := 1.5
	events := []Event{
		{Type: EventSubscribed, Subscribed: &Subscribed{FrameworkID: ID{"f1"}, HeartbeatIntervalSeconds: &hb,
			MasterInfo: &MasterInfo{ID: "m", IP: 16777343, Port: 5050}}},
		{Type: EventOffers, Offers: &Offers{Offers: []Offer{{
			ID: ID{"o1"}, FrameworkID: ID{"f1"}, AgentID: ID{"a1"}, Hostname: "h",
			Resources:      FromVector([4]int64{1500, 2048, 100, 1000}, []Range{{31000, 32000}}, role),
			AllocationInfo: &AllocationInfo{Role: &role},
		}}}},
		{Type: EventRescind, Rescind: &Rescind{OfferID: ID{"o1"}}},
		{Type: EventUpdate, Update: &Update{Status: TaskStatus{TaskID: ID{"t1"}, State: TaskRunning,
			AgentID: NewID("a1"), UUID: []byte{9, 8, 7, 255}, Timestamp: &ts}}},
		{Type: EventHeartbeat},
		{Type: EventError, Error: &Error{Message: "bye"}},
	}
	var stream bytes.Buffer
	w := NewRecordWriter(&stream)
	for _, e := range events {
		b, err := json.Marshal(e)
		require.NoError(t, err)
		require.NoError(t, w.WriteRecord(b))
	}
	r := recordio.NewReader(&stream)
	var got []scheduler.Event
	for {
		frame, err := r.ReadFrame()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		var e scheduler.Event
		require.NoError(t, json.Unmarshal(frame, &e), "%s", frame)
		got = append(got, e)
	}
	require.Len(t, got, len(events))
	assert.Equal(t, "f1", got[0].GetSubscribed().FrameworkID.Value)
	assert.Equal(t, 15.0, got[0].GetSubscribed().GetHeartbeatIntervalSeconds())
	o := got[1].GetOffers().Offers[0]
	assert.Equal(t, "o1", o.ID.Value)
	rs := mesos.Resources(o.Resources)
	assert.Equal(t, "cpus:1.5;mem:2048;disk:100;gpus:1;ports:[31000-32000]", rs.ToUnreserved().String())
	assert.Equal(t, "batch", o.GetAllocationInfo().GetRole())
	assert.Equal(t, scheduler.Event_RESCIND, got[2].Type)
	st := got[3].GetUpdate().Status
	assert.Equal(t, mesos.TASK_RUNNING, st.GetState())
	assert.Equal(t, []byte{9, 8, 7, 255}, st.UUID)
	assert.Equal(t, scheduler.Event_HEARTBEAT, got[4].Type)
	assert.Equal(t, "bye", got[5].GetError().Message)
}
