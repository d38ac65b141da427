// Package master is allocsim's real master: it holds the cluster state of
// registered agents, runs a two-level allocator from the allocator package
// (DRF by default) with wall-clock time, speaks the Mesos v1 scheduler HTTP
// API to frameworks (POST /api/v1/scheduler, RecordIO event stream) and the
// project's agent API (realrun/agentapi) to agents.
//
// All state lives behind one mutex: every API call and timer takes it,
// changes the state and queues events for the framework streams and
// commands for the agents, which are written by their own goroutines.
package master

import (
	"fmt"
	"io"
	"log"
	"time"

	"github.com/allocsim/allocsim/allocator"
)

// Config configures a master. Zero values take the defaults noted.
type Config struct {
	// Token is the bearer token every API request must carry (required).
	Token string
	// Allocator names the registered two-level allocator ("drf").
	Allocator string
	// AllocatorParams are passed to the allocator (sorter, offer_timeout, …).
	AllocatorParams allocator.Params
	// Roles frameworks may subscribe with; "*" is added when missing.
	Roles []allocator.RoleInfo
	// AllocationInterval is the periodic allocation cycle (default 1 s).
	AllocationInterval time.Duration
	// AgentHeartbeat is the interval agents are told to heartbeat at (default 1 s).
	AgentHeartbeat time.Duration
	// AgentTimeout: an agent silent this long is removed and its tasks become
	// TASK_LOST (default 5 × AgentHeartbeat).
	AgentTimeout time.Duration
	// FrameworkHeartbeat is the HEARTBEAT event interval on streams (default 15 s).
	FrameworkHeartbeat time.Duration
	// StatusRetry is how often unacknowledged status updates are resent to
	// their framework (default 2 s).
	StatusRetry time.Duration
	// MaxBodyBytes bounds scheduler API request bodies (default 1 MiB).
	MaxBodyBytes int64
	// StreamBuffer is how many events may wait for a slow framework before
	// its stream is closed (default 4096).
	StreamBuffer int
	// Seed seeds the allocator's random stream.
	Seed uint64
	// Address is the host:port frameworks reach the master at, reported in
	// SUBSCRIBED's master_info (default 127.0.0.1:5050).
	Address string
	// Log receives operational messages (default: discarded).
	Log *log.Logger
	// OnCycle, when set, is called after every allocation cycle (under the
	// master's lock: it must be quick and must not call the master).
	OnCycle func(CycleInfo)
}

// CycleInfo describes one allocation cycle.
type CycleInfo struct {
	Now       allocator.Time
	Wall      time.Duration
	Triggered bool
	Offers    int
	Rescinded int // offers rescinded by offer_timeout at this cycle
}

func (c *Config) withDefaults() (Config, error) {
	d := *c
	if d.Token == "" {
		return d, fmt.Errorf("master: a bearer token is required")
	}
	if d.Allocator == "" {
		d.Allocator = "drf"
	}
	if d.AllocationInterval <= 0 {
		d.AllocationInterval = time.Second
	}
	if d.AgentHeartbeat <= 0 {
		d.AgentHeartbeat = time.Second
	}
	if d.AgentTimeout <= 0 {
		d.AgentTimeout = 5 * d.AgentHeartbeat
	}
	if d.FrameworkHeartbeat <= 0 {
		d.FrameworkHeartbeat = 15 * time.Second
	}
	if d.StatusRetry <= 0 {
		d.StatusRetry = 2 * time.Second
	}
	if d.MaxBodyBytes <= 0 {
		d.MaxBodyBytes = 1 << 20
	}
	if d.StreamBuffer <= 0 {
		d.StreamBuffer = 4096
	}
	if d.Address == "" {
		d.Address = "127.0.0.1:5050"
	}
	if d.Log == nil {
		d.Log = log.New(io.Discard, "", 0)
	}
	hasStar := false
	for _, r := range d.Roles {
		hasStar = hasStar || r.Name == "*"
	}
	d.Roles = append([]allocator.RoleInfo(nil), d.Roles...)
	if !hasStar {
		d.Roles = append(d.Roles, allocator.RoleInfo{Name: "*", Weight: 1})
	}
	for i := range d.Roles {
		if d.Roles[i].Weight == 0 {
			d.Roles[i].Weight = 1
		}
	}
	return d, nil
}
