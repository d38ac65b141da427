package master

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/realrun/agentapi"
)

// Master is a running master. Create it with New, serve Handler and call
// Run to drive the allocation cycle and the timers.
type Master struct {
	cfg   Config
	start time.Time
	id    string // master id, prefix of every id it makes

	mu         sync.Mutex
	cluster    *allocator.Cluster
	alloc      allocator.Allocator
	roleIdx    map[string]allocator.RoleID
	agents     []*agent
	agentByID  map[string]*agent
	fws        []*framework
	fwByID     map[string]*framework
	offers     map[allocator.OfferID]*offer
	nextStream uint64
	counters   Counters

	trigger chan struct{}
}

// Counters are totals since the master started.
type Counters struct {
	Cycles, Offers, Accepted, Declined, Rescinded    int64
	Launched, Finished, Failed, Killed, Lost, Errors int64
}

// New builds a master from cfg.
func New(cfg Config) (*Master, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	m := &Master{
		cfg: c, start: time.Now(), id: hex.EncodeToString(b[:]),
		cluster: allocator.NewCluster(), roleIdx: map[string]allocator.RoleID{},
		agentByID: map[string]*agent{}, fwByID: map[string]*framework{},
		offers: map[allocator.OfferID]*offer{}, trigger: make(chan struct{}, 1),
	}
	for i, r := range c.Roles {
		if err := allocator.ValidateRoleName(r.Name); err != nil {
			return nil, fmt.Errorf("master: %w", err)
		}
		if err := allocator.ValidateWeight(r.Weight); err != nil {
			return nil, fmt.Errorf("master: role %q: weight %w", r.Name, err)
		}
		if _, dup := m.roleIdx[r.Name]; dup {
			return nil, fmt.Errorf("master: role %q listed twice", r.Name)
		}
		m.roleIdx[r.Name] = allocator.RoleID(i)
	}
	m.alloc, err = allocator.NewAllocator(c.Allocator, c.AllocatorParams, allocator.AllocatorEnv{
		Cluster: m.cluster, Roles: c.Roles, Interval: allocator.Time(c.AllocationInterval.Microseconds()),
		Rand: mrand.New(mrand.NewPCG(c.Seed, 0x6d6173746572)),
	})
	if err != nil {
		return nil, fmt.Errorf("master: %w", err)
	}
	return m, nil
}

// ID is the master's id (a prefix of the ids it hands out).
func (m *Master) ID() string { return m.id }

// Now is the allocator time: microseconds since the master started
// (monotonic clock).
func (m *Master) Now() allocator.Time { return allocator.Time(time.Since(m.start).Microseconds()) }

// Start is the wall-clock instant of allocator time 0.
func (m *Master) Start() time.Time { return m.start }

// Counters returns a copy of the master's totals.
func (m *Master) Counters() Counters {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.counters
}

// Handler serves the scheduler API at /api/v1/scheduler and the agent API
// at /agentapi/v1/*; every endpoint requires the bearer token.
func (m *Master) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/api/v1/scheduler", http.HandlerFunc(m.serveScheduler))
	ah := agentapi.NewHandler(m.cfg.Token, agentSide{m})
	mux.Handle("/agentapi/v1/", ah)
	return mux
}

// Run drives the periodic allocation, triggered cycles, offer timeouts,
// agent health checks and status update retries until ctx ends.
func (m *Master) Run(ctx context.Context) error {
	alloc := time.NewTicker(m.cfg.AllocationInterval)
	defer alloc.Stop()
	house := time.NewTicker(min(m.cfg.AgentTimeout/4, 250*time.Millisecond))
	defer house.Stop()
	retry := time.NewTicker(max(m.cfg.StatusRetry/2, 10*time.Millisecond))
	defer retry.Stop()
	for {
		select {
		case <-ctx.Done():
			m.shutdown()
			return nil
		case <-alloc.C:
			m.cycle(false)
		case <-m.trigger:
			m.cycle(true)
		case <-house.C:
			m.housekeeping()
		case <-retry.C:
			m.retryUpdates()
		}
	}
}

// kick asks Run for a triggered cycle; at most one is pending.
func (m *Master) kick() {
	select {
	case m.trigger <- struct{}{}:
	default:
	}
}

// shutdown closes every framework stream and wakes every long-poll.
func (m *Master) shutdown() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, f := range m.fws {
		if f.stream != nil {
			f.stream.close()
			f.stream = nil
		}
	}
	for _, a := range m.agents {
		a.wakeUp()
	}
}

// Agents is the number of active agents.
func (m *Master) Agents() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, a := range m.agents {
		if a.active {
			n++
		}
	}
	return n
}
