package master

import (
	"encoding/json"
	"sync"

	"github.com/allocsim/allocsim/realrun/mesosapi"
)

// stream is one SUBSCRIBE connection. Events are encoded under the master's
// lock and queued; the subscribing request's goroutine writes them. A
// framework that falls StreamBuffer events behind is disconnected rather
// than let the master's memory grow.
type stream struct {
	id     string
	events chan []byte
	done   chan struct{}
	once   sync.Once
}

func newStream(id string, buffer int) *stream {
	return &stream{id: id, events: make(chan []byte, buffer), done: make(chan struct{})}
}

func (s *stream) close() { s.once.Do(func() { close(s.done) }) }

func (s *stream) closed() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// send queues an event; false when the stream is closed or overflows (the
// caller then treats the framework as disconnected).
func (s *stream) send(e *mesosapi.Event) bool {
	if s.closed() {
		return false
	}
	b, err := json.Marshal(e)
	if err != nil {
		return false
	}
	select {
	case s.events <- b:
		return true
	default:
		s.close()
		return false
	}
}

// send delivers an event to the framework's stream if it has one.
func (m *Master) send(f *framework, e *mesosapi.Event) bool {
	if f.stream == nil {
		return false
	}
	if !f.stream.send(e) {
		m.cfg.Log.Printf("framework %s: stream %s closed or too slow; disconnecting", f.name, f.stream.id)
		m.disconnect(f)
		return false
	}
	return true
}
