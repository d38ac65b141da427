package master

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/allocsim/allocsim/realrun/agentapi"
	"github.com/allocsim/allocsim/realrun/mesosapi"
)

// apiError is a scheduler API error: an HTTP status and a message, as the
// Mesos master answers (plain text body).
type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &apiError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

func writeAPIError(w http.ResponseWriter, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = &apiError{http.StatusInternalServerError, err.Error()}
	}
	if ae.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="allocsim"`)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(ae.status)
	io.WriteString(w, ae.msg+"\n")
}

const (
	mediaJSON     = "application/json"
	mediaRecordIO = "application/recordio"
	headerStream  = "Mesos-Stream-Id"
)

// accepts reports whether an Accept-style header admits media type mt
// (an absent header admits anything).
func accepts(header, mt string) bool {
	if header == "" {
		return true
	}
	for _, part := range strings.Split(header, ",") {
		t, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		if t == mt || t == "*/*" || t == "application/*" {
			return true
		}
	}
	return false
}

// serveScheduler handles POST /api/v1/scheduler: authentication, media
// types, a size-limited body, validation, then the call. Nothing changes
// unless the call is valid.
func (m *Master) serveScheduler(w http.ResponseWriter, r *http.Request) {
	if !agentapi.Authorized(r, m.cfg.Token) {
		writeAPIError(w, &apiError{http.StatusUnauthorized, "missing or invalid bearer token"})
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeAPIError(w, &apiError{http.StatusMethodNotAllowed, "expecting a 'POST' request"})
		return
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != mediaJSON {
		writeAPIError(w, &apiError{http.StatusUnsupportedMediaType,
			fmt.Sprintf("unsupported Content-Type %q: this master speaks %s only", r.Header.Get("Content-Type"), mediaJSON)})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, m.cfg.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeAPIError(w, badRequest("request body larger than %d bytes", m.cfg.MaxBodyBytes))
			return
		}
		writeAPIError(w, badRequest("reading request body: %v", err))
		return
	}
	call, err := mesosapi.DecodeCall(body)
	if err != nil {
		writeAPIError(w, badRequest("%v", err))
		return
	}
	if call.Type == mesosapi.CallSubscribe {
		m.subscribe(w, r, call)
		return
	}
	if !accepts(strings.Join(r.Header.Values("Accept"), ","), mediaJSON) {
		writeAPIError(w, &apiError{http.StatusNotAcceptable, "this master answers " + mediaJSON + " only"})
		return
	}
	if err := m.handleCall(call, r.Header.Get(headerStream)); err != nil {
		writeAPIError(w, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// subscribe answers SUBSCRIBE with a long-lived RecordIO stream of events.
func (m *Master) subscribe(w http.ResponseWriter, r *http.Request, call *mesosapi.Call) {
	accept := strings.Join(r.Header.Values("Accept"), ",")
	recordio := strings.Contains(accept, mediaRecordIO)
	switch {
	case recordio && !accepts(strings.Join(r.Header.Values("Message-Accept"), ","), mediaJSON):
		writeAPIError(w, &apiError{http.StatusNotAcceptable, "this master streams " + mediaJSON + " messages only"})
		return
	case !recordio && !accepts(accept, mediaJSON):
		writeAPIError(w, &apiError{http.StatusNotAcceptable, "this master streams " + mediaJSON + " only"})
		return
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		writeAPIError(w, &apiError{http.StatusInternalServerError, "streaming unsupported by the server"})
		return
	}
	f, s, err := m.attach(call)
	if err != nil {
		writeAPIError(w, err)
		return
	}
	defer m.detach(f, s)

	h := w.Header()
	if recordio {
		h.Set("Content-Type", mediaRecordIO)
		h.Set("Message-Content-Type", mediaJSON)
	} else {
		h.Set("Content-Type", mediaJSON)
	}
	h.Set(headerStream, s.id)
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	flusher.Flush()

	rw := mesosapi.NewRecordWriter(w)
	hb := time.NewTicker(m.cfg.FrameworkHeartbeat)
	defer hb.Stop()
	heartbeat := []byte(`{"type":"HEARTBEAT"}`)
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.done:
			// Drain what was queued before the close (e.g. a final ERROR).
			for {
				select {
				case b := <-s.events:
					if rw.WriteRecord(b) != nil {
						return
					}
				default:
					flusher.Flush()
					return
				}
			}
		case b := <-s.events:
			if rw.WriteRecord(b) != nil {
				return
			}
			// Write whatever else is queued before one flush.
			for more := true; more; {
				select {
				case b := <-s.events:
					if rw.WriteRecord(b) != nil {
						return
					}
				default:
					more = false
				}
			}
			flusher.Flush()
		case <-hb.C:
			if rw.WriteRecord(heartbeat) != nil {
				return
			}
			flusher.Flush()
		}
	}
}
