package replay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/realrun/mesosapi"
	"github.com/allocsim/allocsim/sim"
)

// framework is the built-in replay scheduler for one scenario framework. It
// keeps a FIFO queue of submitted tasks; on each offer it places queued
// tasks first-fit into the offer, launches them and declines the rest
// with refuse_seconds; with nothing queued it declines with
// idle_refuse_seconds and suppresses, and revives when tasks arrive — the
// same policy as the simulator's drf mode framework model.
type framework struct {
	run    *runState
	id     allocator.FrameworkID
	info   allocator.FrameworkInfo
	role   string
	client *mesosapi.Client

	refuse, idleRefuse float64 // wall seconds

	// ctl is held while deciding on and sending SUPPRESS or REVIVE, so the
	// master sees them in the order the framework's state changed.
	ctl        sync.Mutex
	lastOffer  time.Time
	mu         sync.Mutex
	queue      []*sim.Task
	byID       map[string]*sim.Task
	suppressed bool
	remaining  int // tasks not yet ended
}

func (f *framework) taskID(t *sim.Task) string { return "t" + strconv.FormatInt(t.Seq, 10) }

// submit queues a task and revives the framework if it was idle.
func (f *framework) submit(ctx context.Context, t *sim.Task) {
	f.ctl.Lock()
	defer f.ctl.Unlock()
	f.mu.Lock()
	f.queue = append(f.queue, t)
	f.byID[f.taskID(t)] = t
	revive := f.suppressed
	f.suppressed = false
	f.mu.Unlock()
	if revive {
		f.call(ctx, &mesosapi.Call{Type: mesosapi.CallRevive})
	}
}

// reviveIfStarved revives a framework with queued tasks that has seen no
// offer for a while (a safety net, as Mesos frameworks have one).
func (f *framework) reviveIfStarved(ctx context.Context, after time.Duration) {
	f.ctl.Lock()
	defer f.ctl.Unlock()
	f.mu.Lock()
	starved := len(f.queue) > 0 && time.Since(f.lastOffer) > after
	if starved {
		f.suppressed = false
		f.lastOffer = time.Now()
	}
	f.mu.Unlock()
	if starved {
		f.call(ctx, &mesosapi.Call{Type: mesosapi.CallRevive})
	}
}

func (f *framework) call(ctx context.Context, c *mesosapi.Call) {
	if err := f.client.Call(ctx, c); err != nil && ctx.Err() == nil {
		f.run.fail(fmt.Errorf("framework %s: %s: %w", f.info.Name, c.Type, err))
	}
}

// loop handles the event stream until every task of the framework ended.
func (f *framework) loop(ctx context.Context, s *mesosapi.Stream) error {
	for {
		f.mu.Lock()
		done := f.remaining == 0
		f.mu.Unlock()
		if done {
			return nil
		}
		e, err := s.Next()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if errors.Is(err, io.EOF) {
				// The master disconnected us (e.g. the stream fell too far
				// behind); ending quietly would report the framework's
				// remaining tasks as if the replay had run them.
				return fmt.Errorf("framework %s: the master closed the event stream with %d tasks not ended", f.info.Name, f.notEnded())
			}
			return fmt.Errorf("framework %s: event stream: %w", f.info.Name, err)
		}
		f.reviveIfStarved(ctx, max(4*time.Duration(f.refuse*float64(time.Second)), 2*time.Second))
		switch e.Type {
		case mesosapi.EventOffers:
			for _, o := range e.Offers.Offers {
				f.offer(ctx, o)
			}
		case mesosapi.EventUpdate:
			f.update(ctx, e.Update.Status)
		case mesosapi.EventError:
			return fmt.Errorf("framework %s: master error: %s", f.info.Name, e.Error.Message)
		}
	}
}

// offer places queued tasks into one offer.
func (f *framework) offer(ctx context.Context, o mesosapi.Offer) {
	avail, _, err := mesosapi.ToVector(o.Resources)
	if err != nil {
		f.run.fail(fmt.Errorf("framework %s: offer %s: %w", f.info.Name, o.ID.Value, err))
		return
	}
	f.ctl.Lock()
	defer f.ctl.Unlock()
	f.mu.Lock()
	f.lastOffer = time.Now()
	var tasks []mesosapi.TaskInfo
	kept := f.queue[:0]
	for _, t := range f.queue {
		if avail.Contains(t.Spec.Req.Res) {
			avail = avail.Sub(t.Spec.Req.Res)
			tasks = append(tasks, f.run.taskInfo(f, t, o.AgentID))
			continue
		}
		kept = append(kept, t)
	}
	for i := len(kept); i < len(f.queue); i++ {
		f.queue[i] = nil
	}
	f.queue = kept
	idle := len(f.queue) == 0
	suppress := idle && !f.suppressed
	if suppress {
		f.suppressed = true
	}
	f.mu.Unlock()
	refuse := f.refuse
	if idle {
		refuse = f.idleRefuse
	}
	if len(tasks) == 0 {
		f.run.rec.offerAnswered(0, 1)
		f.call(ctx, &mesosapi.Call{Type: mesosapi.CallDecline, Decline: &mesosapi.Decline{
			OfferIDs: []mesosapi.ID{o.ID}, Filters: &mesosapi.Filters{RefuseSeconds: &refuse}}})
	} else {
		f.run.rec.offerAnswered(1, 0)
		f.call(ctx, &mesosapi.Call{Type: mesosapi.CallAccept, Accept: &mesosapi.Accept{
			OfferIDs:   []mesosapi.ID{o.ID},
			Operations: []mesosapi.Operation{{Type: mesosapi.OpLaunch, Launch: &mesosapi.Launch{TaskInfos: tasks}}},
			Filters:    &mesosapi.Filters{RefuseSeconds: &refuse}}})
	}
	if suppress {
		f.call(ctx, &mesosapi.Call{Type: mesosapi.CallSuppress})
	}
}

// update records a status update and acknowledges it.
func (f *framework) update(ctx context.Context, st mesosapi.TaskStatus) {
	if len(st.UUID) > 0 && st.AgentID != nil {
		defer f.call(ctx, &mesosapi.Call{Type: mesosapi.CallAcknowledge, Acknowledge: &mesosapi.Acknowledge{
			AgentID: *st.AgentID, TaskID: st.TaskID, UUID: st.UUID}})
	}
	f.mu.Lock()
	t := f.byID[st.TaskID.Value]
	f.mu.Unlock()
	if t == nil {
		return
	}
	now := f.run.now()
	switch st.State {
	case mesosapi.TaskRunning:
		if !t.Started && t.State != sim.StateEnded {
			f.run.rec.started(now, t, st.AgentID.GetValue())
		}
		return
	case mesosapi.TaskFinished:
		f.end(now, t, allocator.OutcomeFinished)
	case mesosapi.TaskFailed, mesosapi.TaskError:
		if st.Message != nil {
			f.run.logf("task %s of %s: %s: %s", st.TaskID.Value, f.info.Name, st.State, *st.Message)
		}
		f.end(now, t, allocator.OutcomeFailed)
	case mesosapi.TaskKilled:
		f.end(now, t, allocator.OutcomeKilled)
	case mesosapi.TaskLost, mesosapi.TaskDropped, mesosapi.TaskGone, mesosapi.TaskGoneByOperator:
		f.end(now, t, allocator.OutcomeLost)
	}
}

func (f *framework) end(now allocator.Time, t *sim.Task, o allocator.Outcome) {
	f.mu.Lock()
	if t.State == sim.StateEnded {
		f.mu.Unlock()
		return
	}
	delete(f.byID, f.taskID(t))
	f.remaining--
	f.mu.Unlock()
	f.run.rec.ended(now, t, o)
}

func (f *framework) notEnded() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.remaining
}
