package master

import (
	"context"
	"fmt"
	"time"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/realrun/agentapi"
	"github.com/allocsim/allocsim/realrun/mesosapi"
)

// agentSide implements agentapi.Master; agentapi.NewHandler has already
// authenticated, size-limited and validated every request.
type agentSide struct{ m *Master }

var _ agentapi.Master = agentSide{}

func (a *agent) wakeUp() {
	if a.wake != nil {
		close(a.wake)
	}
	a.wake = make(chan struct{})
}

// queue appends a command for the agent and wakes its long-poll.
func (m *Master) queue(a *agent, c agentapi.Command) {
	a.seq++
	c.Seq = a.seq
	a.pending = append(a.pending, c)
	a.wakeUp()
}

func agentCommandAck(taskID, uuid string) agentapi.Command {
	return agentapi.Command{Type: agentapi.CommandAcknowledge, Acknowledge: &agentapi.Acknowledge{TaskID: taskID, UUID: uuid}}
}

// activeAgent returns the registered, live agent with the id, noting that
// it was heard from; unknown or removed agents must register again.
func (m *Master) activeAgent(id string) (*agent, error) {
	a := m.agentByID[id]
	if a == nil || !a.active {
		return nil, agentapi.ErrUnknownAgent
	}
	a.lastSeen = time.Now()
	return a, nil
}

func (s agentSide) Register(_ context.Context, req *agentapi.RegisterRequest) (*agentapi.RegisterResponse, error) {
	m := s.m
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.Now()
	ports, err := mesosapi.NormalizeRanges(portRanges(req.Resources.Ports))
	if err != nil {
		return nil, agentapi.BadRequest("resources: %v", err)
	}
	id := req.AgentID
	a := m.agentByID[id]
	if a == nil {
		if id == "" {
			id = fmt.Sprintf("%s-S%d", m.id, len(m.agents))
		}
		spec := allocator.AgentSpec{
			Name:     id,
			Capacity: allocator.Res(req.Resources.CPUMilli, req.Resources.MemMiB, req.Resources.DiskMiB, int64(len(req.Resources.GPUs))*1000),
		}
		if len(req.Resources.GPUs) > 0 {
			spec.GPUModel = req.Resources.GPUs[0].Model
			if spec.GPUModel == "" {
				spec.GPUModel = "gpu"
			}
		}
		for _, at := range req.Attributes {
			switch at.Name {
			case "rack":
				spec.Rack = at.Value
			case "zone":
				spec.Zone = at.Value
			}
		}
		aid, err := m.cluster.AddAgent(spec)
		if err != nil {
			return nil, agentapi.BadRequest("%v", err)
		}
		a = &agent{id: aid, name: id, tasks: map[string]*task{}, allPorts: ports, freePorts: ports, sparePorts: ports}
		a.wakeUp()
		m.agents = append(m.agents, a)
		m.agentByID[id] = a
		a.active = true
		if err := m.alloc.AddAgent(now, aid, nil); err != nil {
			return nil, fmt.Errorf("allocator: %w", err)
		}
		m.cfg.Log.Printf("agent %s registered: %v", id, spec.Capacity)
	} else {
		m.reregister(now, a, req)
	}
	a.hostname, a.executors, a.gpus, a.attrs = req.Hostname, req.Executors, req.Resources.GPUs, req.Attributes
	a.lastSeen = time.Now()
	if m.alloc.Triggered() {
		m.kick()
	}
	return &agentapi.RegisterResponse{AgentID: id, HeartbeatIntervalMs: m.cfg.AgentHeartbeat.Milliseconds()}, nil
}

// reregister handles an agent that registers again with its id: after a
// restart (tasks it no longer lists are LOST) or after the master removed
// it (tasks it still runs were already reported LOST and are killed).
func (m *Master) reregister(now allocator.Time, a *agent, req *agentapi.RegisterRequest) {
	listed := map[string]agentapi.TaskStatus{}
	for _, st := range req.Tasks {
		listed[st.TaskID] = st
	}
	if a.active {
		for _, t := range sortedTasks(a.tasks) {
			if _, ok := listed[t.agentTaskID]; ok || t.released {
				continue
			}
			m.loseTask(t, mesosapi.ReasonAgentRestarted, "the agent restarted without the task")
		}
	} else {
		m.cluster.SetUp(a.id, true)
		a.active = true
		a.freePorts, a.sparePorts = a.allPorts, a.allPorts
		if err := m.alloc.AddAgent(now, a.id, nil); err != nil {
			m.cfg.Log.Printf("agent %s: allocator: %v", a.name, err)
		}
		m.cfg.Log.Printf("agent %s is back", a.name)
	}
	// Commands for tasks that are gone are pointless now.
	kept := a.pending[:0]
	for _, c := range a.pending {
		if c.Type == agentapi.CommandLaunch {
			if t := a.tasks[c.Launch.TaskID]; t == nil || t.released {
				continue
			}
		}
		kept = append(kept, c)
	}
	a.pending = kept
	for _, st := range req.Tasks {
		t := a.tasks[st.TaskID]
		if (t == nil || t.released) && !agentapi.IsTerminal(st.State) {
			m.queue(a, agentapi.Command{Type: agentapi.CommandKill, Kill: &agentapi.KillTask{TaskID: st.TaskID}})
		}
	}
}

func portRanges(ps []agentapi.PortRange) []mesosapi.Range {
	out := make([]mesosapi.Range, len(ps))
	for i, p := range ps {
		out[i] = mesosapi.Range{Begin: uint64(p.Begin), End: uint64(p.End)}
	}
	return out
}

func (s agentSide) Heartbeat(_ context.Context, req *agentapi.HeartbeatRequest) (*agentapi.HeartbeatResponse, error) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	if _, err := s.m.activeAgent(req.AgentID); err != nil {
		return nil, err
	}
	return &agentapi.HeartbeatResponse{}, nil
}

// Commands long-polls: it answers at once when commands are pending, else
// waits for one, for WaitMs, or for the request to end. A long-poll counts
// as a heartbeat.
func (s agentSide) Commands(ctx context.Context, req *agentapi.CommandsRequest) (*agentapi.CommandsResponse, error) {
	m := s.m
	deadline := time.Now().Add(time.Duration(req.WaitMs) * time.Millisecond)
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		m.mu.Lock()
		a, err := m.activeAgent(req.AgentID)
		if err != nil {
			m.mu.Unlock()
			return nil, err
		}
		drop := 0
		for drop < len(a.pending) && a.pending[drop].Seq <= req.AckSeq {
			drop++
		}
		a.pending = a.pending[drop:]
		wait := time.Until(deadline)
		if len(a.pending) > 0 || wait <= 0 {
			out := &agentapi.CommandsResponse{Commands: append([]agentapi.Command{}, a.pending...)}
			m.mu.Unlock()
			return out, nil
		}
		wake := a.wake
		m.mu.Unlock()
		if timer == nil {
			timer = time.NewTimer(wait)
		}
		select {
		case <-ctx.Done():
			return &agentapi.CommandsResponse{Commands: []agentapi.Command{}}, nil
		case <-timer.C:
			deadline = time.Now()
		case <-wake:
		}
	}
}

func (s agentSide) Status(_ context.Context, req *agentapi.StatusRequest) (*agentapi.StatusResponse, error) {
	m := s.m
	m.mu.Lock()
	defer m.mu.Unlock()
	a, err := m.activeAgent(req.AgentID)
	if err != nil {
		return nil, err
	}
	return &agentapi.StatusResponse{Acknowledged: m.agentStatus(a, &req.Status)}, nil
}

// agentStatus records an agent's status update and forwards it to the
// framework. It reports whether the update is already acknowledged (true
// for duplicates the framework acknowledged and for tasks no one tracks).
func (m *Master) agentStatus(a *agent, st *agentapi.TaskStatus) bool {
	t := a.tasks[st.TaskID]
	if t == nil {
		return true
	}
	if acked, dup := t.seen[st.UUID]; dup {
		return acked
	}
	t.seen[st.UUID] = false
	ts := float64(st.TimestampUs) / 1e6
	ms := mesosapi.TaskStatus{
		TaskID: mesosapi.ID{Value: t.id}, State: st.State, Message: strp(st.Message),
		Source: strp(mesosapi.SourceExecutor), Reason: strp(st.Reason),
		AgentID: mesosapi.NewID(a.name), Timestamp: &ts, UUID: []byte(st.UUID),
	}
	if t.released {
		// Already LOST (or torn down): the agent's late word changes nothing.
		t.seen[st.UUID] = true
		return true
	}
	t.state = st.State
	t.last = ms
	t.last.UUID = nil
	if mesosapi.IsTerminal(st.State) {
		m.release(t)
		m.countEnd(st.State)
	}
	m.addUpdate(t.fw, &update{task: t, status: ms, uuid: st.UUID, fromAgt: true})
	return false
}

func (m *Master) countEnd(state string) {
	switch state {
	case mesosapi.TaskFinished:
		m.counters.Finished++
	case mesosapi.TaskFailed, mesosapi.TaskError:
		m.counters.Failed++
	case mesosapi.TaskKilled:
		m.counters.Killed++
	default:
		m.counters.Lost++
	}
}

// loseTask marks a task LOST on the master's authority and frees its resources.
func (m *Master) loseTask(t *task, reason, msg string) {
	t.state = mesosapi.TaskLost
	m.release(t)
	m.countEnd(mesosapi.TaskLost)
	m.masterUpdate(t.fw, t, t.id, t.agent.name, mesosapi.TaskLost, reason, msg, true)
}

// removeAgent takes an agent that stopped answering out of the cluster:
// its offers are rescinded, its tasks become TASK_LOST and their
// resources are recovered.
func (m *Master) removeAgent(a *agent, reason, msg string) {
	now := m.Now()
	m.cfg.Log.Printf("removing agent %s: %s", a.name, msg)
	for _, o := range sortedOffers(m.offers) {
		if o.agent == a {
			m.dropOffer(o)
		}
	}
	m.cluster.SetUp(a.id, false)
	m.rescindQuiet(m.alloc.RemoveAgent(now, a.id))
	a.active = false
	a.pending = nil
	for _, t := range sortedTasks(a.tasks) {
		if !t.released {
			m.loseTask(t, reason, msg)
		}
	}
	// As Mesos does when it removes an agent: every framework hears of it.
	for _, f := range m.fws {
		if f.stream != nil && !f.removed {
			m.send(f, &mesosapi.Event{Type: mesosapi.EventFailure, Failure: &mesosapi.Failure{AgentID: mesosapi.NewID(a.name)}})
		}
	}
	a.wakeUp()
}

// rescindQuiet tells frameworks about offers already dropped by the master.
func (m *Master) rescindQuiet(offers []allocator.Offer) {
	for _, ao := range offers {
		f := m.fws[ao.Framework]
		m.counters.Rescinded++
		m.send(f, &mesosapi.Event{Type: mesosapi.EventRescind, Rescind: &mesosapi.Rescind{OfferID: mesosapi.ID{Value: m.offerName(ao.ID)}}})
	}
}
