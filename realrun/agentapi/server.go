package agentapi

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Master is the master's side of the protocol. NewHandler authenticates,
// size-limits, decodes and validates each request before calling it, so an
// implementation only ever sees valid requests. Return ErrUnknownAgent (or
// an *Error) to choose the HTTP answer; other errors become 500.
type Master interface {
	Register(ctx context.Context, req *RegisterRequest) (*RegisterResponse, error)
	Heartbeat(ctx context.Context, req *HeartbeatRequest) (*HeartbeatResponse, error)
	// Commands should block until a command is pending, req.WaitMs passes or ctx ends.
	Commands(ctx context.Context, req *CommandsRequest) (*CommandsResponse, error)
	Status(ctx context.Context, req *StatusRequest) (*StatusResponse, error)
}

// Error is an API error with its HTTP status; the client returns it too.
type Error struct {
	HTTPStatus int
	Code       string
	Message    string
}

func (e *Error) Error() string {
	return fmt.Sprintf("agentapi: %d %s: %s", e.HTTPStatus, e.Code, e.Message)
}

// Error codes.
const (
	CodeUnauthorized = "unauthorized"
	CodeBadRequest   = "bad_request"
	CodeUnknownAgent = "unknown_agent"
	CodeInternal     = "internal"
)

// ErrUnknownAgent tells the agent to register again (404).
var ErrUnknownAgent = &Error{HTTPStatus: http.StatusNotFound, Code: CodeUnknownAgent, Message: "unknown agent; register again"}

// IsUnknownAgent reports whether err says the master does not know the agent.
func IsUnknownAgent(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == CodeUnknownAgent
}

// BadRequest builds a 400 error (for a master that rejects a valid-looking request).
func BadRequest(format string, args ...any) *Error {
	return &Error{HTTPStatus: http.StatusBadRequest, Code: CodeBadRequest, Message: fmt.Sprintf(format, args...)}
}

// Authorized reports whether r carries "Authorization: Bearer <token>",
// compared in constant time. An empty token authorizes nothing.
func Authorized(r *http.Request, token string) bool {
	h := r.Header.Get("Authorization")
	got, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || token == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(token)) == 1
}

// Decode reads one JSON value of at most MaxBodyBytes into v, refusing
// unknown fields and trailing data, then validates it. Every error it
// returns is a *Error with status 400.
func Decode(body io.Reader, v Validator) error {
	data, err := io.ReadAll(io.LimitReader(body, MaxBodyBytes+1))
	if err != nil {
		return BadRequest("reading body: %v", err)
	}
	if len(data) > MaxBodyBytes {
		return BadRequest("body larger than %d bytes", MaxBodyBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return BadRequest("decoding JSON: %v", err)
	}
	if dec.More() {
		return BadRequest("trailing data after the JSON value")
	}
	if err := v.Validate(); err != nil {
		return BadRequest("%v", err)
	}
	return nil
}

// WriteError writes err as a JSON ErrorResponse.
func WriteError(w http.ResponseWriter, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{HTTPStatus: http.StatusInternalServerError, Code: CodeInternal, Message: err.Error()}
	}
	if e.HTTPStatus == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="allocsim"`)
	}
	writeJSON(w, e.HTTPStatus, ErrorResponse{Code: e.Code, Message: e.Message})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// NewHandler serves the four endpoints for m, guarded by token.
func NewHandler(token string, m Master) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(PathRegister, endpoint(token, func(ctx context.Context, r *RegisterRequest) (any, error) { return m.Register(ctx, r) }))
	mux.Handle(PathHeartbeat, endpoint(token, func(ctx context.Context, r *HeartbeatRequest) (any, error) { return m.Heartbeat(ctx, r) }))
	mux.Handle(PathCommands, endpoint(token, func(ctx context.Context, r *CommandsRequest) (any, error) { return m.Commands(ctx, r) }))
	mux.Handle(PathStatus, endpoint(token, func(ctx context.Context, r *StatusRequest) (any, error) { return m.Status(ctx, r) }))
	return mux
}

// endpoint wraps one typed call: token first (401), then method, size,
// JSON shape and validation (400), and only then the master.
func endpoint[T any, P interface {
	*T
	Validator
}](token string, call func(context.Context, P) (any, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !Authorized(r, token) {
			WriteError(w, &Error{HTTPStatus: http.StatusUnauthorized, Code: CodeUnauthorized, Message: "missing or wrong bearer token"})
			return
		}
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			WriteError(w, &Error{HTTPStatus: http.StatusMethodNotAllowed, Code: CodeBadRequest, Message: "use POST"})
			return
		}
		req := P(new(T))
		if err := Decode(http.MaxBytesReader(w, r.Body, MaxBodyBytes+1), req); err != nil {
			WriteError(w, err)
			return
		}
		resp, err := call(r.Context(), req)
		if err != nil {
			WriteError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, resp)
	})
}
