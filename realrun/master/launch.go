package master

import (
	"fmt"
	"strconv"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/realrun/agentapi"
	"github.com/allocsim/allocsim/realrun/mesosapi"
)

// Task labels allocsim's agents understand besides CommandInfo. A task with
// allocsim.workload = sleep|cpu|memory runs the agent's built-in load for
// allocsim.duration_ms instead of a command; allocsim.executor picks
// cgroup or runc; allocsim.cwd/stdout/stderr are sandbox-relative paths.
const (
	LabelWorkload   = "allocsim.workload"
	LabelDurationMs = "allocsim.duration_ms"
	LabelMemoryMiB  = "allocsim.memory_mib"
	LabelExecutor   = "allocsim.executor"
	LabelCwd        = "allocsim.cwd"
	LabelStdout     = "allocsim.stdout"
	LabelStderr     = "allocsim.stderr"
)

// accept handles ACCEPT with LAUNCH operations. As in Mesos, problems with
// the offers or tasks do not fail the call: they come back as status
// updates (TASK_LOST for invalid offers, TASK_ERROR for invalid tasks).
func (m *Master) accept(f *framework, acc *mesosapi.Accept) error {
	now := m.Now()
	refuse := allocator.RefuseFromSeconds(acc.Filters.Refuse())
	var tasks []mesosapi.TaskInfo
	for _, op := range acc.Operations {
		if op.Type == mesosapi.OpLaunch && op.Launch != nil {
			tasks = append(tasks, op.Launch.TaskInfos...)
		} else {
			m.cfg.Log.Printf("framework %s: ignoring unsupported operation %q", f.name, op.Type)
		}
	}
	var offs []*offer
	invalid := ""
	if len(acc.OfferIDs) == 0 {
		invalid = "no offer ids"
	}
	seen := map[string]bool{}
	for _, oid := range acc.OfferIDs {
		if seen[oid.Value] {
			invalid = "offer " + oid.Value + " named twice"
			continue
		}
		seen[oid.Value] = true
		o := m.lookupOffer(f, oid.Value)
		switch {
		case o == nil:
			invalid = "offer " + oid.Value + " is no longer valid"
		case len(offs) > 0 && o.agent != offs[0].agent:
			invalid = "offers span several agents"
			offs = append(offs, o)
		default:
			offs = append(offs, o)
		}
	}
	var avail allocator.Resources
	var ports []mesosapi.Range
	for _, o := range offs {
		avail = avail.Add(o.res)
		ports = mesosapi.AddRanges(ports, o.ports)
		m.dropOffer(o)
	}
	if invalid != "" {
		for _, o := range offs {
			_ = m.alloc.Decline(now, o.id, 0)
		}
		for _, ti := range tasks {
			m.masterUpdate(f, nil, ti.TaskID.Value, ti.AgentID.Value, mesosapi.TaskLost, mesosapi.ReasonInvalidOffers, invalid, true)
		}
		return nil
	}
	a := offs[0].agent
	var used allocator.Resources
	for i := range tasks {
		ti := &tasks[i]
		res, tports, err := m.launch(f, a, ti, avail, ports)
		if err != nil {
			m.counters.Errors++
			m.masterUpdate(f, nil, ti.TaskID.Value, ti.AgentID.Value, mesosapi.TaskError, mesosapi.ReasonTaskInvalid, err.Error(), true)
			continue
		}
		avail = avail.Sub(res)
		used = used.Add(res)
		ports = mesosapi.SubtractRanges(ports, tports)
		a.sparePorts = mesosapi.SubtractRanges(a.sparePorts, tports)
		a.freePorts = mesosapi.SubtractRanges(a.freePorts, tports)
	}
	for _, o := range offs {
		u := used.Min(o.res)
		used = used.Sub(u)
		if m.alloc.Accept(now, o.id, u, refuse) == nil {
			m.counters.Accepted++
		}
	}
	return nil
}

// launch validates one task against what is left of the offers, takes its
// resources on the cluster and queues its LAUNCH for the agent.
func (m *Master) launch(f *framework, a *agent, ti *mesosapi.TaskInfo, avail allocator.Resources, ports []mesosapi.Range) (allocator.Resources, []mesosapi.Range, error) {
	id := ti.TaskID.Value
	if err := agentapi.ValidID(id); err != nil {
		return allocator.Resources{}, nil, fmt.Errorf("task_id: %v", err)
	}
	if old := f.tasks[id]; old != nil && !mesosapi.IsTerminal(old.state) {
		return allocator.Resources{}, nil, fmt.Errorf("task %s is already running", id)
	}
	if ti.AgentID.Value != a.name {
		return allocator.Resources{}, nil, fmt.Errorf("task names agent %q but the offer is for agent %q", ti.AgentID.Value, a.name)
	}
	res, tports, err := mesosapi.ToVector(ti.Resources)
	if err != nil {
		return allocator.Resources{}, nil, err
	}
	if res[allocator.CPU] == 0 && res[allocator.Mem] == 0 {
		return allocator.Resources{}, nil, fmt.Errorf("task uses no cpus or mem")
	}
	if !avail.Contains(res) {
		return allocator.Resources{}, nil, fmt.Errorf("task uses more resources (%v) than the offers have left (%v)", res, avail)
	}
	if !mesosapi.RangesContain(ports, tports) {
		return allocator.Resources{}, nil, fmt.Errorf("task uses ports that were not offered")
	}
	req := allocator.Request{Res: res}
	if err := req.Validate(); err != nil {
		return allocator.Resources{}, nil, err
	}
	devs, ok := m.cluster.PickDevices(a.id, req)
	if !ok || !m.cluster.Fits(a.id, req) {
		return allocator.Resources{}, nil, fmt.Errorf("task does not fit on agent %s (GPU devices)", a.name)
	}
	lt, err := m.launchCommand(f, a, ti, res, tports, devs)
	if err != nil {
		return allocator.Resources{}, nil, err
	}
	p := allocator.Placement{Agent: a.id, Devices: devs}
	m.cluster.Allocate(p, req)
	t := &task{
		id: id, agentTaskID: lt.TaskID, fw: f, agent: a, req: req, placement: p, ports: tports,
		state: mesosapi.TaskStaging, seen: map[string]bool{},
	}
	t.last = mesosapi.TaskStatus{TaskID: mesosapi.ID{Value: id}, State: mesosapi.TaskStaging, AgentID: mesosapi.NewID(a.name)}
	f.tasks[id] = t
	a.tasks[t.agentTaskID] = t
	m.queue(a, agentapi.Command{Type: agentapi.CommandLaunch, Launch: lt})
	m.counters.Launched++
	return res, tports, nil
}

// launchCommand translates a Mesos TaskInfo into the agent's LaunchTask and
// validates it (sandbox-relative paths, ids, workload shape).
func (m *Master) launchCommand(f *framework, a *agent, ti *mesosapi.TaskInfo, res allocator.Resources, ports []mesosapi.Range, devs allocator.DeviceMask) (*agentapi.LaunchTask, error) {
	lt := &agentapi.LaunchTask{
		// Unique per launch: a framework may reuse a task id after the task
		// ended, and agents remember the ids of completed tasks.
		TaskID: fmt.Sprintf("%s.%s.%d", f.name, ti.TaskID.Value, m.counters.Launched), FrameworkID: f.name, Name: ti.Name,
		Resources: agentapi.Resources{CPUMilli: res[allocator.CPU], MemMiB: res[allocator.Mem], DiskMiB: res[allocator.Disk]},
	}
	if len(lt.TaskID) > 128 {
		return nil, fmt.Errorf("task id %q is too long (framework id, task id and launch number must fit in 128 bytes)", ti.TaskID.Value)
	}
	for _, p := range ports {
		lt.Resources.Ports = append(lt.Resources.Ports, agentapi.PortRange{Begin: uint16(p.Begin), End: uint16(p.End)})
	}
	for i := range a.gpus {
		if devs&(1<<i) != 0 {
			lt.Resources.GPUs = append(lt.Resources.GPUs, a.gpus[i])
		}
	}
	if g := res[allocator.GPU]; g > 0 && g < 1000 {
		lt.GPUMilli = g
	}
	if ti.KillPolicy != nil && ti.KillPolicy.GracePeriod != nil {
		lt.KillGracePeriodMs = max(ti.KillPolicy.GracePeriod.Nanoseconds/1e6, 0)
	}
	label := func(k string) string { v, _ := ti.Labels.Get(k); return v }
	switch c := ti.Container; {
	case c == nil:
	case c.Type == mesosapi.ContainerMesos:
		lt.Executor = "runc"
	default:
		return nil, fmt.Errorf("container type %q is not supported (use MESOS or none)", c.Type)
	}
	if e := label(LabelExecutor); e != "" {
		lt.Executor = e
	}
	if lt.Executor != "" && !contains(a.executors, lt.Executor) {
		return nil, fmt.Errorf("agent %s has no %q executor (it has %v)", a.name, lt.Executor, a.executors)
	}
	w := &lt.Workload
	w.Cwd, w.Stdout, w.Stderr = label(LabelCwd), label(LabelStdout), label(LabelStderr)
	if kind := label(LabelWorkload); kind != "" {
		w.Kind = kind
		var err error
		if w.DurationMs, err = labelInt(ti, LabelDurationMs); err != nil {
			return nil, err
		}
		if w.MemoryMiB, err = labelInt(ti, LabelMemoryMiB); err != nil {
			return nil, err
		}
	} else {
		c := ti.Command
		if c == nil || c.Value == nil || *c.Value == "" {
			return nil, fmt.Errorf("task has neither a command nor an %s label", LabelWorkload)
		}
		if len(c.URIs) > 0 {
			return nil, fmt.Errorf("fetching URIs is not supported")
		}
		w.Kind = agentapi.WorkloadCommand
		if c.IsShell() {
			w.Argv = []string{"/bin/sh", "-c", *c.Value}
		} else {
			w.Argv = []string{*c.Value}
			if len(c.Arguments) > 1 {
				w.Argv = append(w.Argv, c.Arguments[1:]...)
			}
		}
		if c.Environment != nil {
			for _, v := range c.Environment.Variables {
				if v.Value != nil {
					w.Env = append(w.Env, v.Name+"="+*v.Value)
				}
			}
		}
	}
	cmd := agentapi.Command{Seq: 1, Type: agentapi.CommandLaunch, Launch: lt}
	if err := cmd.Validate(); err != nil {
		return nil, err
	}
	return lt, nil
}

func labelInt(ti *mesosapi.TaskInfo, key string) (int64, error) {
	v, ok := ti.Labels.Get(key)
	if !ok || v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("label %s: want a non-negative integer, got %q", key, v)
	}
	return n, nil
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// release returns a task's resources to the cluster and the allocator (once).
func (m *Master) release(t *task) {
	if t.released {
		return
	}
	t.released = true
	m.cluster.Release(t.placement, t.req)
	m.alloc.Recover(m.Now(), t.fw.id, t.agent.id, t.req.Res)
	if len(t.ports) > 0 && t.agent.active {
		t.agent.freePorts = mesosapi.AddRanges(t.agent.freePorts, t.ports)
		t.agent.sparePorts = mesosapi.AddRanges(t.agent.sparePorts, t.ports)
	}
}

// kill handles KILL: the agent stops the task (SIGTERM, then SIGKILL after
// the grace period) and reports TASK_KILLED; unknown tasks are TASK_LOST.
func (m *Master) kill(f *framework, k *mesosapi.Kill) {
	t := f.tasks[k.TaskID.Value]
	if t == nil {
		m.masterUpdate(f, nil, k.TaskID.Value, k.AgentID.GetValue(), mesosapi.TaskLost,
			mesosapi.ReasonReconciliation, "kill: task is unknown to the master", false)
		return
	}
	if mesosapi.IsTerminal(t.state) {
		st := t.last
		m.send(f, &mesosapi.Event{Type: mesosapi.EventUpdate, Update: &mesosapi.Update{Status: st}})
		return
	}
	var grace int64
	if k.KillPolicy != nil && k.KillPolicy.GracePeriod != nil {
		grace = max(k.KillPolicy.GracePeriod.Nanoseconds/1e6, 0)
	}
	m.queueKill(t, grace)
}

func (m *Master) queueKill(t *task, graceMs int64) {
	if t.agent.active {
		m.queue(t.agent, agentapi.Command{Type: agentapi.CommandKill, Kill: &agentapi.KillTask{TaskID: t.agentTaskID, GracePeriodMs: graceMs}})
	}
}
