package master

import (
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/allocsim/allocsim/realrun/mesosapi"
)

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func strp(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// addUpdate records a status update the framework must acknowledge and
// sends it now if the framework is connected; retryUpdates resends it
// until it is acknowledged.
func (m *Master) addUpdate(f *framework, u *update) {
	if f.removed {
		return
	}
	f.updates.add(u)
	m.sendUpdate(f, u)
}

func (m *Master) sendUpdate(f *framework, u *update) {
	u.lastSent = time.Now()
	st := u.status
	m.send(f, &mesosapi.Event{Type: mesosapi.EventUpdate, Update: &mesosapi.Update{Status: st}})
}

// masterUpdate makes a status update on the master's own authority (a lost
// agent, an invalid launch): reliable (with a uuid, retried until
// acknowledged) when reliable is true, else a one-off answer (reconciliation).
func (m *Master) masterUpdate(f *framework, t *task, taskID, agentID, state, reason, msg string, reliable bool) {
	ts := float64(time.Now().UnixNano()) / 1e9
	st := mesosapi.TaskStatus{
		TaskID: mesosapi.ID{Value: taskID}, State: state, Message: strp(msg),
		Source: strp(mesosapi.SourceMaster), Reason: strp(reason), Timestamp: &ts,
	}
	if agentID != "" {
		st.AgentID = mesosapi.NewID(agentID)
	}
	if !reliable {
		m.send(f, &mesosapi.Event{Type: mesosapi.EventUpdate, Update: &mesosapi.Update{Status: st}})
		return
	}
	uuid := newUUID()
	st.UUID = []byte(uuid)
	if t != nil {
		t.last = st
		t.last.UUID = nil
	}
	m.addUpdate(f, &update{task: t, status: st, uuid: uuid})
}

// retryUpdates resends updates unacknowledged for StatusRetry.
func (m *Master) retryUpdates() {
	m.mu.Lock()
	defer m.mu.Unlock()
	cutoff := time.Now().Add(-m.cfg.StatusRetry)
	for _, f := range m.fws {
		if f.stream == nil {
			continue
		}
		f.updates.each(func(u *update) bool {
			if u.lastSent.Before(cutoff) {
				m.sendUpdate(f, u)
			}
			return f.stream != nil
		})
	}
}

// acknowledge handles ACKNOWLEDGE: the update is done; an agent's update is
// acknowledged to the agent, and a terminal task is forgotten.
func (m *Master) acknowledge(f *framework, ack *mesosapi.Acknowledge) error {
	uuid := string(ack.UUID)
	if u := f.updates.take(ack.TaskID.Value, uuid); u != nil {
		t := u.task
		if t == nil {
			return nil
		}
		if u.fromAgt {
			t.seen[uuid] = true
			if t.agent.active {
				m.queue(t.agent, agentCommandAck(t.agentTaskID, uuid))
			}
		}
		if t.released && mesosapi.IsTerminal(u.status.State) && f.tasks[t.id] == t {
			// Forget it; a late resend of the update by the agent then finds
			// no task and is simply acknowledged.
			delete(f.tasks, t.id)
			if t.agent.tasks[t.agentTaskID] == t {
				delete(t.agent.tasks, t.agentTaskID)
			}
		}
		return nil
	}
	return nil
}

// reconcile answers RECONCILE with the latest known state of the named
// tasks (TASK_LOST for unknown ones), or of every task when none is named.
func (m *Master) reconcile(f *framework, r *mesosapi.Reconcile) {
	answer := func(t *task) {
		st := t.last
		st.UUID = nil
		st.Reason = strp(mesosapi.ReasonReconciliation)
		st.Source = strp(mesosapi.SourceMaster)
		m.send(f, &mesosapi.Event{Type: mesosapi.EventUpdate, Update: &mesosapi.Update{Status: st}})
	}
	if len(r.Tasks) == 0 {
		for _, t := range sortedTasks(f.tasks) {
			if !mesosapi.IsTerminal(t.state) {
				answer(t)
			}
		}
		return
	}
	for _, rt := range r.Tasks {
		if t := f.tasks[rt.TaskID.Value]; t != nil {
			answer(t)
			continue
		}
		m.masterUpdate(f, nil, rt.TaskID.Value, rt.AgentID.GetValue(), mesosapi.TaskLost,
			mesosapi.ReasonReconciliation, "task is unknown to the master", false)
	}
}
