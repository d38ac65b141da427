package sim

import (
	"fmt"

	"github.com/allocsim/allocsim/allocator"
)

// Launch starts pending task id at placement p: it allocates the request on
// the cluster and schedules the task's end. It fails, changing nothing, if
// the task is not pending or the request does not fit there.
func (e *Engine) Launch(id TaskID, p allocator.Placement) error {
	t := e.tasks.at(id)
	if t.State != StatePending {
		return fmt.Errorf("sim: launch of task %d in state %s", t.Seq, t.State)
	}
	if int(p.Agent) >= e.cluster.NumAgents() || !e.cluster.Fits(p.Agent, t.Spec.Req) {
		return fmt.Errorf("sim: task %d does not fit on agent %d", t.Seq, p.Agent)
	}
	e.cluster.Allocate(p, t.Spec.Req)
	t.State = StateRunning
	t.Started = true
	t.Start = e.now
	t.Placement = p
	t.gen++
	t.prev = NoTask
	t.next = e.onAgent[p.Agent]
	if t.next != NoTask {
		e.tasks.at(t.next).prev = id
	}
	e.onAgent[p.Agent] = id
	e.pending--
	e.running++
	e.counters.Launched++
	e.lastProgress = e.now
	if !t.Service() {
		e.runningFinite++
		e.q.push(e.now+t.Spec.Duration, e.hEnd, int64(id)|int64(t.gen)<<32)
	}
	if e.obs != nil {
		e.obs.TaskStarted(e.now, t)
	}
	return nil
}

// Kill ends a pending or running task now with outcome o (killed,
// preempted, evicted, …). Preempted tasks are requeued if Config.Requeue.
func (e *Engine) Kill(id TaskID, o allocator.Outcome) error {
	t := e.tasks.at(id)
	if t.State != StatePending && t.State != StateRunning {
		return fmt.Errorf("sim: kill of task %d in state %s", t.Seq, t.State)
	}
	e.end(id, o, true, e.requeues(o))
	return nil
}

// Preempt ends running task id as preempted to make room for another task
// and submits it again as a new attempt, whatever Config.Requeue says: a
// scheduler that evicts work to run more important work puts the evicted
// work back in its queue (Borg). The caller then launches the preemptor.
func (e *Engine) Preempt(id TaskID) error {
	t := e.tasks.at(id)
	if t.State != StateRunning {
		return fmt.Errorf("sim: preemption of task %d in state %s", t.Seq, t.State)
	}
	e.end(id, allocator.OutcomePreempted, true, true)
	return nil
}

// requeues: whether an attempt that ended with o by the trace's or the
// failure model's doing is submitted again (Config.Requeue).
func (e *Engine) requeues(o allocator.Outcome) bool {
	return e.cfg.Requeue && (o == allocator.OutcomeLost || o == allocator.OutcomePreempted)
}

func (e *Engine) handleEnd(now allocator.Time, arg int64) {
	id := TaskID(arg & 0xffffffff)
	t := e.tasks.at(id)
	if t.gen != uint32(arg>>32) || t.State != StateRunning {
		return // the task was killed or lost before its end
	}
	e.end(id, t.Spec.Outcome, true, e.requeues(t.Spec.Outcome))
}

// end finishes an attempt; notifyFree tells the mode its agent has room;
// requeue submits the task again as a new attempt.
func (e *Engine) end(id TaskID, o allocator.Outcome, notifyFree, requeue bool) {
	t := e.tasks.at(id)
	wasRunning := t.State == StateRunning
	agent := t.Placement.Agent
	if wasRunning {
		e.cluster.Release(t.Placement, t.Spec.Req)
		if t.prev != NoTask {
			e.tasks.at(t.prev).next = t.next
		} else {
			e.onAgent[agent] = t.next
		}
		if t.next != NoTask {
			e.tasks.at(t.next).prev = t.prev
		}
		e.running--
		if !t.Service() {
			e.runningFinite--
		}
		e.lastProgress = e.now
	} else {
		e.pending--
	}
	if wasRunning && (o == allocator.OutcomePreempted || o == allocator.OutcomeLost) {
		e.counters.WastedCPUSeconds += float64(t.Spec.Req.Res[allocator.CPU]) / 1000 * (e.now - t.Start).Seconds()
	}
	t.State = StateEnded
	t.Outcome = o
	t.End = e.now
	e.counters.Ended[o]++
	if e.obs != nil {
		e.obs.TaskEnded(e.now, t)
	}
	e.mode.TaskEnded(e.now, id)
	spec, attempt := t.Spec, t.Attempt
	e.tasks.release(id)
	if requeue {
		e.counters.Requeued++
		e.submit(spec, attempt+1)
	}
	if wasRunning && notifyFree && e.cluster.Agent(agent).Up {
		e.mode.ResourcesFreed(e.now, agent)
	}
}

func (e *Engine) submit(spec allocator.TaskSpec, attempt int32) {
	id := e.tasks.alloc()
	t := e.tasks.at(id)
	t.Spec = spec
	if spec.Duration == allocator.Never {
		// A service's tasks are its replicas, which spreading policies
		// keep apart (kube-scheduler's default spread constraints apply to
		// the pods of a ReplicaSet, not of a batch Job).
		t.Spec.Req.Replica = true
	}
	if t.Spec.Req.Group == 0 && (t.Spec.Req.Replica || spec.Req.HasLimits()) {
		t.Spec.Req.Group = spec.Job + 1 // the cluster counts the job's tasks per agent
	}
	t.Ready = e.now
	t.Seq = e.nextSeq
	t.Attempt = attempt
	e.nextSeq++
	e.counters.Submitted++
	if e.obs != nil {
		e.obs.TaskSubmitted(e.now, t)
	}
	t.State = StatePending
	e.pending++
	e.mode.TaskPending(e.now, id)
}

// agentDown takes an agent down; its running tasks end as lost.
func (e *Engine) agentDown(a allocator.AgentID, remove bool) {
	if remove {
		e.removed[a] = true
	}
	if !e.cluster.Agent(a).Up {
		return
	}
	e.cluster.SetUp(a, false)
	for id := e.onAgent[a]; id != NoTask; id = e.onAgent[a] {
		e.end(id, allocator.OutcomeLost, false, e.requeues(allocator.OutcomeLost))
	}
	e.lastProgress = e.now
	e.mode.AgentChanged(e.now, a)
}
