package sim

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/allocsim/allocsim/allocator"
)

// Mode is an allocation strategy plugged into the engine (monolithic
// placement, DRF with offers, static partitioning, …). The engine tells it
// what happened through the hooks and calls Cycle periodically (every
// Config.Interval) and when the mode asks with Engine.TriggerCycle. The mode
// acts through Engine.Launch and Engine.Kill and may schedule its own events
// with Engine.RegisterHandler and Engine.At.
type Mode interface {
	// Init is called once, before the first event, with the engine's
	// services available.
	Init(e *Engine) error
	// TaskPending: t was submitted, or requeued after being lost or preempted.
	TaskPending(now allocator.Time, t TaskID)
	// TaskEnded: t ended (its slot is reused afterwards; drop references).
	// A pending task ends only when the run stops.
	TaskEnded(now allocator.Time, t TaskID)
	// ResourcesFreed: resources came back on agent a (a task ended, the agent
	// was added or recovered).
	ResourcesFreed(now allocator.Time, a allocator.AgentID)
	// AgentChanged: a was added, removed, failed or recovered.
	AgentChanged(now allocator.Time, a allocator.AgentID)
	// Cycle runs one allocation cycle.
	Cycle(now allocator.Time)
}

// BaseMode has no-op hooks; embed it to implement only the hooks you need.
type BaseMode struct{}

// Init does nothing.
func (BaseMode) Init(*Engine) error { return nil }

// TaskPending does nothing.
func (BaseMode) TaskPending(allocator.Time, TaskID) {}

// TaskEnded does nothing.
func (BaseMode) TaskEnded(allocator.Time, TaskID) {}

// ResourcesFreed does nothing.
func (BaseMode) ResourcesFreed(allocator.Time, allocator.AgentID) {}

// AgentChanged does nothing.
func (BaseMode) AgentChanged(allocator.Time, allocator.AgentID) {}

// ModeEnv is what a mode factory gets besides the engine it is later
// initialised with.
type ModeEnv struct {
	Params     allocator.Params // the scenario's allocator.params
	Frameworks []allocator.FrameworkInfo
	Roles      []allocator.RoleInfo
	Rand       *rand.Rand            // the mode's derived stream (Stream(seed, "mode"))
	Typical    []allocator.TaskShape // the workload's typical task shapes (may be empty)
}

// ModeFactory builds a mode from its environment.
type ModeFactory func(env ModeEnv) (Mode, error)

var modes = map[string]ModeFactory{}

// RegisterMode makes a mode selectable by name (case-insensitive).
// Registering a name twice panics.
func RegisterMode(name string, f ModeFactory) {
	k := strings.ToLower(name)
	if _, dup := modes[k]; dup {
		panic("sim: mode registered twice: " + name)
	}
	modes[k] = f
}

// NewMode builds the registered mode with the given name.
func NewMode(name string, env ModeEnv) (Mode, error) {
	f, ok := modes[strings.ToLower(name)]
	if !ok {
		return nil, fmt.Errorf("unknown allocator %q (known: %s)", name, strings.Join(ModeNames(), ", "))
	}
	return f(env)
}

// ModeNames lists the registered modes, sorted.
func ModeNames() []string {
	names := make([]string, 0, len(modes))
	for k := range modes {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}
