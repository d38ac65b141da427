package master

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/realrun/agentapi"
	"github.com/allocsim/allocsim/realrun/mesosapi"
)

// attach registers a new framework or re-attaches a known one to a new
// stream, and queues SUBSCRIBED plus every unacknowledged status update.
func (m *Master) attach(call *mesosapi.Call) (*framework, *stream, error) {
	info := call.Subscribe.FrameworkInfo
	roles := info.EffectiveRoles()
	if len(roles) != 1 {
		return nil, nil, badRequest("a framework must have exactly one role here (got %d)", len(roles))
	}
	role, ok := m.roleIdx[roles[0]]
	if !ok {
		return nil, nil, badRequest("unknown role %q (the master was started with roles %s)", roles[0], m.roleNames())
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.Now()
	var f *framework
	if id := info.ID.GetValue(); id != "" {
		f = m.fwByID[id]
		if f != nil && f.removed {
			return nil, nil, &apiError{http.StatusForbidden, fmt.Sprintf("framework %s has been torn down", id)}
		}
		if f != nil && f.role != roles[0] {
			return nil, nil, badRequest("framework %s: changing role from %q to %q is not supported", id, f.role, roles[0])
		}
		if f == nil {
			if err := agentapi.ValidID(id); err != nil {
				return nil, nil, badRequest("framework_info.id: %v", err)
			}
		}
	}
	if f == nil {
		id := info.ID.GetValue()
		if id == "" {
			id = fmt.Sprintf("%s-%04d", m.id, len(m.fws))
		}
		f = &framework{
			id: allocator.FrameworkID(len(m.fws)), name: id, role: roles[0],
			tasks: map[string]*task{}, offers: map[allocator.OfferID]*offer{},
		}
		ai := allocator.FrameworkInfo{Name: info.Name, Role: role, GPUCapable: info.HasCapability(mesosapi.CapGPUResources)}
		if err := m.alloc.AddFramework(now, f.id, ai); err != nil {
			return nil, nil, badRequest("framework: %v", err)
		}
		m.fws = append(m.fws, f)
		m.fwByID[id] = f
		m.cfg.Log.Printf("framework %s (%s) registered with role %s", id, info.Name, roles[0])
	} else {
		if f.stream != nil {
			m.send(f, &mesosapi.Event{Type: mesosapi.EventError, Error: &mesosapi.Error{Message: "Framework failed over"}})
			m.disconnect(f)
		}
		if !f.suppressed {
			m.alloc.Revive(now, f.id)
		}
		m.cfg.Log.Printf("framework %s re-subscribed", f.name)
	}
	info.ID = mesosapi.NewID(f.name)
	f.info = info
	if len(call.Subscribe.SuppressedRoles) > 0 {
		for _, r := range call.Subscribe.SuppressedRoles {
			if r == f.role {
				f.suppressed = true
				m.alloc.Suppress(now, f.id)
			}
		}
	}
	m.nextStream++
	s := newStream(fmt.Sprintf("%s-s%d", m.id, m.nextStream), m.cfg.StreamBuffer)
	f.stream = s
	hb := m.cfg.FrameworkHeartbeat.Seconds()
	m.send(f, &mesosapi.Event{Type: mesosapi.EventSubscribed, Subscribed: &mesosapi.Subscribed{
		FrameworkID: mesosapi.ID{Value: f.name}, HeartbeatIntervalSeconds: &hb, MasterInfo: m.masterInfo(),
	}})
	f.updates.each(func(u *update) bool {
		m.sendUpdate(f, u)
		return f.stream != nil
	})
	if m.alloc.Triggered() {
		m.kick()
	}
	return f, s, nil
}

func (m *Master) roleNames() string {
	names := make([]string, len(m.cfg.Roles))
	for i, r := range m.cfg.Roles {
		names[i] = r.Name
	}
	return strings.Join(names, ", ")
}

// detach runs when a subscription's HTTP request ends.
func (m *Master) detach(f *framework, s *stream) {
	s.close()
	m.mu.Lock()
	defer m.mu.Unlock()
	if f.stream == s {
		m.disconnect(f)
	}
}

// disconnect deactivates a framework whose stream went away: its offers
// are rescinded (without a filter) and it gets no new ones until it
// subscribes again; its tasks keep running, as in Mesos.
func (m *Master) disconnect(f *framework) {
	if f.stream == nil {
		return
	}
	f.stream.close()
	f.stream = nil
	now := m.Now()
	for _, o := range sortedOffers(f.offers) {
		m.dropOffer(o)
		_ = m.alloc.Decline(now, o.id, 0)
	}
	if !f.removed {
		m.alloc.Suppress(now, f.id)
	}
	m.cfg.Log.Printf("framework %s disconnected", f.name)
}

// handleCall runs every call but SUBSCRIBE for a subscribed framework.
func (m *Master) handleCall(c *mesosapi.Call, streamID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	f := m.fwByID[c.FrameworkID.Value]
	if f == nil || f.removed {
		return &apiError{http.StatusForbidden, fmt.Sprintf("framework %s is not subscribed", c.FrameworkID.Value)}
	}
	if f.stream == nil {
		return &apiError{http.StatusForbidden, fmt.Sprintf("framework %s is not subscribed (no open event stream)", f.name)}
	}
	if streamID != f.stream.id {
		return badRequest("the stream id %q in this request does not match the framework's stream", streamID)
	}
	now := m.Now()
	switch c.Type {
	case mesosapi.CallTeardown:
		m.teardown(f)
	case mesosapi.CallAccept:
		return m.accept(f, c.Accept)
	case mesosapi.CallDecline:
		refuse := allocator.RefuseFromSeconds(c.Decline.Filters.Refuse())
		for _, oid := range c.Decline.OfferIDs {
			if o := m.lookupOffer(f, oid.Value); o != nil {
				m.dropOffer(o)
				if m.alloc.Decline(now, o.id, refuse) == nil {
					m.counters.Declined++
				}
			}
		}
	case mesosapi.CallRevive:
		if rolesInclude(c.Revive, f.role) {
			f.suppressed = false
			m.alloc.Revive(now, f.id)
			m.kick()
		}
	case mesosapi.CallSuppress:
		if rolesInclude(c.Suppress, f.role) {
			f.suppressed = true
			m.alloc.Suppress(now, f.id)
		}
	case mesosapi.CallKill:
		m.kill(f, c.Kill)
	case mesosapi.CallAcknowledge:
		return m.acknowledge(f, c.Acknowledge)
	case mesosapi.CallReconcile:
		m.reconcile(f, c.Reconcile)
	}
	return nil
}

func rolesInclude(r *mesosapi.Roles, role string) bool {
	if r == nil || len(r.Roles) == 0 {
		return true
	}
	for _, x := range r.Roles {
		if x == role {
			return true
		}
	}
	return false
}

// teardown removes the framework: offers rescinded, tasks killed and their
// resources recovered at once (as Mesos does), stream closed.
func (m *Master) teardown(f *framework) {
	now := m.Now()
	for _, o := range sortedOffers(f.offers) {
		m.dropOffer(o)
	}
	for _, t := range sortedTasks(f.tasks) {
		if !t.released {
			m.queueKill(t, 0)
			m.release(t)
		}
		delete(t.agent.tasks, t.agentTaskID)
	}
	f.tasks = map[string]*task{}
	f.updates = updateQueue{}
	f.removed = true
	m.alloc.RemoveFramework(now, f.id)
	if f.stream != nil {
		f.stream.close()
		f.stream = nil
	}
	m.cfg.Log.Printf("framework %s torn down", f.name)
}

// masterInfo describes the master as SUBSCRIBED reports it: ip is the IPv4
// address as a uint32 in network byte order, as Mesos encodes it.
func (m *Master) masterInfo() *mesosapi.MasterInfo {
	host, portS, err := net.SplitHostPort(m.cfg.Address)
	if err != nil {
		host, portS = m.cfg.Address, "5050"
	}
	port, _ := strconv.Atoi(portS)
	mi := &mesosapi.MasterInfo{ID: m.id, Port: uint32(port), Hostname: &host,
		Address: &mesosapi.Address{Hostname: &host, Port: int32(port)}}
	if ip := net.ParseIP(host).To4(); ip != nil {
		mi.IP = binary.LittleEndian.Uint32(ip)
		s := ip.String()
		mi.Address.IP = &s
	}
	return mi
}
